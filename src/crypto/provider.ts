/**
 * The crypto boundary. Everything the protocol engine needs from cryptography goes through a
 * `CryptoProvider`, so the same engine runs on `node:crypto` (fast, Node only) and on a portable
 * provider (browsers, Workers). All methods are synchronous: no Promise enters the record layer
 * or the handshake. Randomness also comes from here, so tests can make it deterministic.
 */

/** Hash functions used by TLS 1.2/1.3 PRFs and transcripts. */
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** AEAD algorithms of the supported cipher suites. */
export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** An incremental hash. `digest()` finishes it; use `copy()` first to keep going. */
export interface Hash {
  update(data: Uint8Array): void;
  /** An independent copy of the current state. */
  copy(): Hash;
  /** The digest of everything fed so far; the object must not be used afterwards. */
  digest(): Uint8Array;
}

/**
 * A keyed AEAD instance (one per direction and key epoch). Its methods read `nonce` and `aad` during the call only and never keep them: the
 * record layer passes scratch buffers shared by all connections (engine/record/nonce.ts).
 */
export interface Aead {
  readonly algorithm: AeadAlgorithm;
  /** Authentication tag length in bytes (16 for all supported algorithms). */
  readonly tagLength: number;
  /**
   * Encrypts `plaintext` and returns `prefix || ciphertext || tag` in one fresh array, so the
   * record layer can pass the record header as `prefix` and avoid a copy.
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, prefix?: Uint8Array): Uint8Array;
  /**
   * Optional fast path for the record layer: `seal` of `plaintext || trailer` returned in two
   * pieces, the ciphertext of `plaintext` and then the ciphertext of `trailer` followed by the
   * tag. Their concatenation is byte for byte what `seal` returns for the joined plaintext. Nothing
   * is joined: a 16 KiB record then costs the one output buffer the cipher makes, not a second
   * one and a copy (TLS 1.3 appends the content type to every record). Providers without it are
   * used through `seal`.
   */
  sealParts?(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, trailer: Uint8Array): [Uint8Array, Uint8Array];
  /** Decrypts `ciphertext || tag`; returns null when authentication fails. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
}

/** An HMAC key prepared once for several uses (CryptoProvider.hmacKey). */
export interface HmacKey {
  /** HMAC(key, data). */
  mac(data: Uint8Array): Uint8Array;
  /** HKDF-Expand(PRK = key, info, length) (RFC 5869 2.3); `length` 1..255 * HashLen, checked by the caller. */
  expand(info: Uint8Array, length: number): Uint8Array;
}

/** One side of an (EC)DHE exchange: our ephemeral key pair for one named group. */
export interface KeyShare {
  /** The TLS NamedGroup code point. */
  readonly group: number;
  /** Our public key in TLS encoding (raw 32 bytes for X25519, uncompressed point for NIST curves). */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with the peer's TLS-encoded public key. Throws a TlsFailure
   * (illegal_parameter, SSL_R_BAD_KEY_SHARE) for a malformed or invalid peer key, or an all-zero
   * X25519 result.
   */
  deriveSecret(peerPublicKey: Uint8Array): Uint8Array;
}

/** Key kinds the signature code understands. */
export type KeyType = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519';

/** Kinds of signing key `generatePrivateKey` can make. */
export type SigningKeyKind = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'ed25519';

/** An imported private key. Opaque to the engine apart from its kind. */
export interface PrivateKey {
  readonly type: KeyType;
  /** For `ec`: the curve ('P-256' | 'P-384' | 'P-521'). */
  readonly curve?: string;
  /** For RSA: modulus length in bits. */
  readonly bits?: number;
}

/** An imported public key (from a certificate's SubjectPublicKeyInfo). */
export interface PublicKey {
  readonly type: KeyType;
  readonly curve?: string;
  readonly bits?: number;
}

/**
 * Digests that certificate signatures may use. Wider than `HashAlgorithm` on purpose: SHA-1 and
 * SHA-224 signatures exist in the wild and must be recognised (and then refused or allowed by the
 * verifier's policy) rather than be unreadable. MD5 is not here: it is never verified.
 */
export type CertificateHash = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/**
 * A certificate signature algorithm, already decoded from its X.509 AlgorithmIdentifier by the
 * x509 layer (which owns the OIDs and the RSASSA-PSS parameter rules), so providers only do math.
 * - `rsa-pkcs1`: RSASSA-PKCS1-v1_5 with `hash` (RFC 8017 8.2);
 * - `rsa-pss`: RSASSA-PSS with `hash`, MGF1 with the same hash, salt of `saltLength` bytes
 *   (RFC 4055; the x509 layer refuses parameters with a different MGF1 hash or trailer field);
 * - `ecdsa`: ECDSA with `hash`, signature as the DER `Ecdsa-Sig-Value` (RFC 5758 / RFC 3279);
 * - `ed25519`: pure Ed25519 (RFC 8410).
 */
export type CertificateSignatureAlgorithm =
  | { readonly kind: 'rsa-pkcs1'; readonly hash: CertificateHash }
  | { readonly kind: 'rsa-pss'; readonly hash: CertificateHash; readonly saltLength: number }
  | { readonly kind: 'ecdsa'; readonly hash: CertificateHash }
  | { readonly kind: 'ed25519' };

/** The operations the TLS engine needs. Implementations: `crypto/node.ts`, later `crypto/portable.ts`. */
export interface CryptoProvider {
  /** A short name for traces ("node", "portable"). */
  readonly name: string;

