/**
 * The `node:crypto` CryptoProvider: the fast path on Node. Every method is synchronous.
 *
 * Performance shapes this file (see shared/design/PERFORMANCE-NOTES.md): the AEAD is the record
 * layer's hot path, so `seal`/`open` allocate only what node:crypto forces plus the one output
 * buffer; HKDF-Expand is HMAC called directly (not `hkdfSync`, which also extracts and costs ~4x);
 * X25519 public keys travel as JWK because SPKI DER conversion is ~60 us per key.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  randomFillSync,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import * as nodeCryptoModule from 'node:crypto';
import type { CipherGCM, DecipherGCM, ECDH, Hash as NodeHashObject, JsonWebKey, KeyObject, SignKeyObjectInput, VerifyKeyObjectInput } from 'node:crypto';
import { AlertDescription, NamedGroup } from '../wire/enums.js';
import { Reason, TlsFailure } from '../wire/errors.js';
import { HKDF_COUNTERS, HmacSha256Key } from './hmac-sha256.js';
import { UnpreparedHmacKey } from './hmac-key.js';
import type {
  Aead,
  AeadAlgorithm,
  CertificateSignatureAlgorithm,
  CryptoProvider,
  Hash,
  HashAlgorithm,
  HmacKey,
  KeyShare,
  KeyType,
  PrivateKey,
  PublicKey,
  SigningKeyKind,
} from './provider.js';
import { schemeInfo, schemeMatchesKey } from './schemes.js';
import type { SchemeInfo } from './schemes.js';

const HASH_LENGTH: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

function hashLengthOf(hash: HashAlgorithm): number {
  const n = HASH_LENGTH[hash];
  // A typo'd hash name from untyped callers would otherwise surface as NaN lengths much later.
  if (n === undefined) throw new RangeError(`typessl: unsupported hash ${String(hash)}`);
  return n;
}

/**
 * `crypto.hash()`, the one-shot digest of Node >= 20.12: no Hash object to build and let go, about
 * half the cost of createHash().update().digest(). Read through the namespace so older Node 20
 * releases, which lack it, still load this module and fall back to createHash.
 */
const oneShotHash = (nodeCryptoModule as { hash?: (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer }).hash;

/** Wraps a node Hash; `copy()` is node's native state copy (~1.3 us), cheaper than re-hashing. */
class NodeHash implements Hash {
  constructor(private readonly inner: NodeHashObject) {}
  update(data: Uint8Array): void {
    this.inner.update(data);
  }
  copy(): Hash {
    return new NodeHash(this.inner.copy());
  }
  digest(): Uint8Array {
    return this.inner.digest();
  }
}

// ---------------------------------------------------------------------------------------------
// Randomness

/**
 * Random bytes from node's CSPRNG, drawn in blocks.
 *
 * Why a pool: a handshake asks for randomness several times in small pieces (32-byte randoms and
 * session IDs, 12-byte ticket nonces, 4-byte age_add values), and each `crypto.randomBytes` call
 * costs ~4-7 us of fixed overhead on a busy machine whatever its size. One `randomFillSync` of a
 * block serves dozens of handshakes.
 *
 * What it keeps: every byte comes from the same OpenSSL CSPRNG `randomBytes` uses, and is handed
 * out exactly once, as a caller-owned copy; the pool's copy is zeroed at once, so no handed-out
 * secret lingers in the pool. Large requests bypass the pool.
 */
const RANDOM_POOL_SIZE = 4096;
/** Requests above this go straight to the CSPRNG: pooling only pays for small ones. */
const DIRECT_THRESHOLD = 256;

const randomPool = new Uint8Array(RANDOM_POOL_SIZE);
/** Next unused byte; RANDOM_POOL_SIZE means empty (the first request fills it). */
let randomPoolOffset = RANDOM_POOL_SIZE;

/** `n` fresh random bytes the caller owns. */
function pooledRandomBytes(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`typessl: cannot draw ${String(n)} random bytes`);
  if (n > DIRECT_THRESHOLD) return randomFillSync(new Uint8Array(n));
  if (randomPoolOffset + n > RANDOM_POOL_SIZE) {
    randomFillSync(randomPool);
    randomPoolOffset = 0;
  }
  const out = randomPool.slice(randomPoolOffset, randomPoolOffset + n);
  randomPool.fill(0, randomPoolOffset, randomPoolOffset + n);
  randomPoolOffset += n;
  return out;
}

