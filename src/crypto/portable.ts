/**
 * The portable CryptoProvider: pure JavaScript on the @noble/* libraries (hashes, ciphers,
 * curves) plus our BigInt RSA (`portable/rsa.ts`), so the same engine runs in browsers, Workers
 * and any other runtime with `crypto.getRandomValues`. Synchronous like the node provider, with
 * the same suites, groups and signature schemes, the same key formats and the same errors.
 *
 * Constant time: the @noble libraries are written to be constant-time as far as JavaScript
 * allows (they say so, and so do their audits); RSA signing is not (see `portable/rsa.ts`).
 */
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { expand as hkdfExpandRaw, extract as hkdfExtractRaw } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes as secureRandom } from '@noble/hashes/utils.js';
import { AlertDescription, NamedGroup } from '../wire/enums.js';
import { Reason, TlsFailure } from '../wire/errors.js';
import type {
  Aead,
  AeadAlgorithm,
  CertificateSignatureAlgorithm,
  CryptoProvider,
  Hash,
  HashAlgorithm,
  HmacKey,
  KeyShare,
  PrivateKey,
  PublicKey,
  SigningKeyKind,
} from './provider.js';
import { HmacSha256Key } from './hmac-sha256.js';
import { UnpreparedHmacKey } from './hmac-key.js';
import { schemeInfo, schemeMatchesKey } from './schemes.js';
import {
  exportPkcs8,
  exportSpki,
  importPrivateKeyMaterial,
  importSpki,
  PortablePrivateKey,
  PortablePublicKey,
  type CurveMath,
  type EcCurveName,
  type KeyMaterial,
} from './portable/keys.js';
import { generateRsaKey, signPkcs1, signPss, verifyPkcs1, verifyPss, type RsaHash } from './portable/rsa.js';

export { PortablePrivateKey, PortablePublicKey } from './portable/keys.js';

// ---------------------------------------------------------------------------------------------
// Hashes

const NOBLE_HASH = { sha256, sha384, sha512 } as const;
type NobleHash = (typeof NOBLE_HASH)[HashAlgorithm];
type NobleHashState = ReturnType<NobleHash['create']>;

function nobleHash(hash: HashAlgorithm): NobleHash {
  const h = NOBLE_HASH[hash];
  // A typo'd hash name from untyped callers would otherwise surface much later.
  if (h === undefined) throw new RangeError(`typessl: unsupported hash ${String(hash)}`);
  return h;
}

const RSA_HASH: Readonly<Record<HashAlgorithm, RsaHash>> = {
  sha256: { name: 'sha256', outputLength: 32, digest: (d) => sha256(d) },
  sha384: { name: 'sha384', outputLength: 48, digest: (d) => sha384(d) },
  sha512: { name: 'sha512', outputLength: 64, digest: (d) => sha512(d) },
};

class PortableHash implements Hash {
  constructor(private readonly state: NobleHashState) {}
  update(data: Uint8Array): void {
    this.state.update(data);
  }
  copy(): Hash {
    return new PortableHash(this.state.clone() as NobleHashState);
  }
  digest(): Uint8Array {
    return this.state.digest();
  }
}

// ---------------------------------------------------------------------------------------------
// AEAD

const AEAD_KEY_LENGTH: Readonly<Record<AeadAlgorithm, number>> = {
  'aes-128-gcm': 16,
  'aes-256-gcm': 32,
  'chacha20-poly1305': 32,
};
const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;

/** One keyed AEAD. noble's ciphers take key, nonce and AAD per message, so this keeps the key. */
class PortableAead implements Aead {
  readonly tagLength = TAG_LENGTH;
  private readonly key: Uint8Array;
  private readonly cipher: typeof gcm | typeof chacha20poly1305;

