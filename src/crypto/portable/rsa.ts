/**
 * RSA signatures (RFC 8017) on JavaScript BigInt, for the portable provider: RSASSA-PKCS1-v1_5
 * and RSASSA-PSS, verify and sign, and key generation.
 *
 * Why our own: no @noble/* library implements RSA, and TLS cannot do without it (most server
 * certificates are RSA). Verification uses only public data, so BigInt is a fine tool for it.
 *
 * Signing is NOT constant-time. BigInt multiplication and `%` take time that depends on their
 * operands, and nothing in JavaScript lets us avoid that. What this file does against the known
 * attacks: the message representative is blinded with a fresh random r^e before exponentiation
 * (so timing does not correlate with the chosen input), the exponentiation does a multiply for
 * every exponent bit (no bit-dependent branch), and every signature is verified with the public
 * key before it leaves (a CRT fault cannot leak a factor). It remains weaker than OpenSSL's
 * constant-time code: prefer the node provider for RSA server keys where it is available.
 */
import { equalBytes } from '../equal-bytes.js';
import type { HashAlgorithm } from '../provider.js';

/** A hash as this file needs it: one-shot digest plus its output length. */
export interface RsaHash {
  readonly name: HashAlgorithm;
  readonly outputLength: number;
  digest(data: Uint8Array): Uint8Array;
}

/** The public half: modulus and public exponent. */
export interface RsaPublicComponents {
  readonly n: bigint;
  readonly e: bigint;
}

/** The private half with CRT parameters (RFC 8017 3.2, second representation). */
export interface RsaPrivateComponents extends RsaPublicComponents {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qInv: bigint;
}

// ---------------------------------------------------------------------------------------------
// Integer helpers

/** Number of bits of a positive integer. */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** OS2IP (RFC 8017 4.2): big-endian bytes to an integer. */
export function os2ip(bytes: Uint8Array): bigint {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += bytes[i]!.toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt('0x' + hex);
}

/** I2OSP (RFC 8017 4.1): an integer to exactly `length` big-endian bytes. */
export function i2osp(x: bigint, length: number): Uint8Array {
  if (x < 0n) throw new RangeError('i2osp: negative integer');
  const hex = x.toString(16);
  if (hex.length > 2 * length) throw new RangeError('i2osp: integer too large');
  const padded = hex.padStart(2 * length, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(padded.substr(2 * i, 2), 16);
  return out;
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/**
 * base^exp mod m by left-to-right binary exponentiation that multiplies at every bit and keeps
 * or discards the product by a table index, so the sequence of operations does not branch on
 * the exponent (BigInt operation timing itself still varies; see the file comment).
 */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  const b = mod(base, m);
  let r = 1n;
  const bits = exp.toString(2);
  const pair: [bigint, bigint] = [0n, 0n];
  for (let i = 0; i < bits.length; i++) {
    r = (r * r) % m;
    pair[0] = r;
    pair[1] = (r * b) % m;
    r = pair[bits.charCodeAt(i) - 48]!;
  }
  return r;
}

/** Multiplicative inverse of a modulo m (extended Euclid); throws when none exists. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('modInverse: not invertible');
  return mod(oldS, m);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Byte length of the modulus (k in RFC 8017). */
export function modulusLength(key: RsaPublicComponents): number {
  return Math.ceil(bitLength(key.n) / 8);
}

// ---------------------------------------------------------------------------------------------
// RSA primitives

/** RSAVP1 (RFC 8017 5.2.2): s^e mod n, refusing representatives out of range. */
function rsavp1(key: RsaPublicComponents, s: bigint): bigint | null {
  if (s <= 0n || s >= key.n) return null;
  return modPow(s, key.e, key.n);
}

/** RSASP1 (RFC 8017 5.2.1) with CRT, message blinding and a verify-after-sign fault check. */
function rsasp1(key: RsaPrivateComponents, m: bigint, random: (n: number) => Uint8Array): bigint {
  if (m < 0n || m >= key.n) throw new RangeError('RSA: message representative out of range');
  const k = modulusLength(key);
  // Blinding: sign m * r^e instead of m, then multiply by r^-1. r must be a unit mod n.
  let r: bigint;
  do {
    r = mod(os2ip(random(k)), key.n);
  } while (r < 2n || gcd(r, key.n) !== 1n);
  const blinded = (m * modPow(r, key.e, key.n)) % key.n;
  const s1 = modPow(blinded, key.dp, key.p);
  const s2 = modPow(blinded, key.dq, key.q);
  const h = (key.qInv * mod(s1 - s2, key.p)) % key.p;
  const sBlinded = s2 + key.q * h;
  const s = (sBlinded * modInverse(r, key.n)) % key.n;
  // A fault in one CRT half would give a signature that reveals a factor of n (Boneh-DeMillo-
  // Lipton); never let such a value out.
  if (modPow(s, key.e, key.n) !== m) throw new Error('RSA: signature self-check failed (inconsistent key or fault)');
  return s;
}

// ---------------------------------------------------------------------------------------------
// Encodings

/** MGF1 (RFC 8017 B.2.1). */
function mgf1(hash: RsaHash, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const input = new Uint8Array(seed.length + 4);
  input.set(seed, 0);
  for (let counter = 0, offset = 0; offset < length; counter++) {
    input[seed.length] = counter >>> 24;
    input[seed.length + 1] = (counter >>> 16) & 0xff;
    input[seed.length + 2] = (counter >>> 8) & 0xff;
    input[seed.length + 3] = counter & 0xff;
    const block = hash.digest(input);
    const n = Math.min(block.length, length - offset);
    out.set(block.subarray(0, n), offset);
    offset += n;
  }
  return out;
}

/** M' = 0x00 * 8 || mHash || salt, hashed (RFC 8017 9.1.1 steps 5-6). */
function pssH(hash: RsaHash, mHash: Uint8Array, salt: Uint8Array): Uint8Array {
  const mPrime = new Uint8Array(8 + mHash.length + salt.length);
  mPrime.set(mHash, 8);
  mPrime.set(salt, 8 + mHash.length);
  return hash.digest(mPrime);
}

/** EMSA-PSS-ENCODE (RFC 8017 9.1.1). */
function emsaPssEncode(hash: RsaHash, mHash: Uint8Array, emBits: number, salt: Uint8Array): Uint8Array {
  const hLen = hash.outputLength;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + salt.length + 2) throw new RangeError('RSA-PSS: key too short for this hash and salt length');
  const h = pssH(hash, mHash, salt);
  const db = new Uint8Array(emLen - hLen - 1);
  db[emLen - salt.length - hLen - 2] = 0x01;
  db.set(salt, emLen - salt.length - hLen - 1);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >>> (8 * emLen - emBits);
  const em = new Uint8Array(emLen);
  em.set(db, 0);
  em.set(h, db.length);
  em[emLen - 1] = 0xbc;
  return em;
}