// ---------------------------------------------------------------------------------------------
// AEAD

const AEAD_KEY_LENGTH: Readonly<Record<AeadAlgorithm, number>> = {
  'aes-128-gcm': 16,
  'aes-256-gcm': 32,
  'chacha20-poly1305': 32,
};
const TAG_LENGTH = 16;
const EMPTY = new Uint8Array(0);
const NONCE_LENGTH = 12;
/** Hoisted so the hot path does not build an options object per record. */
const CIPHER_OPTIONS = { authTagLength: TAG_LENGTH } as const;

/**
 * createCipheriv/createDecipheriv typed for all three AEADs at once. @types/node declares
 * ChaCha20-Poly1305's `setAAD` with a mandatory `plaintextLength`, but Node (like OpenSSL) only
 * needs it for CCM; at runtime the GCM and ChaCha20-Poly1305 objects have the same surface.
 * Typing through one signature also avoids a branch per record.
 */
const createAeadCipher = createCipheriv as unknown as (
  algorithm: AeadAlgorithm,
  key: KeyObject | Uint8Array,
  iv: Uint8Array,
  options: typeof CIPHER_OPTIONS,
) => CipherGCM;
const createAeadDecipher = createDecipheriv as unknown as (
  algorithm: AeadAlgorithm,
  key: KeyObject | Uint8Array,
  iv: Uint8Array,
  options: typeof CIPHER_OPTIONS,
) => DecipherGCM;

/** A shared buffer a key is written into just before a cipher is made from it, and its 32-bit words. */
interface KeyScratch {
  readonly bytes: Buffer;
  readonly words: Int32Array;
}

function keyScratch(length: number): KeyScratch {
  const words = new Int32Array(length / 4);
  return { bytes: Buffer.from(words.buffer), words };
}

/** Ciphers a key serves from its bytes before it becomes a KeyObject (see NodeAead). */
const KEY_OBJECT_AFTER = 8;

/** One per key length: createCipheriv takes a key of exactly the cipher's length. */
const KEY_SCRATCH_16 = keyScratch(16);
const KEY_SCRATCH_32 = keyScratch(32);

/**
 * One keyed AEAD. node:crypto has no reusable keyed context, so each call makes a fresh
 * cipher (~3.3 us fixed cost); everything else is kept out of the per-record path.
 *
 * The key is held as eight small integers in the object itself, written into a shared scratch
 * buffer for each cipher (which copies it at once; the scratch is then zeroed), until it has
 * served KEY_OBJECT_AFTER ciphers; then it becomes a KeyObject (native memory) and the integers
 * are zeroed. A KeyObject costs a createSecretKey (1.8 us, and about 1% of a server's handshake
 * CPU in perf for the four keys of a handshake, each used once or twice) and 96 bytes of JS heap
 * for it and its handle (an idle connection holds two keys); a cipher made from key bytes costs
 * 0.1-0.5 us more than one made from a KeyObject (node:crypto copies the bytes each time), which
 * only a key used for many records pays back. A Buffer would be about 190 bytes of heap (its view
 * and ArrayBuffer). Like the portable provider's keys, the integers live in the JS heap, as the key
 * schedule's secrets do. A 16-byte key (AES-128-GCM) takes four integers; NodeAead32 adds the
 * other four for 32-byte keys, so an AES-128-GCM connection's two keys carry no unused fields.
 */
class NodeAead implements Aead {
  /** A getter, not a field: each connection keeps two AEADs, and a field costs each 8 bytes. */
  get tagLength(): number {
    return TAG_LENGTH;
  }

  private k0: number;
  private k1: number;
  private k2: number;
  private k3: number;
  /** Ciphers made from the key bytes so far; the key is a KeyObject from KEY_OBJECT_AFTER on. */
  private uses = 0;
  private keyObject: KeyObject | null = null;

