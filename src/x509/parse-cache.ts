/**
 * Parsed certificates, once per distinct DER. A client meets the same server chain on every
 * connection and the ASN.1 parse is a large part of a handshake's cost, so the verifier keeps the
 * last few parses. The key is the exact DER, so a hit is the same input with the same (immutable)
 * result; failures are not remembered. Bounded: the least recently used entry goes first.
 */
import { bytesKey } from './bytes-key.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';

const MAX_ENTRIES = 128;
const cache = new Map<string, ParsedCertificate>();

/** `parseCertificate` through the process-wide cache (throws exactly as it does). */
export function parseCertificateCached(der: Uint8Array): ParsedCertificate {
  const key = bytesKey(der);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const parsed = parseCertificate(der);
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, parsed);
  return parsed;
}
