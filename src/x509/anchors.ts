/**
 * Trust anchors: the certificates a verifier accepts as the end of a path.
 *
 * Every certificate in a `TrustStore` is an anchor, whether it is a self-signed root, an
 * intermediate, or a peer's own (self-signed) certificate: a path ends at the first certificate
 * that is in the store, by exact DER. This is OpenSSL's X509_V_FLAG_PARTIAL_CHAIN behaviour and
 * what Go and rustls do (an anchor is a name and a key); it makes "trust exactly this
 * certificate" (pinning a self-signed server) work with the same API as "trust this root".
 *
 * The platform's roots (Node's bundled Mozilla list, the operating system's store) come from a
 * source the runtime entry point registers, so this file stays free of `node:` imports.
 */
import { bytesKey } from './bytes-key.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { pemDecode } from './pem.js';

/** Where platform roots come from; the Node entry point registers one (see src/node/roots.ts). */
export interface PlatformRootSource {
  /** The runtime's bundled roots as PEM texts (Node: tls.rootCertificates). */
  bundled(): readonly string[];
  /** The operating system's store as PEM texts, when the runtime can read it. */
  system?(): readonly string[];
}

let platformSource: PlatformRootSource | null = null;
const platformCache = new Map<'bundled' | 'system', readonly ParsedCertificate[]>();

/** Registers the runtime's root source (called by the Node entry point). */
export function setPlatformRootSource(source: PlatformRootSource | null): void {
  platformSource = source;
  platformCache.clear();
}

/**
 * The platform's roots, parsed once per process. Certificates that do not parse strictly are
 * skipped (a store of hundreds may hold a legacy oddity). Throws when no source is registered or
 * the source cannot provide that kind.
 */
export function platformRoots(kind: 'bundled' | 'system'): readonly ParsedCertificate[] {
  const cached = platformCache.get(kind);
  if (cached) return cached;
  if (!platformSource) throw new Error('typessl: no platform root certificates on this runtime; give the trust anchors explicitly');
  const texts = kind === 'bundled' ? platformSource.bundled() : platformSource.system?.();
  if (!texts) throw new Error(`typessl: this runtime cannot read the ${kind} root store`);
  const out: ParsedCertificate[] = [];
  for (const text of texts) {
    try {
      for (const block of pemDecode(text)) if (block.label === 'CERTIFICATE') out.push(parseCertificate(block.der));
    } catch {
      // Skip the one certificate; the rest of the store is still useful.
    }
  }
  platformCache.set(kind, out);
  return out;
}

/** Stores of platform roots alone, by the kinds they hold; see platformRootStore. */
const platformStores = new Map<string, TrustStore>();

/**
 * The platform roots of `kinds` as one store, built once per process and shared by every context
 * that trusts them and no explicit anchors (node:tls-style clients make a context per connection,
 * and building the store took milliseconds). It is only read: verification never changes its
 * anchors, and contexts hand out their own explicit store, never this one.
 */
export function platformRootStore(kinds: ReadonlySet<'bundled' | 'system'>): TrustStore {
  const key = [...kinds].sort().join('+');
  let store = platformStores.get(key);
  if (store === undefined) {
    store = new TrustStore();
    for (const kind of kinds) for (const c of platformRoots(kind)) store.addParsed(c);
    platformStores.set(key, store);
  }
  return store;
}

/** Certificates to trust: PEM text (any number of CERTIFICATE blocks), DER bytes, or parsed certificates. */
export type TrustInput = string | Uint8Array | ParsedCertificate | ReadonlyArray<string | Uint8Array | ParsedCertificate>;

/** Parses trust input; throws an Error naming the problem (a caller's configuration mistake). */
export function parseTrustInput(input: TrustInput): ParsedCertificate[] {
  const items = Array.isArray(input) ? input : [input];
  const out: ParsedCertificate[] = [];
  for (const item of items as ReadonlyArray<string | Uint8Array | ParsedCertificate>) {
    if (typeof item === 'string') {
      const blocks = pemDecode(item).filter((b) => b.label === 'CERTIFICATE');
      if (blocks.length === 0) throw new Error('typessl: no CERTIFICATE block in the trust anchor PEM text');
      for (const b of blocks) out.push(parseCertificate(b.der));
    } else if (item instanceof Uint8Array) {
      out.push(parseCertificate(item));
    } else {
      out.push(item);
    }
  }
  return out;
}

/** A set of trust anchors, indexed by subject name for path building. */
export class TrustStore {
  private readonly bySubject = new Map<string, ParsedCertificate[]>();
  private readonly byDer = new Set<string>();
  private readonly all: ParsedCertificate[] = [];
  private changes = 0;

  constructor(initial?: TrustInput) {
    if (initial !== undefined) this.add(initial);
  }

  /** Adds anchors (duplicates are ignored). */
  add(input: TrustInput): void {
    for (const cert of parseTrustInput(input)) this.addParsed(cert);
  }

  /** Adds already parsed anchors (duplicates are ignored). */
  addParsed(cert: ParsedCertificate): void {
    const key = bytesKey(cert.der);
    if (this.byDer.has(key)) return;
    this.byDer.add(key);
    this.all.push(cert);
    this.changes++;
    const subject = bytesKey(cert.subjectDer);
    const list = this.bySubject.get(subject);
    if (list) list.push(cert);
    else this.bySubject.set(subject, [cert]);
  }

  /** Removes every anchor. */
  clear(): void {
    this.bySubject.clear();
    this.byDer.clear();
    this.all.length = 0;
    this.changes++;
  }

  /** Counts the changes made to the store, so a copy derived from it can tell it is stale. */
  get revision(): number {
    return this.changes;
  }

  /** Number of anchors. */
  get size(): number {
    return this.all.length;
  }

  /** Every anchor, in the order added. */
  certificates(): readonly ParsedCertificate[] {
    return this.all;
  }

  /** Whether exactly this certificate (by DER) is an anchor. */
  has(cert: ParsedCertificate): boolean {
    return this.byDer.has(bytesKey(cert.der));
  }

  /** Anchors whose subject is `cert`'s issuer (candidate issuers). */
  issuersOf(cert: ParsedCertificate): readonly ParsedCertificate[] {
    return this.bySubject.get(bytesKey(cert.issuerDer)) ?? [];
  }

  /** A copy (a context joins a copy of its store with the platform roots it trusts). */
  clone(): TrustStore {
    const copy = new TrustStore();
    for (const c of this.all) copy.addParsed(c);
    return copy;
  }
}