  constructor(
    readonly algorithm: AeadAlgorithm,
    key: Uint8Array,
  ) {
    const expected = AEAD_KEY_LENGTH[algorithm];
    if (expected === undefined) throw new RangeError(`typessl: unsupported AEAD ${String(algorithm)}`);
    if (key.length !== expected) {
      throw new RangeError(`typessl: ${algorithm} needs a ${expected}-byte key, got ${key.length}`);
    }
    // Checked before the key reaches the scratch, which would otherwise keep it: this class holds
    // only four of a 32-byte key's eight words.
    if (expected !== 16 && new.target === NodeAead) throw new Error('typessl: internal error: a 32-byte key needs NodeAead32');
    // A copy: the key schedule zeroes its secrets when a stage is consumed. The scratch is zeroed
    // once the key is in the fields (for a 32-byte key by NodeAead32, after it took the rest).
    const scratch = expected === 16 ? KEY_SCRATCH_16 : KEY_SCRATCH_32;
    scratch.bytes.set(key);
    const w = scratch.words;
    this.k0 = w[0]!;
    this.k1 = w[1]!;
    this.k2 = w[2]!;
    this.k3 = w[3]!;
    if (expected === 16) w.fill(0);
  }

  /**
   * The key in the scratch buffer of its length, for one cipher (the caller zeroes it once the
   * cipher has it); null once the key is a KeyObject (made here at its KEY_OBJECT_AFTER-th use).
   */
  private scratchKey(): KeyScratch | null {
    if (this.keyObject !== null) return null;
    if (++this.uses < KEY_OBJECT_AFTER) return this.keyBytes();
    const scratch = this.keyBytes();
    try {
      this.keyObject = createSecretKey(scratch.bytes);
    } finally {
      scratch.words.fill(0);
    }
    this.clearKey();
    return null;
  }

  /** The key in the scratch buffer of its length; callers zero it once the cipher has it. */
  protected keyBytes(): KeyScratch {
    this.lowWords(KEY_SCRATCH_16.words);
    return KEY_SCRATCH_16;
  }

  /** Zeroes the key's integers (it is a KeyObject now). */
  protected clearKey(): void {
    this.k0 = this.k1 = this.k2 = this.k3 = 0;
  }

  /** The first four words of the key (for NodeAead32's scratch). */
  protected lowWords(w: Int32Array): void {
    w[0] = this.k0;
    w[1] = this.k1;
    w[2] = this.k2;
    w[3] = this.k3;
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, prefix?: Uint8Array): Uint8Array {
    const cipher = this.cipher(nonce, aad);
    const start = prefix === undefined ? 0 : prefix.length;
    const out = Buffer.allocUnsafe(start + plaintext.length + TAG_LENGTH);
    if (prefix !== undefined) out.set(prefix, 0);
    // One output buffer: node:crypto cannot encrypt into it, so the ciphertext is copied in once.
    const body = cipher.update(plaintext);
    out.set(body, start);
    // GCM and ChaCha20-Poly1305 are stream modes: final() emits nothing (checked, so the output can
    // never be silently short).
    if (cipher.final().length !== 0) throw new Error('typessl: AEAD final() returned data');
    out.set(cipher.getAuthTag(), start + body.length);
    return out;
  }

  sealParts(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, trailer: Uint8Array): [Uint8Array, Uint8Array] {
    const cipher = this.cipher(nonce, aad);
    const body = cipher.update(plaintext);
    const end = trailer.length === 0 ? EMPTY : cipher.update(trailer);
    if (cipher.final().length !== 0) throw new Error('typessl: AEAD final() returned data');
    const tag = cipher.getAuthTag();
    if (end.length === 0) return [body, tag];
    const tail = Buffer.allocUnsafe(end.length + TAG_LENGTH);
    tail.set(end, 0);
    tail.set(tag, end.length);
    return [body, tail];
  }

  /** A fresh cipher for one record (node:crypto has no reusable keyed context). */
  private cipher(nonce: Uint8Array, aad: Uint8Array): CipherGCM {
    // GCM would silently accept any IV length, which would break interop rather than fail.
    if (nonce.length !== NONCE_LENGTH) throw new RangeError(`typessl: AEAD nonce must be ${NONCE_LENGTH} bytes`);
    const cipher = this.keyed(createAeadCipher, nonce);
    cipher.setAAD(aad);
    return cipher;
  }