/** EMSA-PSS-VERIFY (RFC 8017 9.1.2) with a fixed salt length. */
function emsaPssVerify(hash: RsaHash, mHash: Uint8Array, em: Uint8Array, emBits: number, sLen: number): boolean {
  const hLen = hash.outputLength;
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < hLen + sLen + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const db = em.slice(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >>> (8 * emLen - emBits);
  if ((db[0]! & ~topMask & 0xff) !== 0) return false;
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= topMask;
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  return equalBytes(pssH(hash, mHash, salt), h);
}

/** DigestInfo DER prefixes (RFC 8017 9.2, note 1): fixed bytes, followed by the digest. */
const DIGEST_INFO_PREFIX: Readonly<Record<HashAlgorithm, Uint8Array>> = {
  sha256: fromHex('3031300d060960864801650304020105000420'),
  sha384: fromHex('3041300d060960864801650304020205000430'),
  sha512: fromHex('3051300d060960864801650304020305000440'),
};

/** EMSA-PKCS1-v1_5-ENCODE (RFC 8017 9.2). */
function emsaPkcs1Encode(hash: RsaHash, message: Uint8Array, emLen: number): Uint8Array {
  const prefix = DIGEST_INFO_PREFIX[hash.name];
  const tLen = prefix.length + hash.outputLength;
  if (emLen < tLen + 11) throw new RangeError('RSA PKCS#1 v1.5: key too short for this hash');
  const em = new Uint8Array(emLen).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[emLen - tLen - 1] = 0x00;
  em.set(prefix, emLen - tLen);
  em.set(hash.digest(message), emLen - hash.outputLength);
  return em;
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16));
}

// ---------------------------------------------------------------------------------------------
// Signature schemes

/** RSASSA-PSS-SIGN with salt length = hash length and MGF1 with the same hash (what TLS uses). */
export function signPss(key: RsaPrivateComponents, hash: RsaHash, message: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
  const modBits = bitLength(key.n);
  const em = emsaPssEncode(hash, hash.digest(message), modBits - 1, random(hash.outputLength));
  return i2osp(rsasp1(key, os2ip(em), random), modulusLength(key));
}

