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
import { certificateSubject, parseCertificate, type ParsedCertificate } from './certificate.js';
import { pemDecode } from './pem.js';

/** Where platform roots come from; the Node entry point registers one (see src/node/roots.ts). */
export interface PlatformRootSource {
  /** The runtime's bundled roots as PEM texts (Node: tls.rootCertificates). */
  bundled(): readonly string[];
  /** The operating system's store as PEM texts, when the runtime can read it. */
  system?(): readonly string[];
}

let platformSource: PlatformRootSource | null = null;
const platformCache = new Map<'bundled' | 'system', readonly Uint8Array[]>();
/** Stores of platform roots alone, by the kinds they hold; see platformRootStore. */
const platformStores = new Map<string, TrustStore>();

/** Registers the runtime's root source (called by the Node entry point). */
export function setPlatformRootSource(source: PlatformRootSource | null): void {
  platformSource = source;
  platformCache.clear();
  platformStores.clear();
}

/**
 * The platform's roots as DER, decoded from PEM once per process. They are parsed only when a
 * verification uses them (see TrustStore.addDer): parsing all of Node's ~140 bundled roots took
 * 190-360 ms. Throws when no source is registered or the source cannot provide that kind.
 */
export function platformRoots(kind: 'bundled' | 'system'): readonly Uint8Array[] {
  const cached = platformCache.get(kind);
  if (cached) return cached;
  if (!platformSource) throw new Error('typessl: no platform root certificates on this runtime; give the trust anchors explicitly');
  const texts = kind === 'bundled' ? platformSource.bundled() : platformSource.system?.();
  if (!texts) throw new Error(`typessl: this runtime cannot read the ${kind} root store`);
  const out: Uint8Array[] = [];
  for (const text of texts) {
    try {
      for (const block of pemDecode(text)) if (block.label === 'CERTIFICATE') out.push(block.der);
    } catch {
      // Skip the one text; the rest of the store is still useful.
    }
  }
  platformCache.set(kind, out);
  return out;
}

/**
 * The platform roots of `kinds` as one store, built once per process and shared by every context
 * that trusts them and no explicit anchors (node:tls-style clients make a context per connection,
 * and building the store took milliseconds). It is only read: verification never changes its
 * anchors, and contexts hand out their own explicit store, never this one.
 */
function platformRootStore(kinds: ReadonlySet<'bundled' | 'system'>): TrustStore {
  const key = [...kinds].sort().join('+');
  let store = platformStores.get(key);
  if (store === undefined) {
    store = new TrustStore();
    for (const kind of kinds) for (const der of platformRoots(kind)) store.addDer(der);
    platformStores.set(key, store);
  }
  return store;
}

/**
 * The anchors a verification uses: `explicit` joined with the platform roots of `kinds`. Without
 * platform roots that is `explicit` itself, without explicit anchors the process-wide store of the
 * platform roots (shared: only read it), otherwise a new copy (callers keep it while it is current).
 */
export function joinPlatformRoots(explicit: TrustStore, kinds: ReadonlySet<'bundled' | 'system'>): TrustStore {
  if (kinds.size === 0) return explicit;
  if (explicit.size === 0) return platformRootStore(kinds);
  const store = explicit.clone();
  for (const kind of kinds) for (const der of platformRoots(kind)) store.addDer(der);
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

/**
 * One anchor: its DER, and the parsed certificate once something needs it. Anchors added as DER
 * (the platform roots) are parsed on first use; one that does not parse strictly is then left out
 * (a store of hundreds may hold a legacy oddity), as if it were not there.
 */
interface Anchor {
  readonly der: Uint8Array;
  /** bytesKey of the subject Name, the index of issuersOf. */
  readonly subjectKey: string;
  cert: ParsedCertificate | null;
  unusable: boolean;
}

/** The anchor's certificate, parsed now if it was not yet; null when it does not parse. */
function certificateOf(anchor: Anchor): ParsedCertificate | null {
  if (anchor.cert === null && !anchor.unusable) {
    try {
      anchor.cert = parseCertificate(anchor.der);
    } catch {
      anchor.unusable = true;
    }
  }
  return anchor.cert;
}

/** The parsed certificates of `anchors`, leaving out those that do not parse. */
function certificatesOf(anchors: readonly Anchor[]): ParsedCertificate[] {
  const out: ParsedCertificate[] = [];
  for (const a of anchors) {
    const cert = certificateOf(a);
    if (cert !== null) out.push(cert);
  }
  return out;
}

/** A set of trust anchors, indexed by subject name for path building. */
export class TrustStore {
  private readonly bySubject = new Map<string, Anchor[]>();
  private readonly byDer = new Set<string>();
  private readonly all: Anchor[] = [];
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
    this.insert({ der: cert.der, subjectKey: bytesKey(cert.subjectDer), cert, unusable: false });
  }

  /**
   * Adds an anchor as DER, indexed by its subject now and parsed only when a verification needs it
   * (duplicates are ignored). Returns false, adding nothing, when `der` is not a certificate at all.
   */
  addDer(der: Uint8Array): boolean {
    let subject: Uint8Array;
    try {
      subject = certificateSubject(der);
    } catch {
      return false;
    }
    // A private copy, as parseCertificate makes: the caller may reuse its buffer.
    this.insert({ der: der.slice(), subjectKey: bytesKey(subject), cert: null, unusable: false });
    return true;
  }

  private insert(anchor: Anchor): void {
    const key = bytesKey(anchor.der);
    if (this.byDer.has(key)) return;
    this.byDer.add(key);
    this.all.push(anchor);
    this.changes++;
    const list = this.bySubject.get(anchor.subjectKey);
    if (list) list.push(anchor);
    else this.bySubject.set(anchor.subjectKey, [anchor]);
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

  /** Every anchor, in the order added (parsing any not parsed yet; those that do not parse are left out). */
  certificates(): readonly ParsedCertificate[] {
    return certificatesOf(this.all);
  }

  /** Whether exactly this certificate (by DER) is an anchor. */
  has(cert: ParsedCertificate): boolean {
    return this.byDer.has(bytesKey(cert.der));
  }

  /** Anchors whose subject is `cert`'s issuer (candidate issuers), parsed when first asked for. */
  issuersOf(cert: ParsedCertificate): readonly ParsedCertificate[] {
    const list = this.bySubject.get(bytesKey(cert.issuerDer));
    return list === undefined ? [] : certificatesOf(list);
  }

  /** A copy (a context joins a copy of its store with the platform roots it trusts); parsed anchors are shared. */
  clone(): TrustStore {
    const copy = new TrustStore();
    for (const a of this.all) copy.insert(a);
    return copy;
  }
}