  /** A fresh cipher (`create` createAeadCipher) or decipher (createAeadDecipher) under the key. */
  private keyed<T>(create: (algorithm: AeadAlgorithm, key: KeyObject | Uint8Array, iv: Uint8Array, options: typeof CIPHER_OPTIONS) => T, nonce: Uint8Array): T {
    const scratch = this.scratchKey();
    if (scratch === null) return create(this.algorithm, this.keyObject!, nonce, CIPHER_OPTIONS);
    try {
      return create(this.algorithm, scratch.bytes, nonce, CIPHER_OPTIONS);
    } finally {
      scratch.words.fill(0);
    }
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    if (nonce.length !== NONCE_LENGTH) throw new RangeError(`typessl: AEAD nonce must be ${NONCE_LENGTH} bytes`);
    const ctLength = ciphertextAndTag.length - TAG_LENGTH;
    if (ctLength < 0) return null;
    const decipher = this.keyed(createAeadDecipher, nonce);
    decipher.setAuthTag(ciphertextAndTag.subarray(ctLength));
    decipher.setAAD(aad);
    const plaintext = decipher.update(ciphertextAndTag.subarray(0, ctLength));
    try {
      decipher.final();
    } catch {
      // Tag mismatch. Wipe the unauthenticated plaintext so it cannot leak by accident.
      plaintext.fill(0);
      return null;
    }
    return plaintext;
  }
}

/** NodeAead with a 32-byte key (AES-256-GCM, ChaCha20-Poly1305): four more integers. */
class NodeAead32 extends NodeAead {
  private k4: number;
  private k5: number;
  private k6: number;
  private k7: number;

  constructor(algorithm: AeadAlgorithm, key: Uint8Array) {
    super(algorithm, key);
    // The base took words 0-3 from the scratch and left it filled for these.
    const w = KEY_SCRATCH_32.words;
    this.k4 = w[4]!;
    this.k5 = w[5]!;
    this.k6 = w[6]!;
    this.k7 = w[7]!;
    w.fill(0);
  }

  protected override keyBytes(): KeyScratch {
    const w = KEY_SCRATCH_32.words;
    this.lowWords(w);
    w[4] = this.k4;
    w[5] = this.k5;
    w[6] = this.k6;
    w[7] = this.k7;
    return KEY_SCRATCH_32;
  }