  /** `n` cryptographically random bytes. */
  randomBytes(n: number): Uint8Array;

  /** Output length of a hash in bytes. */
  hashLength(hash: HashAlgorithm): number;
  /** A new incremental hash. */
  createHash(hash: HashAlgorithm): Hash;
  /** One-shot digest. */
  digest(hash: HashAlgorithm, data: Uint8Array): Uint8Array;
  /** HMAC(key, data). */
  hmac(hash: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-Extract(salt, ikm) (RFC 5869 2.2). */
  hkdfExtract(hash: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  /** HKDF-Expand(prk, info, length) (RFC 5869 2.3). */
  hkdfExpand(hash: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /**
   * Optional: `key` made ready for several HMACs or HKDF-Expands under it (the key schedule
   * expands most secrets two to four times). Holds what the key is: keep it no longer than the
   * key. Without it each use is a whole `hmac` or `hkdfExpand` (see preparedHmacKey).
   */
  hmacKey?(hash: HashAlgorithm, key: Uint8Array): HmacKey;

  /** A keyed AEAD. `key` length must match the algorithm. */
  createAead(algorithm: AeadAlgorithm, key: Uint8Array): Aead;

  /** Whether a named group (TLS code point) is supported for key exchange. */
  supportsGroup(group: number): boolean;
  /** A fresh ephemeral key pair for `group`. */
  generateKeyShare(group: number): KeyShare;
  /**
   * A key share from a known private key (raw scalar bytes), for reproducing published traces
   * such as RFC 8448. Never needed in normal operation.
   */
  keyShareFromPrivate(group: number, privateKey: Uint8Array): KeyShare;

  /**
   * Imports a private key from PEM text (PKCS#8, or the traditional "RSA/EC PRIVATE KEY" forms)
   * or PKCS#8 DER. Throws an Error with a clear message when the key cannot be read.
   */
  importPrivateKey(key: string | Uint8Array): PrivateKey;
  /** Imports a public key from SubjectPublicKeyInfo DER. Throws for unsupported key kinds. */
  importPublicKey(spki: Uint8Array): PublicKey;
  /** SubjectPublicKeyInfo DER of the public half of a private key (for certificates we build). */
  publicKeyOf(key: PrivateKey): Uint8Array;
  /** A new signing key (for ephemeral self-signed certificates: demos and tests). */
  generatePrivateKey(kind: SigningKeyKind): PrivateKey;
  /** PKCS#8 DER of a private key (to hand it to other tools). */
  exportPrivateKey(key: PrivateKey): Uint8Array;

  /**
   * Signs `message` with a TLS SignatureScheme (ECDSA output in DER, as TLS sends it; RSA-PSS
   * with salt length equal to the hash length). Throws when the key cannot use that scheme.
   */
  sign(scheme: number, key: PrivateKey, message: Uint8Array, tls12?: boolean): Uint8Array;
  /**
   * Verifies a signature made with a TLS SignatureScheme; false for any mismatch or malformed input.
   * With `tls12` true the ECDSA schemes are read as TLS 1.2 SignatureAndHashAlgorithm pairs:
   * 0x0403 is "ECDSA with SHA-256" on any curve, not only P-256 (RFC 5246 7.4.1.4.1, RFC 8446
   * 4.2.3); the same flag on `sign` allows the same.
   */
  verify(scheme: number, key: PublicKey, message: Uint8Array, signature: Uint8Array, tls12?: boolean): boolean;

  /**
   * Verifies an X.509 signature (a certificate's signature over its tbsCertificate bytes) made by
   * `key` with `algorithm`. Returns false for a wrong signature, malformed signature bytes, or a
   * key that does not fit the algorithm (an EC key for `rsa-pkcs1`, say); never throws for peer
   * input. Policy (weak digests, short keys) is the caller's business, not the provider's.
   */
  verifyCertificateSignature(algorithm: CertificateSignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean;
}
