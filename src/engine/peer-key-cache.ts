import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { bytesKey } from '../x509/bytes-key.js';
import { parseCertificate } from '../x509/certificate.js';

/**
 * Public keys of certificates (DER), parsed and imported once per distinct certificate and
 * provider. Parsing X.509 with the ASN.1 library and importing the SubjectPublicKeyInfo cost
 * about as much as the rest of a client's TLS 1.3 handshake together, and a client sees the same
 * server certificate on every connection. The key is the exact DER, so a hit is the same input
 * and gives the same result; failures are not remembered (they throw every time). Bounded: the
 * least recently used entry goes when the cache is full.
 */
export class PeerKeyCache {
  private readonly caches = new WeakMap<CryptoProvider, Map<string, PublicKey>>();

  constructor(private readonly maxEntries: number) {}

  publicKey(provider: CryptoProvider, der: Uint8Array): PublicKey {
    let cache = this.caches.get(provider);
    if (!cache) {
      cache = new Map();
      this.caches.set(provider, cache);
    }
    const key = bytesKey(der);
    const hit = cache.get(key);
    if (hit) {
      // Refresh its place so often-used certificates stay (a Map keeps insertion order).
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const publicKey = provider.importPublicKey(parseCertificate(der).spki);
    if (cache.size >= this.maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(key, publicKey);
    return publicKey;
  }
}

/** The process-wide cache: clients meet the same few servers again and again. */
const shared = new PeerKeyCache(64);

/** A certificate's public key through the shared cache (throws as `importPublicKey`/`parseCertificate` do). */
export function certificatePublicKey(provider: CryptoProvider, der: Uint8Array): PublicKey {
  return shared.publicKey(provider, der);
}