  protected override clearKey(): void {
    super.clearKey();
    this.k4 = this.k5 = this.k6 = this.k7 = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Key exchange

function badKeyShare(detail: string): TlsFailure {
  return new TlsFailure(AlertDescription.illegal_parameter, Reason.SSL_R_BAD_KEY_SHARE, detail);
}

function isAllZero(bytes: Uint8Array): boolean {
  // OR-accumulate rather than return early: the time taken does not depend on the secret.
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

const X25519_KEY_LENGTH = 32;
/** PKCS#8 PrivateKeyInfo header for a raw X25519 scalar (RFC 8410), the 32 key bytes follow. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
/** SubjectPublicKeyInfo header for an X25519 public key (RFC 8410), the 32 key bytes follow. */
const X25519_SPKI_PREFIX_LENGTH = 12;

/**
 * `generateKeyPairSync` with a JWK public key encoding. @types/node only types PEM/DER
 * encodings for X25519, but Node accepts `{ format: 'jwk' }` and returns the private half as a
 * KeyObject when no private encoding is given.
 */
const generateX25519Jwk = generateKeyPairSync as unknown as (
  type: 'x25519',
  options: { readonly publicKeyEncoding: { readonly format: 'jwk' } },
) => { publicKey: JsonWebKey; privateKey: KeyObject };
/**
 * Node 20 can deadlock in `.export({ format: 'jwk' })` on a freshly generated X25519 key, so
 * the encoding is requested from the generator instead (PERFORMANCE-NOTES, "Node 20 deadlock").
 */
const X25519_GEN_OPTIONS = { publicKeyEncoding: { format: 'jwk' } } as const;

/** Our X25519 ephemeral: the private half stays a KeyObject, never exported. */
class X25519Share implements KeyShare {
  readonly group = NamedGroup.x25519;
  constructor(
    readonly publicKey: Uint8Array,
    private readonly privateKey: KeyObject,
  ) {}

  deriveSecret(peerPublicKey: Uint8Array): Uint8Array {
    if (peerPublicKey.length !== X25519_KEY_LENGTH) {
      throw badKeyShare(`X25519 key share must be ${X25519_KEY_LENGTH} bytes, got ${peerPublicKey.length}`);
    }
    // A view, not a copy: it only feeds the base64url encoder.
    const x = Buffer.from(peerPublicKey.buffer, peerPublicKey.byteOffset, X25519_KEY_LENGTH).toString('base64url');
    let secret: Buffer;
    try {
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
      secret = diffieHellman({ privateKey: this.privateKey, publicKey });
    } catch (e) {
      // OpenSSL itself refuses an all-zero X25519 result, which lands here.
      throw badKeyShare(`X25519 derivation failed (${(e as Error).message})`);
    }
    // RFC 8446 7.4.2: a low-order peer point gives an all-zero secret; refuse it ourselves too
    // rather than rely on the OpenSSL build doing so.
    if (isAllZero(secret)) throw badKeyShare('X25519 shared secret is all zero');
    return secret;
  }
}

interface NistCurve {
  readonly name: string;
  /** Length of the uncompressed point 0x04 || X || Y. */
  readonly pointLength: number;
  readonly scalarLength: number;
}
const NIST_CURVES: ReadonlyMap<number, NistCurve> = new Map([
  [NamedGroup.secp256r1, { name: 'prime256v1', pointLength: 65, scalarLength: 32 }],
  [NamedGroup.secp384r1, { name: 'secp384r1', pointLength: 97, scalarLength: 48 }],
]);

/** A NIST-curve ephemeral on node's ECDH object, the fastest ECDHE path node:crypto has. */
class EcdhShare implements KeyShare {
  constructor(
    readonly group: number,
    private readonly curve: NistCurve,
    private readonly ecdh: ECDH,
    readonly publicKey: Uint8Array,
  ) {}

  deriveSecret(peerPublicKey: Uint8Array): Uint8Array {
    // RFC 8446 4.2.8.2: only the uncompressed form is legal in TLS 1.3 (and what 1.2 negotiates).
    if (peerPublicKey.length !== this.curve.pointLength || peerPublicKey[0] !== 0x04) {
      throw badKeyShare(`${this.curve.name} key share must be an uncompressed ${this.curve.pointLength}-byte point`);
    }
    try {
      // OpenSSL decodes the point with range and on-curve checks and throws for an invalid one.
      return this.ecdh.computeSecret(peerPublicKey);
    } catch (e) {
      throw badKeyShare(`${this.curve.name} peer point is invalid (${(e as Error).message})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Signing keys

const CURVE_NAMES: ReadonlyMap<string, string> = new Map([
  ['prime256v1', 'P-256'],
  ['secp384r1', 'P-384'],
  ['secp521r1', 'P-521'],
]);
const SUPPORTED_KEY_TYPES: ReadonlySet<string> = new Set<KeyType>(['rsa', 'rsa-pss', 'ec', 'ed25519']);

interface KeyDescription {
  type: KeyType;
  curve?: string;
  bits?: number;
  pssHash?: HashAlgorithm;
}

/** Reads a KeyObject's kind; throws a plain Error naming what is unsupported. */
function describeKey(key: KeyObject): KeyDescription {
  const kind = key.asymmetricKeyType;
  if (kind === undefined || !SUPPORTED_KEY_TYPES.has(kind)) {
    throw new Error(`typessl: unsupported key type ${kind ?? 'unknown'} (supported: RSA, RSASSA-PSS, EC P-256/P-384/P-521, Ed25519)`);
  }
  const type = kind as KeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const out: KeyDescription = { type };
  if (type === 'ec') {
    const curve = details.namedCurve === undefined ? undefined : CURVE_NAMES.get(details.namedCurve);
    if (curve === undefined) {
      throw new Error(`typessl: unsupported EC curve ${details.namedCurve ?? 'unknown'} (supported: P-256, P-384, P-521)`);
    }
    out.curve = curve;
  } else if (type === 'rsa' || type === 'rsa-pss') {
    if (details.modulusLength !== undefined) out.bits = details.modulusLength;
    // An RSASSA-PSS key whose parameters pin a digest can sign with that digest only.
    const pinned = details.hashAlgorithm;
    if (type === 'rsa-pss' && pinned !== undefined) {
      if (pinned !== 'sha256' && pinned !== 'sha384' && pinned !== 'sha512') {
        throw new Error(`typessl: RSASSA-PSS key restricted to unsupported digest ${pinned}`);
      }
      out.pssHash = pinned;
    }
  }
  return out;
}

/** Fields shared by our private and public key wrappers. */
abstract class NodeKey {
  readonly type: KeyType;
  readonly curve?: string;
  readonly bits?: number;
  /** For RSASSA-PSS keys whose parameters pin a digest: that digest (read by `schemeMatchesKey`). */
  readonly pssHash?: HashAlgorithm;

  constructor(
    /** The node:crypto key, for code that needs to hand it to node APIs directly. */
    readonly keyObject: KeyObject,
  ) {
    const d = describeKey(keyObject);
    this.type = d.type;
    if (d.curve !== undefined) this.curve = d.curve;
    if (d.bits !== undefined) this.bits = d.bits;
    if (d.pssHash !== undefined) this.pssHash = d.pssHash;
  }
}

/** A private key imported or generated by the node provider; holds the node KeyObject. */
export class NodePrivateKey extends NodeKey implements PrivateKey {
  constructor(keyObject: KeyObject) {
    if (keyObject.type !== 'private') throw new TypeError('typessl: NodePrivateKey needs a private KeyObject');
    super(keyObject);
  }
}

/** A public key imported by the node provider; holds the node KeyObject. */
export class NodePublicKey extends NodeKey implements PublicKey {
  constructor(keyObject: KeyObject) {
    if (keyObject.type !== 'public') throw new TypeError('typessl: NodePublicKey needs a public KeyObject');
    super(keyObject);
  }
}

function asNodePrivateKey(key: PrivateKey): NodePrivateKey {
  if (!(key instanceof NodePrivateKey)) {
    throw new TypeError('typessl: this private key was not made by the node crypto provider');
  }
  return key;
}

const PEM_MARKER = '-----BEGIN';

function looksLikePem(bytes: Uint8Array): boolean {
  // PEM files may start with explanatory text (OpenSSL writes "Bag Attributes" etc.), so look
  // for the marker near the start rather than at byte 0.
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 4096)).includes(PEM_MARKER);
}

/** Options for node's sign/verify for one scheme; the key fields are filled in by the caller. */
function signatureOptions(info: SchemeInfo): { padding?: number; saltLength?: number; dsaEncoding?: 'der' } {
  if (info.keyType === 'ec') return { dsaEncoding: 'der' };
  if (info.padding === 'pss' && info.hash !== null) {
    // RFC 8446 4.2.3: salt length equals the digest length; OpenSSL's MGF1 digest defaults to
    // the signature digest, which is what TLS requires.
    return { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[info.hash] };
  }
  if (info.padding === 'pkcs1') return { padding: constants.RSA_PKCS1_PADDING };
  return {};
}

// ---------------------------------------------------------------------------------------------
// The provider

/** The CryptoProvider on `node:crypto` (OpenSSL underneath). Stateless; share one instance. */
export class NodeCryptoProvider implements CryptoProvider {
  readonly name = 'node';

  randomBytes(n: number): Uint8Array {
    return pooledRandomBytes(n);
  }

  hashLength(hash: HashAlgorithm): number {
    return hashLengthOf(hash);
  }

  createHash(hash: HashAlgorithm): Hash {
    return new NodeHash(createHash(hash));
  }

  digest(hash: HashAlgorithm, data: Uint8Array): Uint8Array {
    if (oneShotHash !== undefined) return oneShotHash(hash, data, 'buffer');
    return createHash(hash).update(data).digest();
  }

  hmac(hash: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    // SHA-256 in JavaScript: see hmac-sha256.ts for why and what it saves.
    if (hash === 'sha256') return new HmacSha256Key(key).mac(data);
    return createHmac(hash, key).update(data).digest();
  }

  hkdfExtract(hash: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
    // RFC 5869 2.2: an absent salt is HashLen zeros. HMAC pads keys with zeros to the block
    // size anyway, so an empty salt gives the identical result without allocating the zeros.
    return this.hmac(hash, salt, ikm);
  }

  hmacKey(hash: HashAlgorithm, key: Uint8Array): HmacKey {
    return hash === 'sha256' ? new HmacSha256Key(key) : new UnpreparedHmacKey(this, hash, key);
  }

  hkdfExpand(hash: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    const hashLen = hashLengthOf(hash);
    if (!Number.isInteger(length) || length < 0 || length > 255 * hashLen) {
      throw new RangeError(`typessl: HKDF-Expand length ${length} out of range 0..${255 * hashLen}`);
    }
    if (length === 0) return new Uint8Array(0);
    if (hash === 'sha256') return new HmacSha256Key(prk).expand(info, length);
    // Every TLS 1.3 key-schedule call fits one block: T(1) = HMAC(PRK, info || 0x01).
    if (length <= hashLen) {
      const t = createHmac(hash, prk).update(info).update(HKDF_COUNTERS[1]!).digest();
      return length === hashLen ? t : t.subarray(0, length);
    }
    // T(i) = HMAC(PRK, T(i-1) || info || i), written straight into one output buffer.
    const out = Buffer.allocUnsafe(length);
    let previous: Buffer | undefined;
    let offset = 0;
    for (let i = 1; offset < length; i++) {
      const mac = createHmac(hash, prk);
      if (previous !== undefined) mac.update(previous);
      previous = mac.update(info).update(HKDF_COUNTERS[i]!).digest();
      const n = Math.min(hashLen, length - offset);
      previous.copy(out, offset, 0, n);
      offset += n;
    }
    return out;
  }

  createAead(algorithm: AeadAlgorithm, key: Uint8Array): Aead {
    return AEAD_KEY_LENGTH[algorithm] === 32 ? new NodeAead32(algorithm, key) : new NodeAead(algorithm, key);
  }

  supportsGroup(group: number): boolean {
    return group === NamedGroup.x25519 || NIST_CURVES.has(group);
  }

  generateKeyShare(group: number): KeyShare {
    if (group === NamedGroup.x25519) {
      const pair = generateX25519Jwk('x25519', X25519_GEN_OPTIONS);
      return new X25519Share(Buffer.from(pair.publicKey.x as string, 'base64url'), pair.privateKey);
    }
    const curve = NIST_CURVES.get(group);
    if (curve === undefined) throw new RangeError(`typessl: unsupported named group 0x${group.toString(16)}`);
    const ecdh = createECDH(curve.name);
    // generateKeys returns the uncompressed point, the TLS encoding.
    return new EcdhShare(group, curve, ecdh, ecdh.generateKeys());
  }

  keyShareFromPrivate(group: number, privateKey: Uint8Array): KeyShare {
    if (group === NamedGroup.x25519) {
      if (privateKey.length !== X25519_KEY_LENGTH) throw new RangeError('typessl: X25519 private key must be 32 bytes');
      const key = createPrivateKey({
        key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]),
        format: 'der',
        type: 'pkcs8',
      });
      // SPKI DER rather than JWK export: this path is for trace reproduction, not speed, and
      // it stays clear of the JWK export deadlock.
      const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
      return new X25519Share(spki.subarray(X25519_SPKI_PREFIX_LENGTH), key);
    }
    const curve = NIST_CURVES.get(group);
    if (curve === undefined) throw new RangeError(`typessl: unsupported named group 0x${group.toString(16)}`);
    if (privateKey.length !== curve.scalarLength) {
      throw new RangeError(`typessl: ${curve.name} private key must be ${curve.scalarLength} bytes`);
    }
    const ecdh = createECDH(curve.name);
    ecdh.setPrivateKey(privateKey);
    return new EcdhShare(group, curve, ecdh, ecdh.getPublicKey());
  }

  importPrivateKey(key: string | Uint8Array): PrivateKey {
    let keyObject: KeyObject;
    try {
      if (typeof key === 'string') {
        keyObject = createPrivateKey(key);
      } else if (looksLikePem(key)) {
        keyObject = createPrivateKey(Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1'));
      } else {
        keyObject = importPrivateDer(Buffer.from(key.buffer, key.byteOffset, key.length));
      }
    } catch (e) {
      throw new Error(`typessl: cannot read private key: ${(e as Error).message}`, { cause: e });
    }
    return new NodePrivateKey(keyObject);
  }

  importPublicKey(spki: Uint8Array): PublicKey {
    // Certificates come from the peer, so failures are TlsFailures the engine can turn into
    // alerts (TlsFailure is an Error, as the interface promises).
    let keyObject: KeyObject;
    try {
      keyObject = createPublicKey({ key: Buffer.from(spki.buffer, spki.byteOffset, spki.length), format: 'der', type: 'spki' });
    } catch (e) {
      throw new TlsFailure(
        AlertDescription.bad_certificate,
        Reason.SSL_R_BAD_CERTIFICATE,
        `cannot read SubjectPublicKeyInfo: ${(e as Error).message}`,
      );
    }
    try {
      return new NodePublicKey(keyObject);
    } catch (e) {
      throw new TlsFailure(AlertDescription.unsupported_certificate, 'SSL_R_UNKNOWN_CERTIFICATE_TYPE', (e as Error).message);
    }
  }

  publicKeyOf(key: PrivateKey): Uint8Array {
    return createPublicKey(asNodePrivateKey(key).keyObject).export({ format: 'der', type: 'spki' });
  }

  generatePrivateKey(kind: SigningKeyKind): PrivateKey {
    switch (kind) {
      case 'ec-p256':
        return new NodePrivateKey(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
      case 'ec-p384':
        return new NodePrivateKey(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey);
      case 'rsa-2048':
        return new NodePrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
      case 'ed25519':
        return new NodePrivateKey(generateKeyPairSync('ed25519').privateKey);
      default:
        throw new RangeError(`typessl: unknown signing key kind ${String(kind)}`);
    }
  }

  exportPrivateKey(key: PrivateKey): Uint8Array {
    return asNodePrivateKey(key).keyObject.export({ format: 'der', type: 'pkcs8' });
  }

  sign(scheme: number, key: PrivateKey, message: Uint8Array, tls12 = false): Uint8Array {
    const k = asNodePrivateKey(key);
    const info = schemeInfo(scheme);
    if (info === undefined || !schemeMatchesKey(scheme, k, tls12)) {
      throw new TlsFailure(
        AlertDescription.handshake_failure,
        Reason.SSL_R_WRONG_SIGNATURE_TYPE,
        `signature scheme 0x${scheme.toString(16).padStart(4, '0')} cannot be used with this ${describeForMessage(k)} key`,
      );
    }
    const input: SignKeyObjectInput = { key: k.keyObject, ...signatureOptions(info) };
    try {
      return nodeSign(info.hash, message, input);
    } catch (e) {
      // Only key parameters we could not see (e.g. an RSASSA-PSS minimum salt length) get here.
      throw new TlsFailure(
        AlertDescription.handshake_failure,
        Reason.SSL_R_WRONG_SIGNATURE_TYPE,
        `signing with scheme 0x${scheme.toString(16).padStart(4, '0')} failed: ${(e as Error).message}`,
      );
    }
  }

  verify(scheme: number, key: PublicKey, message: Uint8Array, signature: Uint8Array, tls12 = false): boolean {
    // Verifying works with either half of a key pair; anything else is not ours to judge.
    if (!(key instanceof NodeKey)) return false;
    const info = schemeInfo(scheme);
    if (info === undefined || !schemeMatchesKey(scheme, key, tls12)) return false;
    const input: VerifyKeyObjectInput = { key: key.keyObject, ...signatureOptions(info) };
    try {
      return nodeVerify(info.hash, message, input, signature);
    } catch {
      // Malformed signatures (bad DER, wrong length) throw inside OpenSSL: that is a "no".
      return false;
    }
  }

  verifyCertificateSignature(algorithm: CertificateSignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
    if (!(key instanceof NodeKey)) return false;
    const input: VerifyKeyObjectInput = { key: key.keyObject };
    let digest: string | null;
    switch (algorithm.kind) {
      case 'rsa-pkcs1':
        if (key.type !== 'rsa') return false;
        input.padding = constants.RSA_PKCS1_PADDING;
        digest = algorithm.hash;
        break;
      case 'rsa-pss':
        // An rsaEncryption key may sign PSS (RFC 4055 1.2); an RSASSA-PSS key only PSS.
        if (key.type !== 'rsa' && key.type !== 'rsa-pss') return false;
        input.padding = constants.RSA_PKCS1_PSS_PADDING;
        input.saltLength = algorithm.saltLength;
        digest = algorithm.hash;
        break;
      case 'ecdsa':
        if (key.type !== 'ec') return false;
        input.dsaEncoding = 'der';
        digest = algorithm.hash;
        break;
      case 'ed25519':
        if (key.type !== 'ed25519') return false;
        digest = null;
        break;
      default:
        return false;
    }
    try {
      return nodeVerify(digest, message, input, signature);
    } catch {
      // Malformed signatures and key/parameter mismatches throw inside OpenSSL: that is a "no".
      return false;
    }
  }
}

function describeForMessage(key: PrivateKey): string {
  if (key.curve !== undefined) return `${key.type} ${key.curve}`;
  if (key.bits !== undefined) return `${key.type}-${key.bits}`;
  return key.type;
}

/** PKCS#8 first (what the interface promises), then the traditional SEC1 and PKCS#1 forms. */
function importPrivateDer(der: Buffer): KeyObject {
  let firstError: unknown;
  for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch (e) {
      firstError ??= e;
    }
  }
  throw firstError;
}

/** The shared node:crypto provider instance. */
export const nodeCrypto: CryptoProvider = new NodeCryptoProvider();
