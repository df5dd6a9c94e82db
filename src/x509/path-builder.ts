/**
 * Certification path building: from the peer's leaf to a trust anchor, using the other
 * certificates the peer sent in any order (extra and missing ones included), and the anchors.
 *
 * Issuers are found by name (issuer DER == subject DER, as Go and rustls compare) and narrowed by
 * authorityKeyIdentifier / subjectKeyIdentifier when both are present. Where several candidates
 * fit (cross-signed CAs, a re-keyed CA with the same name, an expired and a renewed intermediate),
 * every path is produced, best-looking first, and the verifier takes the first one that passes
 * all checks, so one bad candidate cannot hide a good path.
 *
 * Building is bounded: a path never holds the same certificate (by DER) or the same name and key
 * twice, holds at most `maxDepth` certificates between the leaf and the trust anchor (OpenSSL's
 * verify depth: neither end counts), and the search stops after `maxSteps`
 * candidate visits and `maxPaths` paths, so a hostile pile of certificates cannot make it slow.
 */
import { equalBytes } from '../crypto/equal-bytes.js';
import type { ParsedCertificate } from './certificate.js';
import type { TrustStore } from './anchors.js';
import { bytesKey } from './bytes-key.js';

/** One candidate path, leaf first. */
export interface CandidatePath {
  certs: ParsedCertificate[];
  /** True when the last certificate is a trust anchor. */
  anchored: boolean;
}

/** Limits of the search. */
export interface PathLimits {
  /**
   * Most intermediates between the leaf and the trust anchor (OpenSSL's verify depth, which counts
   * neither: depth 1 allows leaf, one intermediate, anchor; default 100).
   */
  maxDepth: number;
  maxPaths?: number;
  maxSteps?: number;
}

/** What the builder found: anchored paths (best first) and the longest dead end, for error reports. */
export interface BuiltPaths {
  anchored: CandidatePath[];
  longestPartial: ParsedCertificate[];
  /** A path was cut off at `maxDepth`. */
  depthExceeded: boolean;
}

/** Equal bytes, both present (key identifiers are optional). */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && equalBytes(a, b);
}

/** Whether `issuer` may have issued `cert` by name and key identifiers. */
export function couldHaveIssued(issuer: ParsedCertificate, cert: ParsedCertificate): boolean {
  if (!sameBytes(issuer.subjectDer, cert.issuerDer)) return false;
  if (cert.authorityKeyIdentifier && issuer.subjectKeyIdentifier && !sameBytes(cert.authorityKeyIdentifier, issuer.subjectKeyIdentifier)) return false;
  return true;
}

/** Preference among candidate issuers: matching key identifier, then valid now, then newest. */
function rank(cert: ParsedCertificate, time: Date) {
  return (a: ParsedCertificate, b: ParsedCertificate): number => {
    const akiA = sameBytes(cert.authorityKeyIdentifier, a.subjectKeyIdentifier) ? 0 : 1;
    const akiB = sameBytes(cert.authorityKeyIdentifier, b.subjectKeyIdentifier) ? 0 : 1;
    if (akiA !== akiB) return akiA - akiB;
    const validA = a.isValidAt(time) ? 0 : 1;
    const validB = b.isValidAt(time) ? 0 : 1;
    if (validA !== validB) return validA - validB;
    return b.notBefore.getTime() - a.notBefore.getTime();
  };
}

/** Name and key of a certificate as one Set key (the subject's length first, so the pair splits one way only). */
function identity(c: ParsedCertificate): string {
  return `${c.subjectDer.length}:${bytesKey(c.subjectDer)}${bytesKey(c.spki)}`;
}

/**
 * All paths from `leaf` to an anchor in `anchors`, through `intermediates` (the rest of what the
 * peer sent), best first; `time` only orders the candidates.
 */
export function buildPaths(leaf: ParsedCertificate, intermediates: readonly ParsedCertificate[], anchors: TrustStore, time: Date, limits: PathLimits): BuiltPaths {
  const maxPaths = limits.maxPaths ?? 8;
  let steps = limits.maxSteps ?? 200;
  const anchored: CandidatePath[] = [];
  let longestPartial: ParsedCertificate[] = [leaf];
  let depthExceeded = false;

  const extend = (path: ParsedCertificate[], seen: Set<string>): void => {
    const current = path[path.length - 1]!;
    // Any certificate in the store ends the path (partial-chain trust, see anchors.ts).
    if (anchors.has(current)) {
      anchored.push({ certs: path.slice(), anchored: true });
      return;
    }
    if (path.length > longestPartial.length) longestPartial = path.slice();
    // `path` is the leaf and path.length - 1 untrusted intermediates; its next certificate may
    // still be the anchor, so only a path already over the depth stops here.
    if (path.length - 1 > limits.maxDepth) {
      // Too long to go on; the verifier reports the chain as too long if nothing shorter works.
      depthExceeded = true;
      return;
    }
    const order = rank(current, time);
    const fromAnchors = anchors.issuersOf(current).filter((c) => couldHaveIssued(c, current)).slice().sort(order);
    // The peer's own copies of anchors are reached through the store's entries above.
    const fromPeer = intermediates.filter((c) => c !== current && !anchors.has(c) && couldHaveIssued(c, current)).sort(order);
    for (const candidate of [...fromAnchors, ...fromPeer]) {
      if (anchored.length >= maxPaths || --steps < 0) return;
      const id = identity(candidate);
      if (seen.has(id)) continue;
      seen.add(id);
      path.push(candidate);
      extend(path, seen);
      path.pop();
      seen.delete(id);
    }
  };

  extend([leaf], new Set([identity(leaf)]));
  return { anchored, longestPartial, depthExceeded };
}