  constructor(
    readonly algorithm: AeadAlgorithm,
    key: Uint8Array,
  ) {
    const expected = AEAD_KEY_LENGTH[algorithm];
    if (expected === undefined) throw new RangeError(`typessl: unsupported AEAD ${String(algorithm)}`);
    if (key.length !== expected) throw new RangeError(`typessl: ${algorithm} needs a ${expected}-byte key, got ${key.length}`);
    // Own copy: the key schedule zeroes its secrets when a stage is consumed.
    this.key = key.slice();
    this.cipher = algorithm === 'chacha20-poly1305' ? chacha20poly1305 : gcm;
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, prefix?: Uint8Array): Uint8Array {
    // GCM would accept any IV length, which would break interop rather than fail.
    if (nonce.length !== NONCE_LENGTH) throw new RangeError(`typessl: AEAD nonce must be ${NONCE_LENGTH} bytes`);
    const sealed = this.cipher(this.key, nonce, aad).encrypt(plaintext);
    if (prefix === undefined || prefix.length === 0) return sealed;
    const out = new Uint8Array(prefix.length + sealed.length);
    out.set(prefix, 0);
    out.set(sealed, prefix.length);
    return out;
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    if (nonce.length !== NONCE_LENGTH) throw new RangeError(`typessl: AEAD nonce must be ${NONCE_LENGTH} bytes`);
    if (ciphertextAndTag.length < TAG_LENGTH) return null;
    try {
      // noble checks the tag before it decrypts, so no unauthenticated plaintext is ever made.
      return this.cipher(this.key, nonce, aad).decrypt(ciphertextAndTag);
    } catch {
      return null;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Key exchange

function badKeyShare(detail: string): TlsFailure {
  return new TlsFailure(AlertDescription.illegal_parameter, Reason.SSL_R_BAD_KEY_SHARE, detail);
}

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

const X25519_KEY_LENGTH = 32;

class X25519Share implements KeyShare {
  readonly group = NamedGroup.x25519;
  readonly publicKey: Uint8Array;
  constructor(private readonly secret: Uint8Array) {
    this.publicKey = x25519.getPublicKey(secret);
  }

  deriveSecret(peerPublicKey: Uint8Array): Uint8Array {
    if (peerPublicKey.length !== X25519_KEY_LENGTH) {
      throw badKeyShare(`X25519 key share must be ${X25519_KEY_LENGTH} bytes, got ${peerPublicKey.length}`);
    }
    let secret: Uint8Array;
    try {
      // noble refuses low-order points (an all-zero result) itself.
      secret = x25519.getSharedSecret(this.secret, peerPublicKey);
    } catch (e) {
      throw badKeyShare(`X25519 derivation failed (${(e as Error).message})`);
    }
    // RFC 8446 7.4.2: refuse an all-zero secret ourselves too, whatever the library does.
    if (isAllZero(secret)) throw badKeyShare('X25519 shared secret is all zero');
    return secret;
  }
}

type NobleEcdsa = typeof p256;

interface NistCurve {
  readonly name: string;
  readonly curve: NobleEcdsa;
  readonly pointLength: number;
  readonly scalarLength: number;
}
const NIST_GROUPS: ReadonlyMap<number, NistCurve> = new Map([
  [NamedGroup.secp256r1, { name: 'P-256', curve: p256, pointLength: 65, scalarLength: 32 }],
  [NamedGroup.secp384r1, { name: 'P-384', curve: p384, pointLength: 97, scalarLength: 48 }],
]);
const SIGNING_CURVES: Readonly<Record<EcCurveName, NobleEcdsa>> = { 'P-256': p256, 'P-384': p384, 'P-521': p521 };

/** A fresh secret scalar in [1, n-1] from the platform's CSPRNG (noble reduces a wide seed). */
function randomScalar(curve: NobleEcdsa): Uint8Array {
  return curve.utils.randomSecretKey();
}

class EcdhShare implements KeyShare {
  readonly publicKey: Uint8Array;
  constructor(
    readonly group: number,
    private readonly nist: NistCurve,
    private readonly scalar: Uint8Array,
  ) {
    this.publicKey = nist.curve.getPublicKey(scalar, false);
  }

  deriveSecret(peerPublicKey: Uint8Array): Uint8Array {
    // RFC 8446 4.2.8.2: only the uncompressed form is legal.
    if (peerPublicKey.length !== this.nist.pointLength || peerPublicKey[0] !== 0x04) {
      throw badKeyShare(`${this.nist.name} key share must be an uncompressed ${this.nist.pointLength}-byte point`);
    }
    try {
      // fromBytes checks the coordinates' range and that the point is on the curve.
      this.nist.curve.Point.fromBytes(peerPublicKey).assertValidity();
      // The compressed shared point is 0x02/0x03 || X; TLS uses X (RFC 8446 7.4.2).
      return this.nist.curve.getSharedSecret(this.scalar, peerPublicKey, true).subarray(1);
    } catch (e) {
      throw badKeyShare(`${this.nist.name} peer point is invalid (${(e as Error).message})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Keys

const CURVE_MATH: CurveMath = {
  ecPublicPoint: (curve, scalar) => SIGNING_CURVES[curve].getPublicKey(scalar, false),
  ed25519PublicKey: (seed) => ed25519.getPublicKey(seed),
};

function uncompressedPoint(curve: EcCurveName, point: Uint8Array): Uint8Array {
  return SIGNING_CURVES[curve].Point.fromBytes(point).toBytes(false);
}

function asPortablePrivateKey(key: PrivateKey): PortablePrivateKey {
  if (!(key instanceof PortablePrivateKey)) throw new TypeError('typessl: this private key was not made by the portable crypto provider');
  return key;
}

function describeForMessage(key: PrivateKey): string {
  if (key.curve !== undefined) return `${key.type} ${key.curve}`;
  if (key.bits !== undefined) return `${key.type}-${key.bits}`;
  return key.type;
}

function wrongSignatureType(scheme: number, detail: string): TlsFailure {
  return new TlsFailure(
    AlertDescription.handshake_failure,
    Reason.SSL_R_WRONG_SIGNATURE_TYPE,
    `signature scheme 0x${scheme.toString(16).padStart(4, '0')} ${detail}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The provider

/** The CryptoProvider on @noble/* and BigInt RSA. Stateless; share one instance. */
export class PortableCryptoProvider implements CryptoProvider {
  readonly name = 'portable';

  randomBytes(n: number): Uint8Array {
    return secureRandom(n);
  }

  hashLength(hash: HashAlgorithm): number {
    return nobleHash(hash).outputLen;
  }

  createHash(hash: HashAlgorithm): Hash {
    return new PortableHash(nobleHash(hash).create());
  }

  digest(hash: HashAlgorithm, data: Uint8Array): Uint8Array {
    return nobleHash(hash)(data);
  }

  hmac(hash: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    // SHA-256 in hmac-sha256.ts: a few times faster than a fresh HMAC for the key schedule's short
    // inputs, and keys used more than once are prepared once (hmacKey).
    if (hash === 'sha256') return new HmacSha256Key(key).mac(data);
    return hmac(nobleHash(hash), key, data);
  }

  hkdfExtract(hash: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
    // An empty salt equals HashLen zeros under HMAC's key padding (RFC 5869 2.2).
    if (hash === 'sha256') return this.hmac(hash, salt, ikm);
    return hkdfExtractRaw(nobleHash(hash), ikm, salt);
  }

  hkdfExpand(hash: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    const h = nobleHash(hash);
    if (!Number.isInteger(length) || length < 0 || length > 255 * h.outputLen) {
      throw new RangeError(`typessl: HKDF-Expand length ${length} out of range 0..${255 * h.outputLen}`);
    }
    if (length === 0) return new Uint8Array(0);
    if (hash === 'sha256') return new HmacSha256Key(prk).expand(info, length);
    return hkdfExpandRaw(h, prk, info, length);
  }

  hmacKey(hash: HashAlgorithm, key: Uint8Array): HmacKey {
    return hash === 'sha256' ? new HmacSha256Key(key) : new UnpreparedHmacKey(this, hash, key);
  }

  createAead(algorithm: AeadAlgorithm, key: Uint8Array): Aead {
    return new PortableAead(algorithm, key);
  }

  supportsGroup(group: number): boolean {
    return group === NamedGroup.x25519 || NIST_GROUPS.has(group);
  }

  generateKeyShare(group: number): KeyShare {
    if (group === NamedGroup.x25519) return new X25519Share(secureRandom(X25519_KEY_LENGTH));
    const nist = NIST_GROUPS.get(group);
    if (nist === undefined) throw new RangeError(`typessl: unsupported named group 0x${group.toString(16)}`);
    return new EcdhShare(group, nist, randomScalar(nist.curve));
  }

  keyShareFromPrivate(group: number, privateKey: Uint8Array): KeyShare {
    if (group === NamedGroup.x25519) {
      if (privateKey.length !== X25519_KEY_LENGTH) throw new RangeError('typessl: X25519 private key must be 32 bytes');
      return new X25519Share(privateKey.slice());
    }
    const nist = NIST_GROUPS.get(group);
    if (nist === undefined) throw new RangeError(`typessl: unsupported named group 0x${group.toString(16)}`);
    if (privateKey.length !== nist.scalarLength) {
      throw new RangeError(`typessl: ${nist.name} private key must be ${nist.scalarLength} bytes`);
    }
    return new EcdhShare(group, nist, privateKey.slice());
  }

  importPrivateKey(key: string | Uint8Array): PrivateKey {
    return new PortablePrivateKey(importPrivateKeyMaterial(key, CURVE_MATH));
  }

  importPublicKey(spki: Uint8Array): PublicKey {
    // Certificates come from the peer: failures are TlsFailures the engine turns into alerts.
    let material: KeyMaterial;
    try {
      material = importSpki(spki, uncompressedPoint);
    } catch (e) {
      const message = (e as Error).message;
      if (/unsupported (key type|EC curve)|restricted to/.test(message)) {
        throw new TlsFailure(AlertDescription.unsupported_certificate, 'SSL_R_UNKNOWN_CERTIFICATE_TYPE', message);
      }
      throw new TlsFailure(AlertDescription.bad_certificate, Reason.SSL_R_BAD_CERTIFICATE, `cannot read SubjectPublicKeyInfo: ${message}`);
    }
    return new PortablePublicKey(material);
  }

  publicKeyOf(key: PrivateKey): Uint8Array {
    return exportSpki(asPortablePrivateKey(key).material);
  }

  generatePrivateKey(kind: SigningKeyKind): PrivateKey {
    switch (kind) {
      case 'ec-p256':
      case 'ec-p384': {
        const curve: EcCurveName = kind === 'ec-p256' ? 'P-256' : 'P-384';
        const scalar = randomScalar(SIGNING_CURVES[curve]);
        return new PortablePrivateKey({ type: 'ec', curve, scalar, point: CURVE_MATH.ecPublicPoint(curve, scalar) });
      }
      case 'rsa-2048': {
        const rsa = generateRsaKey(2048, secureRandom);
        return new PortablePrivateKey({ type: 'rsa', rsa, rsaPrivate: rsa });
      }
      case 'ed25519': {
        const seed = secureRandom(32);
        return new PortablePrivateKey({ type: 'ed25519', seed, publicKey: ed25519.getPublicKey(seed) });
      }
      default:
        throw new RangeError(`typessl: unknown signing key kind ${String(kind)}`);
    }
  }

  exportPrivateKey(key: PrivateKey): Uint8Array {
    return exportPkcs8(asPortablePrivateKey(key).material);
  }

  sign(scheme: number, key: PrivateKey, message: Uint8Array, tls12 = false): Uint8Array {
    const k = asPortablePrivateKey(key);
    const info = schemeInfo(scheme);
    if (info === undefined || !schemeMatchesKey(scheme, k, tls12)) {
      throw wrongSignatureType(scheme, `cannot be used with this ${describeForMessage(k)} key`);
    }
    const m = k.material;
    try {
      switch (m.type) {
        case 'ed25519':
          return ed25519.sign(message, m.seed!);
        case 'ec':
          // We hash (the TLS 1.2 form may pair any curve with any hash); noble signs the digest.
          return SIGNING_CURVES[m.curve].sign(RSA_HASH[info.hash!].digest(message), m.scalar!, { prehash: false, format: 'der' });
        case 'rsa':
        case 'rsa-pss': {
          const hash = RSA_HASH[info.hash!];
          return info.padding === 'pss' ? signPss(m.rsaPrivate!, hash, message, secureRandom) : signPkcs1(m.rsaPrivate!, hash, message, secureRandom);
        }
      }
    } catch (e) {
      throw wrongSignatureType(scheme, `signing failed: ${(e as Error).message}`);
    }
  }

  verify(scheme: number, key: PublicKey, message: Uint8Array, signature: Uint8Array, tls12 = false): boolean {
    // Verifying works with either half of a key pair; anything else is not ours to judge.
    if (!(key instanceof PortablePublicKey) && !(key instanceof PortablePrivateKey)) return false;
    const info = schemeInfo(scheme);
    if (info === undefined || !schemeMatchesKey(scheme, key, tls12)) return false;
    const m = key.material;
    try {
      switch (m.type) {
        case 'ed25519':
          // Strict RFC 8032 decoding (not ZIP-215), which is what OpenSSL accepts too.
          return ed25519.verify(signature, message, m.publicKey, { zip215: false });
        case 'ec':
          // lowS: false, because OpenSSL (and so most peers) makes high-S signatures as well.
          return SIGNING_CURVES[m.curve].verify(signature, RSA_HASH[info.hash!].digest(message), m.point, {
            prehash: false,
            format: 'der',
            lowS: false,
          });
        case 'rsa':
        case 'rsa-pss': {
          const hash = RSA_HASH[info.hash!];
          return info.padding === 'pss' ? verifyPss(m.rsa, hash, message, signature) : verifyPkcs1(m.rsa, hash, message, signature);
        }
      }
    } catch {
      // Malformed DER signatures and points throw inside noble: that is a "no".
      return false;
    }
  }

  /**
   * Certificate signatures. This provider hashes with SHA-256/384/512 only, so SHA-1 and SHA-224
   * signatures (refused by the default verify policy anyway) and RSASSA-PSS with a salt length
   * other than the digest length read as "does not verify".
   */
  verifyCertificateSignature(algorithm: CertificateSignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
    if (!(key instanceof PortablePublicKey) && !(key instanceof PortablePrivateKey)) return false;
    const m = key.material;
    const hashOf = (name: string): RsaHash | undefined => (name === 'sha256' || name === 'sha384' || name === 'sha512' ? RSA_HASH[name] : undefined);
    try {
      switch (algorithm.kind) {
        case 'ed25519':
          return m.type === 'ed25519' && ed25519.verify(signature, message, m.publicKey, { zip215: false });
        case 'ecdsa': {
          const hash = hashOf(algorithm.hash);
          if (m.type !== 'ec' || !hash) return false;
          return SIGNING_CURVES[m.curve].verify(signature, hash.digest(message), m.point, { prehash: false, format: 'der', lowS: false });
        }
        case 'rsa-pkcs1': {
          const hash = hashOf(algorithm.hash);
          return m.type === 'rsa' && hash !== undefined && verifyPkcs1(m.rsa, hash, message, signature);
        }
        case 'rsa-pss': {
          const hash = hashOf(algorithm.hash);
          if ((m.type !== 'rsa' && m.type !== 'rsa-pss') || !hash || algorithm.saltLength !== this.hashLength(algorithm.hash as HashAlgorithm)) return false;
          return verifyPss(m.rsa, hash, message, signature);
        }
        default:
          return false;
      }
    } catch {
      return false;
    }
  }
}

/** The shared portable provider instance. */
export const portableCrypto: CryptoProvider = new PortableCryptoProvider();
