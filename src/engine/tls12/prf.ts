/**
 * The TLS 1.2 pseudo-random function and what is derived with it (RFC 5246 5, 6.3, 7.4.9, 8.1;
 * RFC 7627 4; RFC 5705 4). Pure functions over the crypto provider's HMAC, so they can be tested
 * against other implementations byte for byte.
 */
import type { CryptoProvider, HashAlgorithm } from '../../crypto/provider.js';
import { preparedHmacKey } from '../../crypto/hmac-key.js';
import { concatBytes as concat } from '../bytes.js';

const encoder = new TextEncoder();
/** Label bytes per label: a handshake derives with the same few labels every time. */
const LABELS = new Map<string, Uint8Array>();

function labelBytes(label: string): Uint8Array {
  let bytes = LABELS.get(label);
  if (!bytes) {
    bytes = encoder.encode(label);
    // Exporter labels come from callers, so the cache is bounded.
    if (LABELS.size < 64) LABELS.set(label, bytes);
  }
  return bytes;
}

/**
 * P_hash(secret, seed) of RFC 5246 5, truncated to `length` bytes:
 * A(0) = seed, A(i) = HMAC(secret, A(i-1)), output = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...
 */
export function pHash(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const hashLength = provider.hashLength(hash);
  // A(i) || seed in one buffer built once: each block only overwrites the A(i) in front, instead of
  // joining a fresh copy of the seed per block.
  const input = new Uint8Array(hashLength + seed.length);
  input.set(seed, hashLength);
  // Two HMACs per block under the one secret: prepared once.
  const key = preparedHmacKey(provider, hash, secret);
  let a = seed;
  let at = 0;
  while (at < length) {
    a = key.mac(a);
    input.set(a, 0);
    const block = key.mac(input);
    const n = Math.min(block.length, length - at);
    out.set(block.subarray(0, n), at);
    at += n;
  }
  return out;
}

/**
 * PRF(secret, label, seed) = P_<hash>(secret, label || seed) (RFC 5246 5). TLS 1.2 uses SHA-256
 * unless the suite names another hash (SHA-384 for the *_SHA384 suites).
 */
export function prf12(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  return pHash(provider, hash, secret, concat(labelBytes(label), seed), length);
}

/** The classic master secret: PRF(pre_master_secret, "master secret", client_random || server_random)[0..47] (RFC 5246 8.1). */
export function masterSecret(provider: CryptoProvider, hash: HashAlgorithm, preMasterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Uint8Array {
  return prf12(provider, hash, preMasterSecret, 'master secret', concat(clientRandom, serverRandom), 48);
}

/**
 * The extended master secret (RFC 7627 4): PRF(pre_master_secret, "extended master secret",
 * session_hash)[0..47], where session_hash is the transcript hash through ClientKeyExchange. It
 * binds the master secret to the whole handshake, which defeats the triple-handshake attacks.
 */
export function extendedMasterSecret(provider: CryptoProvider, hash: HashAlgorithm, preMasterSecret: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf12(provider, hash, preMasterSecret, 'extended master secret', sessionHash, 48);
}

/** AEAD traffic keys of both directions (no MAC keys: every supported suite is AEAD). */
export interface KeyBlock12 {
  clientWriteKey: Uint8Array;
  serverWriteKey: Uint8Array;
  /** The fixed (implicit) part of the nonce: 4 bytes for AES-GCM (RFC 5288), 12 for ChaCha20-Poly1305 (RFC 7905). */
  clientWriteIv: Uint8Array;
  serverWriteIv: Uint8Array;
}

/**
 * key_block = PRF(master_secret, "key expansion", server_random || client_random), cut into
 * client_write_key, server_write_key, client_write_IV, server_write_IV (RFC 5246 6.3).
 */
export function keyBlock(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  keyLength: number,
  ivLength: number,
): KeyBlock12 {
  const block = prf12(provider, hash, master, 'key expansion', concat(serverRandom, clientRandom), 2 * keyLength + 2 * ivLength);
  let at = 0;
  const take = (n: number): Uint8Array => block.slice(at, (at += n));
  return { clientWriteKey: take(keyLength), serverWriteKey: take(keyLength), clientWriteIv: take(ivLength), serverWriteIv: take(ivLength) };
}

/** Finished.verify_data = PRF(master_secret, "client finished" | "server finished", Hash(handshake_messages))[0..11] (RFC 5246 7.4.9). */
export function finishedVerifyData12(provider: CryptoProvider, hash: HashAlgorithm, master: Uint8Array, sender: 'client' | 'server', transcriptHash: Uint8Array): Uint8Array {
  return prf12(provider, hash, master, `${sender} finished`, transcriptHash, 12);
}

/**
 * RFC 5705 keying material exporter for TLS 1.2: PRF(master_secret, label, client_random ||
 * server_random [|| u16 context length || context]). A null context differs from an empty one.
 */
export function exportKeyingMaterial12(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  context: Uint8Array | null,
  length: number,
): Uint8Array {
  if (context !== null && context.length > 0xffff) throw new RangeError('exporter context must be shorter than 65536 bytes');
  const seed = context === null
    ? concat(clientRandom, serverRandom)
    : concat(clientRandom, serverRandom, new Uint8Array([context.length >>> 8, context.length & 0xff]), context);
  return prf12(provider, hash, master, label, seed, length);
}