/** RSASSA-PSS-VERIFY with salt length = hash length; false for anything malformed. */
export function verifyPss(key: RsaPublicComponents, hash: RsaHash, message: Uint8Array, signature: Uint8Array): boolean {
  const k = modulusLength(key);
  if (signature.length !== k) return false;
  const m = rsavp1(key, os2ip(signature));
  if (m === null) return false;
  const modBits = bitLength(key.n);
  const emLen = Math.ceil((modBits - 1) / 8);
  if (m >= 1n << BigInt(8 * emLen)) return false;
  return emsaPssVerify(hash, hash.digest(message), i2osp(m, emLen), modBits - 1, hash.outputLength);
}

/** RSASSA-PKCS1-V1_5-SIGN. Deterministic, but still blinded inside RSASP1. */
export function signPkcs1(key: RsaPrivateComponents, hash: RsaHash, message: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
  const k = modulusLength(key);
  return i2osp(rsasp1(key, os2ip(emsaPkcs1Encode(hash, message, k)), random), k);
}

/**
 * RSASSA-PKCS1-V1_5-VERIFY by re-encoding and comparing the whole block (RFC 8017 8.2.2 step 3),
 * never by parsing the DigestInfo, which is where signature forgeries have come from.
 */
export function verifyPkcs1(key: RsaPublicComponents, hash: RsaHash, message: Uint8Array, signature: Uint8Array): boolean {
  const k = modulusLength(key);
  if (signature.length !== k) return false;
  const m = rsavp1(key, os2ip(signature));
  if (m === null) return false;
  let expected: Uint8Array;
  try {
    expected = emsaPkcs1Encode(hash, message, k);
  } catch {
    return false;
  }
  return equalBytes(i2osp(m, k), expected);
}

// ---------------------------------------------------------------------------------------------
// Key generation

const SMALL_PRIMES: readonly bigint[] = (() => {
  const out: bigint[] = [];
  for (let n = 3; out.length < 300; n += 2) {
    let prime = true;
    for (const p of out) {
      if (p * p > BigInt(n)) break;
      if (BigInt(n) % p === 0n) {
        prime = false;
        break;
      }
    }
    if (prime) out.push(BigInt(n));
  }
  return out;
})();

/** Trial division by small primes, then Miller-Rabin with `rounds` random bases. */
function isProbablePrime(n: bigint, rounds: number, random: (n: number) => Uint8Array): boolean {
  for (const p of SMALL_PRIMES) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  const byteLength = Math.ceil(bitLength(n) / 8);
  for (let i = 0; i < rounds; i++) {
    const a = 2n + (os2ip(random(byteLength)) % (n - 3n));
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let composite = true;
    for (let r = 1; r < s; r++) {
      x = (x * x) % n;
      if (x === n - 1n) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

/** A random prime of exactly `bits` bits with the top two bits set (so p*q has 2*bits bits). */
function randomPrime(bits: number, e: bigint, random: (n: number) => Uint8Array): bigint {
  const bytes = Math.ceil(bits / 8);
  const excess = BigInt(8 * bytes - bits);
  for (;;) {
    let candidate = os2ip(random(bytes)) >> excess;
    candidate |= (3n << BigInt(bits - 2)) | 1n;
    if (gcd(candidate - 1n, e) !== 1n) continue;
    // 8 rounds: more than FIPS 186-4 Table C.3 asks for 1024-bit primes (5 for 2^-100).
    if (isProbablePrime(candidate, 8, random)) return candidate;
  }
}

/** A new RSA key of `bits` bits with e = 65537. Takes around a second for 2048 bits. */
export function generateRsaKey(bits: number, random: (n: number) => Uint8Array): RsaPrivateComponents {
  const e = 65537n;
  for (;;) {
    const p = randomPrime(bits >> 1, e, random);
    const q = randomPrime(bits - (bits >> 1), e, random);
    if (p === q) continue;
    const n = p * q;
    if (bitLength(n) !== bits) continue;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    const d = modInverse(e, lambda);
    const [big, small] = p > q ? [p, q] : [q, p];
    return rsaPrivateFromParts(n, e, d, big, small);
  }
}

/** Completes the CRT parameters from n, e, d, p, q. */
export function rsaPrivateFromParts(n: bigint, e: bigint, d: bigint, p: bigint, q: bigint): RsaPrivateComponents {
  return { n, e, d, p, q, dp: d % (p - 1n), dq: d % (q - 1n), qInv: modInverse(q, p) };
}
