/**
 * HMAC-SHA-256 (RFC 2104, FIPS 180-4) in JavaScript, with the key's two padded blocks hashed once.
 *
 * Why, next to node:crypto: a TLS 1.3 handshake makes about 23 HMACs per side (HKDF-Extract and
 * HKDF-Expand-Label for every secret, key, IV and Finished), each over a few dozen bytes, and most
 * secrets are expanded two to four times. Through `createHmac` each costs a native object (OpenSSL
 * fetches the digest and sets up the key every time) and a weak handle the next GC has to process:
 * 5-10 us here. The HMAC of a short message under a key whose inner and outer states are already
 * known is two SHA-256 compressions, about 1 us each in JavaScript, with no native object at all.
 *
 * A key used more than once (a secret expanded into several others) is prepared once by whoever
 * holds it (CryptoProvider.hmacKey). The prepared form is never cached beside the key: a cache
 * keyed by the key array (it was a WeakMap) kept every handshake's prepared keys through the next
 * young-generation GC, which treats a WeakMap's values as live whatever their keys, and with them
 * about 12 KB per connection (test/ssl/young-closures.test.ts).
 */
import type { HmacKey } from './provider.js';

/** FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);

/** FIPS 180-4 5.3.3: the initial hash value. */
const H0 = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);

const BLOCK = 64;
/** The HMAC output (and SHA-256 digest) length in bytes. */
export const HMAC_SHA256_LENGTH = 32;

// Scratch space, shared: every function here runs to completion without calling out. (Small
// typed arrays are among V8's costlier objects; a handshake would otherwise make dozens.)
const W = new Int32Array(64);
const block = new Uint8Array(BLOCK);
const work = new Int32Array(8);
const innerDigest = new Uint8Array(HMAC_SHA256_LENGTH);
const outerDigest = new Uint8Array(HMAC_SHA256_LENGTH);
const paddedKey = new Uint8Array(BLOCK);

/** One SHA-256 compression of the 64 bytes at `bytes[offset..]` into `state` (FIPS 180-4 6.2.2). */
function compress(state: Int32Array, bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + 4 * i;
    W[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/**
 * SHA-256 of `parts` joined, continuing from the state at `start[from..from + 8]` (the state after
 * `prefixBlocks` whole blocks), written to `out`. `start` is not modified.
 */
function finish(start: Int32Array, from: number, prefixBlocks: number, parts: readonly Uint8Array[], out: Uint8Array): Uint8Array {
  for (let i = 0; i < 8; i++) work[i] = start[from + i]!;
  let filled = 0;
  let total = prefixBlocks * BLOCK;
  for (const part of parts) {
    const length = part.length;
    total += length;
    let i = 0;
    while (i < length) {
      // Whole blocks straight from the input whenever nothing is buffered; the rest byte by byte
      // into the block buffer (the pieces are short, and a subarray per piece would be an object).
      if (filled === 0 && length - i >= BLOCK) {
        compress(work, part, i);
        i += BLOCK;
        continue;
      }
      block[filled++] = part[i++]!;
      if (filled === BLOCK) {
        compress(work, block, 0);
        filled = 0;
      }
    }
  }
  // Padding: 0x80, zeros, and the message length in bits as a 64-bit big-endian number.
  block[filled++] = 0x80;
  if (filled > BLOCK - 8) {
    block.fill(0, filled);
    compress(work, block, 0);
    filled = 0;
  }
  block.fill(0, filled, BLOCK - 8);
  const bits = total * 8;
  const high = Math.floor(bits / 0x100000000);
  block[56] = high >>> 24;
  block[57] = high >>> 16;
  block[58] = high >>> 8;
  block[59] = high;
  block[60] = bits >>> 24;
  block[61] = bits >>> 16;
  block[62] = bits >>> 8;
  block[63] = bits;
  compress(work, block, 0);
  for (let i = 0; i < 8; i++) {
    const v = work[i]!;
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = v >>> 16;
    out[4 * i + 2] = v >>> 8;
    out[4 * i + 3] = v;
  }
  return out;
}

/** The SHA-256 state after the block `key XOR pad` (key zero-padded to a block), into `states[at..at + 8]`. */
function padState(key: Uint8Array, pad: number, states: Int32Array, at: number): void {
  for (let i = 0; i < BLOCK; i++) paddedKey[i] = (key[i] ?? 0) ^ pad;
  for (let i = 0; i < 8; i++) work[i] = H0[i]!;
  compress(work, paddedKey, 0);
  for (let i = 0; i < 8; i++) states[at + i] = work[i]!;
}

/**
 * A key made ready for HMAC-SHA-256 and HKDF-Expand under it: the states after its inner and outer
 * padded blocks. It is what the key is (anyone holding it can compute the MACs): whoever prepares
 * one keeps it exactly as long as the key (see HmacKey in provider.ts).
 */
export class HmacSha256Key implements HmacKey {
  /** The inner state (0..7) and the outer state (8..15): one array, not two. */
  private readonly states = new Int32Array(16);

  constructor(key: Uint8Array) {
    // RFC 2104: a key longer than the block is hashed first; a shorter one is padded with zeros.
    const k = key.length > BLOCK ? finish(H0, 0, 0, [key], new Uint8Array(HMAC_SHA256_LENGTH)) : key;
    padState(k, 0x36, this.states, 0);
    padState(k, 0x5c, this.states, 8);
  }

  /** HMAC of `data`. */
  mac(data: Uint8Array): Uint8Array {
    return this.macInto([data], new Uint8Array(HMAC_SHA256_LENGTH));
  }

  /** HMAC of the concatenation of `parts` (no joined copy is made). */
  macParts(parts: readonly Uint8Array[]): Uint8Array {
    return this.macInto(parts, new Uint8Array(HMAC_SHA256_LENGTH));
  }

  /**
   * HKDF-Expand with this key as the PRK (RFC 5869 2.3): T(i) = HMAC(PRK, T(i-1) || info || i),
   * the first `length` bytes of T(1) || T(2) || ... The caller checks `length` (1..255 * 32).
   */
  expand(info: Uint8Array, length: number): Uint8Array {
    // Every TLS 1.3 key-schedule expansion is this one block.
    if (length === HMAC_SHA256_LENGTH) return this.macParts([info, HKDF_COUNTERS[1]!]);
    const out = new Uint8Array(length);
    for (let i = 1, offset = 0; offset < length; i++, offset += HMAC_SHA256_LENGTH) {
      this.macInto(i === 1 ? [info, HKDF_COUNTERS[1]!] : [outerDigest, info, HKDF_COUNTERS[i]!], outerDigest);
      const n = Math.min(HMAC_SHA256_LENGTH, length - offset);
      for (let j = 0; j < n; j++) out[offset + j] = outerDigest[j]!;
    }
    return out;
  }

  /** `mac` written to `out` (32 bytes at least); returns `out`. */
  private macInto(parts: readonly Uint8Array[], out: Uint8Array): Uint8Array {
    finish(this.states, 0, 1, parts, innerDigest);
    return finish(this.states, 8, 1, [innerDigest], out);
  }
}

/** HKDF-Expand's block counters 0x01..0xff as one-byte arrays (index = counter), built once so Expand allocates nothing for them. */
export const HKDF_COUNTERS: readonly Uint8Array[] = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
