import { defaultCryptoProvider } from '../crypto/default.js';
import type { CryptoProvider, PrivateKey } from '../crypto/provider.js';
import { suiteByName, suiteInfo, TLS12_SUITES, TLS13_SUITES } from '../crypto/suites.js';
import type { CertifiedKey, EngineConfig, HandshakeHooks, ProtocolVersionName, TicketToSend } from '../engine/config.js';
import { AlertDescription, NamedGroup, SignatureScheme } from '../wire/enums.js';
import { Reason, TlsFailure } from '../wire/errors.js';
import { pemDecode } from '../x509/pem.js';
import { joinPlatformRoots, platformRoots, TrustStore, type TrustInput } from '../x509/anchors.js';
import type { VerifyCallback, VerifyPolicy } from '../x509/verify.js';
import {
  SSL_OP_IGNORE_UNEXPECTED_EOF,
  SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE,
  SSL_OP_NO_TICKET,
  SSL_SESS_CACHE_BOTH,
  SSL_SESS_CACHE_NO_INTERNAL,
  SSL_SESS_CACHE_SERVER,
  SSL_VERIFY_CLIENT_ONCE,
  SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
  SSL_VERIFY_NONE,
  SSL_VERIFY_PEER,
} from './constants.js';
import type { Session } from './session.js';
import { sessionFromBytes, sessionToBytes } from './session-codec.js';
import { SessionCache } from './session-cache.js';
import { TicketKeys } from './ticket-keys.js';
import { parseCipherList } from './cipher-string.js';
import { PeerVerifier, type VerificationSink } from './peer-verifier.js';
import { PeerChainCache } from './peer-chain-cache.js';

/** OpenSSL's default number of TLS 1.3 tickets per handshake (SSL_CTX_set_num_tickets). */
export const DEFAULT_NUM_TICKETS = 2;

/** OpenSSL's session callbacks (SSL_CTX_sess_set_new_cb / _get_cb / _remove_cb). */
export interface SessionCallbacks {
  /** A new resumable session (client or server, per the cache mode): store it (`sessionToBytes`). */
  newSession?: ((session: Session) => void) | null;
  /** Server: a session ID or stateful ticket that the internal cache does not hold. */
  getSession?: ((id: Uint8Array) => Session | null) | null;
  /** A session was removed or must not be resumed any more (S-47): delete it from the store. */
  removeSession?: ((session: Session) => void) | null;
}

/** Group names accepted in `groups` strings (OpenSSL's spellings). */
const GROUP_NAMES: Record<string, number> = {
  x25519: NamedGroup.x25519,
  'p-256': NamedGroup.secp256r1,
  prime256v1: NamedGroup.secp256r1,
  secp256r1: NamedGroup.secp256r1,
  'p-384': NamedGroup.secp384r1,
  secp384r1: NamedGroup.secp384r1,
};

/** Signature schemes offered by default, strongest common ones first. */
const DEFAULT_SIGNATURE_SCHEMES = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.ed25519,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

/** Options for `new SslContext()`; each has a setter of OpenSSL's shape too. */
export interface SslContextOptions {
  /** Crypto implementation (default: the one the entry point installed, node:crypto on Node). */
  provider?: CryptoProvider;
  /** Clock in milliseconds (default Date.now), injectable for tests. */
  now?: () => number;
  /** TLS 1.3 suites, as names separated by ':' or code points. */
  ciphersuites?: string | number[];
  /**
   * TLS 1.2 suites (SSL_CTX_set_cipher_list): an OpenSSL cipher string ("HIGH:!aNULL",
   * "ECDHE+AESGCM:ECDHE+CHACHA20", exact OpenSSL or IANA suite names separated by ':'), with
   * OpenSSL's rules (see `evaluateCipherString`), or code points (an empty array: no TLS 1.2
   * suite). typessl has ECDHE with AES-GCM or ChaCha20-Poly1305 only: other suites a string names
   * are dropped, as OpenSSL drops unavailable ones, but a typo or a string that leaves no suite is
   * an error. Default: typessl's own order (TLS12_SUITES).
   */
  cipherList?: string | number[];
  /** Lowest protocol version (SSL_CTX_set_min_proto_version): 'TLSv1.2' (default) or 'TLSv1.3'. */
  minVersion?: ProtocolVersionName;
  /** Highest protocol version (SSL_CTX_set_max_proto_version): 'TLSv1.3' (default) or 'TLSv1.2'. */
  maxVersion?: ProtocolVersionName;
  /** TLS 1.2: refuse peers without the extended master secret (RFC 7627); default true. */
  requireExtendedMasterSecret?: boolean;
  /** Key exchange groups, as names separated by ':' (X25519:P-256:P-384) or code points. */
  groups?: string | number[];
  /** Signature schemes (code points) offered and accepted. */
  signatureSchemes?: number[];
  /** ALPN protocols. */
  alpnProtocols?: string[];
  /** Our certificate chain (PEM, leaf first). */
  certificate?: string;
  /** Our private key (PEM). */
  privateKey?: string;
  /**
   * Trust anchors (PEM text with any number of certificates, DER, or a list of them). Every
   * certificate given is an anchor: a root, an intermediate, or a peer's own self-signed
   * certificate (which then is trusted exactly, "pinned"). See `addTrustedCertificates`.
   */
  ca?: TrustInput;
  /** Same as `ca` (the name this option had before full path validation); both add anchors. */
  trustedCertificates?: TrustInput;
  /** Also trust the runtime's bundled roots (Node: `tls.rootCertificates`, Mozilla's list). */
  useBundledRoots?: boolean;
  /** Also trust the operating system's root store (Node: read from the usual bundle files). */
  useSystemRoots?: boolean;
  /**
   * SSL_VERIFY_* bits (SSL_CTX_set_verify). Servers: SSL_VERIFY_PEER asks for a client
   * certificate and verifies it, SSL_VERIFY_FAIL_IF_NO_PEER_CERT also requires one (default
   * SSL_VERIFY_NONE: no request). Clients always verify the server (see
   * `dangerouslySkipCertificateVerification` for the only way out).
   */
  verifyMode?: number;
  /** OpenSSL's verify callback (see `VerifyCallback`). */
  verifyCallback?: VerifyCallback;
  /**
   * Most intermediate CA certificates between the peer's certificate and the trust anchor
   * (SSL_CTX_set_verify_depth: neither end counts, so depth 1 allows leaf + intermediate + root; default 100).
   */
  verifyDepth?: number;
  /** Algorithm policy: `minRsaBits` (default 2048), `allowSha1` (default false). */
  verifyPolicy?: Partial<Omit<VerifyPolicy, 'maxDepth'>>;
  /**
   * Server: send the subject names of the trust anchors in CertificateRequest's
   * certificate_authorities (default true when there are at most 64 explicit anchors; platform
   * roots are never listed).
   */
  sendCertificateAuthorities?: boolean;
  /**
   * Client: complete the handshake whatever the server's certificate is. Verification still runs
   * and `getVerifyResult()` tells its outcome (OpenSSL's SSL_VERIFY_NONE on a client), but nothing
   * fails: anyone on the path can read and change the traffic. For tests and diagnostics only.
   */
  dangerouslySkipCertificateVerification?: boolean;
  /** Send the TLS 1.3 middlebox-compatibility session ID and change_cipher_spec (default true, as OpenSSL). */
  middleboxCompat?: boolean;
  /** record_size_limit to advertise (RFC 8449). Default: 16385 on servers that answer it; not sent by clients. */
  recordSizeLimit?: number;
  /** Largest plaintext per record we send (default 16384). */
  maxFragmentLength?: number;
  /** Quiet shutdown for new connections (SSL_CTX_set_quiet_shutdown). */
  quietShutdown?: boolean;
  /** SSL_OP_* bits. */
  options?: number;
  /** Server: ask for a cookie in every HelloRetryRequest. */
  hrrCookie?: boolean;
  /** Groups the client sends key shares for in its first ClientHello (default: the first group). */
  keyShareGroups?: string | number[];
  /** Test-tool steering of outgoing handshake messages (see HandshakeHooks). */
  hooks?: HandshakeHooks;
  /** Server: tickets to send after each handshake. */
  issueTickets?: (resumptionMasterSecret: Uint8Array) => TicketToSend[];
  /** Server: cookie bytes for HelloRetryRequest. */
  makeCookie?: () => Uint8Array;
  /** SSL_SESS_CACHE_* bits (default SSL_SESS_CACHE_SERVER, as OpenSSL). */
  sessionCacheMode?: number;
  /** Most sessions the internal cache keeps (default 20480; 0 = no limit). */
  sessionCacheSize?: number;
  /** Session lifetime in seconds (default 7200). */
  sessionTimeout?: number;
  /**
   * Server: TLS 1.3 tickets sent after a full handshake (SSL_CTX_set_num_tickets; default 2, 0 for
   * none). After a resumption at most one is sent, as OpenSSL does.
   */
  numTickets?: number;
  /** Server: rotate the ticket key automatically once it is this many seconds old (default 0: only `rotateTicketKeys()`). */
  ticketKeyRotation?: number;
  /** Server: accept TLS 1.3 psk_ke resumption, without (EC)DHE and so without forward secrecy (default false). */
  allowPskKe?: boolean;
  /** Session callbacks for an external session store (see `setSessionCallbacks`). */
  sessionCallbacks?: SessionCallbacks;
}

function parseGroups(spec: string | number[]): number[] {
  if (Array.isArray(spec)) return spec.slice();
  return spec.split(':').filter(Boolean).map((name) => {
    const g = GROUP_NAMES[name.toLowerCase()];
    if (g === undefined) throw new Error(`unknown group "${name}" (known: X25519, P-256, P-384)`);
    return g;
  });
}

function parseSuites(spec: string | number[]): number[] {
  const ids = Array.isArray(spec)
    ? spec.slice()
    : spec.split(':').filter(Boolean).map((name) => {
        const s = suiteByName(name);
        if (!s) throw new Error(`unknown cipher suite "${name}"`);
        if (s.version !== 'TLSv1.3') throw new Error(`${name} is a TLS 1.2 suite: ciphersuites holds the TLS 1.3 ones (TLS 1.2 suites go in cipherList)`);
        return s.id;
      });
  for (const id of ids) if (suiteInfo(id)?.version !== 'TLSv1.3') throw new Error(`0x${id.toString(16)} is not a TLS 1.3 suite typessl implements`);
  return ids;
}

const VERSION_ORDER: Record<ProtocolVersionName, number> = { 'TLSv1.2': 2, 'TLSv1.3': 3 };

/** Checks a protocol version setting; SSLv3, TLS 1.0 and TLS 1.1 are refused by name. */
function checkVersion(v: string, what: string): ProtocolVersionName {
  if (v === 'TLSv1.2' || v === 'TLSv1.3') return v;
  if (/^(SSLv[23]|TLSv1(\.[01])?)$/.test(v)) throw new Error(`${what} ${v} is not supported: typessl speaks only TLS 1.2 and TLS 1.3`);
  throw new Error(`unknown protocol version "${v}" (use 'TLSv1.2' or 'TLSv1.3')`);
}

/**
 * Settings shared by many connections (OpenSSL SSL_CTX). Certificates and keys are parsed once
 * here, not per connection.
 */
export class SslContext {
  readonly provider: CryptoProvider;
  private now: () => number;
  private suites: number[];
  private suites12: number[];
  private minVersion: ProtocolVersionName;
  private maxVersion: ProtocolVersionName;
  private groupList: number[];
  private keyShareGroups: number[] | undefined;
  private schemes: number[];
  private alpn: string[];
  private certifiedKey: CertifiedKey | undefined;
  private chainDer: Uint8Array[] = [];
  private trust = new TrustStore();
  private platformKinds = new Set<'bundled' | 'system'>();
  /** anchorsForVerification's joined store, with the explicit store and revision it was built from. */
  private joinedAnchors: { trust: TrustStore; revision: number; store: TrustStore } | null = null;
  private verifyMode: number;
  private verifyCallback: VerifyCallback | undefined;
  private verifyDepth: number;
  private skipVerification: boolean;
  private quiet: boolean;
  private opts: number;
  private cacheMode: number;
  private readonly base: SslContextOptions;
  /**
   * The internal session cache (SSL_CTX's). Set `onNewSession` / `onRemoveSession` on it for
   * OpenSSL's new-session and remove-session callbacks.
   */
  readonly sessionCache: SessionCache;
  /** The keys sealing this server's stateless tickets (current + previous). */
  readonly ticketKeys: TicketKeys;
  private tickets: number;
  /** The peer chains this context's connections keep, shared between equal ones. */
  private readonly peerChains = new PeerChainCache();
  /**
   * `EngineConfig.afterHandshake` of every connection: the common settings without a handshake's
   * callbacks, made on first use (the engine then reads only the provider and the clock, which a
   * context never changes).
   */
  private afterHandshake: EngineConfig | null = null;
  /** `EngineConfig.keepPeerCertificates` for every connection (one function, not one per connection). */
  private readonly keepPeerChain = (chain: readonly Uint8Array[]): Uint8Array[] => this.peerChains.keep(chain);

  constructor(options: SslContextOptions = {}) {
    this.base = options;
    this.provider = options.provider ?? defaultCryptoProvider();
    this.now = options.now ?? Date.now;
    this.suites = parseSuites(options.ciphersuites ?? [...TLS13_SUITES]);
    this.suites12 = parseCipherList(options.cipherList ?? [...TLS12_SUITES]);
    this.minVersion = checkVersion(options.minVersion ?? 'TLSv1.2', 'minimum version');
    this.maxVersion = checkVersion(options.maxVersion ?? 'TLSv1.3', 'maximum version');
    this.checkVersionRange();
    this.groupList = parseGroups(options.groups ?? [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]);
    this.keyShareGroups = options.keyShareGroups !== undefined ? parseGroups(options.keyShareGroups) : undefined;
    this.schemes = options.signatureSchemes?.slice() ?? DEFAULT_SIGNATURE_SCHEMES.slice();
    this.alpn = options.alpnProtocols?.slice() ?? [];
    this.skipVerification = options.dangerouslySkipCertificateVerification === true;
    this.verifyMode = options.verifyMode ?? SSL_VERIFY_NONE;
    this.verifyCallback = options.verifyCallback;
    this.verifyDepth = options.verifyDepth ?? 100;
    this.quiet = options.quietShutdown === true;
    this.opts = options.options ?? 0;
    this.cacheMode = (options.sessionCacheMode ?? SSL_SESS_CACHE_SERVER) & (SSL_SESS_CACHE_BOTH | SSL_SESS_CACHE_NO_INTERNAL);
    const cacheOptions: ConstructorParameters<typeof SessionCache>[0] = { now: this.now };
    if (options.sessionCacheSize !== undefined) cacheOptions.sizeLimit = options.sessionCacheSize;
    if (options.sessionTimeout !== undefined) cacheOptions.timeout = options.sessionTimeout;
    this.sessionCache = new SessionCache(cacheOptions);
    this.ticketKeys = new TicketKeys(this.provider, this.now, options.ticketKeyRotation ?? 0);
    this.tickets = options.numTickets ?? DEFAULT_NUM_TICKETS;
    if (options.sessionCallbacks) this.setSessionCallbacks(options.sessionCallbacks);
    if (options.certificate) this.useCertificateChain(options.certificate);
    if (options.privateKey) this.usePrivateKey(options.privateKey);
    if (options.ca !== undefined) this.addTrustedCertificates(options.ca);
    if (options.trustedCertificates !== undefined) this.addTrustedCertificates(options.trustedCertificates);
    if (options.useBundledRoots) this.setDefaultVerifyPaths();
    if (options.useSystemRoots) this.useSystemRoots();
  }

  /** Our certificate chain, PEM, leaf first (SSL_CTX_use_certificate_chain_file). */
  useCertificateChain(pem: string): void {
    const blocks = pemDecode(pem).filter((b) => b.label === 'CERTIFICATE');
    if (blocks.length === 0) throw new Error('no CERTIFICATE block in the PEM text');
    this.chainDer = blocks.map((b) => b.der);
    this.updateCertifiedKey(this.certifiedKey?.key);
  }

  /** Our private key, PEM (SSL_CTX_use_PrivateKey). */
  usePrivateKey(pem: string | PrivateKey): void {
    const key = typeof pem === 'string' ? this.provider.importPrivateKey(pem) : pem;
    this.updateCertifiedKey(key);
  }

  /** Certificate chain (DER, leaf first) and an already imported key in one call. */
  useCertifiedKey(chain: Uint8Array[], key: PrivateKey): void {
    this.chainDer = chain.slice();
    this.updateCertifiedKey(key);
  }

  private updateCertifiedKey(key: PrivateKey | undefined): void {
    this.certifiedKey = key && this.chainDer.length > 0 ? { chain: this.chainDer, key } : key ? { chain: [], key } : undefined;
  }

  /**
   * Adds trust anchors (SSL_CTX_load_verify_locations with data instead of files): PEM text with
   * any number of certificates, DER, or a list. Every certificate added is an anchor, including
   * intermediates and self-signed peer certificates (trusted exactly, as a pin), like OpenSSL
   * with X509_V_FLAG_PARTIAL_CHAIN. Throws an Error for text that holds no certificate.
   */
  addTrustedCertificates(input: TrustInput): void {
    this.trust.add(input);
  }

  /** Replaces the explicit trust anchors (platform roots chosen with the methods below stay). */
  setTrustedCertificates(input: TrustInput): void {
    const next = new TrustStore(input);
    this.trust = next;
  }

  /** The explicit trust anchors (add or inspect; platform roots are not in it). */
  get trustStore(): TrustStore {
    return this.trust;
  }

  /** SSL_CTX_set_default_verify_paths: also trust the runtime's bundled roots (Node: tls.rootCertificates). */
  setDefaultVerifyPaths(): void {
    platformRoots('bundled');
    this.platformKinds.add('bundled');
    this.joinedAnchors = null;
  }

  /** Also trust the operating system's root store (throws when this runtime cannot read one). */
  useSystemRoots(): void {
    platformRoots('system');
    this.platformKinds.add('system');
    this.joinedAnchors = null;
  }

  /** Stops trusting platform roots (explicit anchors stay). */
  clearPlatformRoots(): void {
    this.platformKinds.clear();
    this.joinedAnchors = null;
  }

  /**
   * SSL_CTX_set_verify. On servers the mode decides whether a client certificate is requested
   * (SSL_VERIFY_PEER) and required (| SSL_VERIFY_FAIL_IF_NO_PEER_CERT). On clients the server is
   * always verified and a failure always ends the handshake; the callback can accept errors,
   * and `dangerouslySkipCertificateVerification` is the only switch that turns failures off.
   */
  setVerify(mode: number, callback?: VerifyCallback): void {
    const known = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT | SSL_VERIFY_CLIENT_ONCE;
    if ((mode & ~known) !== 0) throw new RangeError(`unknown SSL_VERIFY_* bits 0x${(mode & ~known).toString(16)}`);
    this.verifyMode = mode;
    this.verifyCallback = callback;
  }

  /** SSL_CTX_get_verify_mode. */
  getVerifyMode(): number {
    return this.verifyMode;
  }

  /** SSL_CTX_set_verify_depth: most intermediate CA certificates between the peer's certificate and the anchor. */
  setVerifyDepth(depth: number): void {
    if (!Number.isInteger(depth) || depth < 0) throw new RangeError(`verify depth must be a non-negative integer, not ${depth}`);
    this.verifyDepth = depth;
  }

  /** SSL_CTX_get_verify_depth. */
  getVerifyDepth(): number {
    return this.verifyDepth;
  }

  /**
   * Client: stop failing handshakes on certificate problems (verification still runs for
   * `getVerifyResult()`). Insecure; see the option of the same name.
   */
  dangerouslySkipCertificateVerification(skip = true): void {
    this.skipVerification = skip;
  }

  /**
   * Every anchor a verification uses: the explicit ones joined with the platform roots the context
   * trusts. Built once and shared by the connections (they only read it): joining ~140 bundled
   * roots took 2.7 ms, and was done for every connection. Rebuilt after the explicit store or the
   * platform roots change. With no explicit anchors it is the process-wide store of those platform
   * roots (see joinPlatformRoots).
   */
  private anchorsForVerification(): TrustStore {
    if (this.platformKinds.size === 0 || this.trust.size === 0) return joinPlatformRoots(this.trust, this.platformKinds);
    const cached = this.joinedAnchors;
    if (cached !== null && cached.trust === this.trust && cached.revision === this.trust.revision) return cached.store;
    const store = joinPlatformRoots(this.trust, this.platformKinds);
    this.joinedAnchors = { trust: this.trust, revision: this.trust.revision, store };
    return store;
  }


  /** TLS 1.3 suites, as in OpenSSL's SSL_CTX_set_ciphersuites ("TLS_AES_128_GCM_SHA256:..."). */
  setCiphersuites(spec: string | number[]): void {
    this.suites = parseSuites(spec);
  }

  /** TLS 1.2 suites, as OpenSSL's SSL_CTX_set_cipher_list ("HIGH:!aNULL", "ECDHE-ECDSA-AES128-GCM-SHA256:..."; see `cipherList`). */
  setCipherList(spec: string | number[]): void {
    this.suites12 = parseCipherList(spec);
  }

  /** SSL_CTX_set_min_proto_version ('TLSv1.2' or 'TLSv1.3'). */
  setMinProtoVersion(version: ProtocolVersionName): void {
    this.minVersion = checkVersion(version, 'minimum version');
    this.checkVersionRange();
  }

  /** SSL_CTX_set_max_proto_version ('TLSv1.2' or 'TLSv1.3'). */
  setMaxProtoVersion(version: ProtocolVersionName): void {
    this.maxVersion = checkVersion(version, 'maximum version');
    this.checkVersionRange();
  }

  private checkVersionRange(): void {
    if (VERSION_ORDER[this.minVersion] > VERSION_ORDER[this.maxVersion]) {
      throw new Error(`minimum version ${this.minVersion} is above maximum version ${this.maxVersion}`);
    }
  }

  /** Groups, as in SSL_CTX_set1_groups_list ("X25519:P-256"). */
  setGroups(spec: string | number[]): void {
    this.groupList = parseGroups(spec);
  }

  /** ALPN protocols (SSL_CTX_set_alpn_protos / the server's selection list). */
  setAlpnProtocols(protocols: string[]): void {
    this.alpn = protocols.slice();
  }

  /** SSL_CTX_set_quiet_shutdown: copied into each new `Ssl` (S-43). */
  setQuietShutdown(mode: boolean | 0 | 1): void {
    this.quiet = mode === true || mode === 1;
  }

  /** SSL_CTX_get_quiet_shutdown. */
  getQuietShutdown(): boolean {
    return this.quiet;
  }

  /** SSL_CTX_set_options: ORs bits in; returns the new mask. */
  setOptions(bits: number): number {
    this.opts |= bits;
    return this.opts;
  }

  /** SSL_CTX_clear_options: clears bits; returns the new mask. */
  clearOptions(bits: number): number {
    this.opts &= ~bits;
    return this.opts;
  }

  /** SSL_CTX_get_options. */
  getOptions(): number {
    return this.opts;
  }

  /**
   * SSL_CTX_set_session_cache_mode: which sides add their sessions to `sessionCache`
   * (SSL_SESS_CACHE_OFF / _CLIENT / _SERVER / _BOTH). Returns the previous mode.
   */
  setSessionCacheMode(mode: number): number {
    const previous = this.cacheMode;
    this.cacheMode = mode & (SSL_SESS_CACHE_BOTH | SSL_SESS_CACHE_NO_INTERNAL);
    return previous;
  }

  /**
   * The session callbacks (SSL_CTX_sess_set_new_cb, _get_cb, _remove_cb) in one call; a missing
   * entry leaves that callback as it is, null removes it. A fleet of servers sharing one store:
   * `newSession` writes `sessionToBytes(session)` under `session.idHex`, `getSession` reads it back
   * with `sessionFromBytes`, `removeSession` deletes it. Stateless tickets need no store, only the
   * same ticket keys on every server (`ticketKeys.setKeys`).
   */
  setSessionCallbacks(callbacks: SessionCallbacks): void {
    if (callbacks.newSession !== undefined) this.sessionCache.onNewSession = callbacks.newSession;
    if (callbacks.getSession !== undefined) this.sessionCache.onGetSession = callbacks.getSession;
    if (callbacks.removeSession !== undefined) this.sessionCache.onRemoveSession = callbacks.removeSession;
  }

  /** SSL_CTX_set_num_tickets: TLS 1.3 tickets a server sends after each handshake. */
  setNumTickets(n: number): void {
    this.tickets = Math.max(0, Math.min(16, Math.floor(n)));
  }

  /** SSL_CTX_get_num_tickets. */
  getNumTickets(): number {
    return this.tickets;
  }

  /** Makes a new current ticket key; tickets under the old one still resume until the next rotation. */
  rotateTicketKeys(): void {
    this.ticketKeys.rotate();
  }

  /** SSL_CTX_set_timeout: lifetime in seconds of new sessions; returns the previous one. */
  setTimeout(seconds: number): number {
    const previous = this.sessionCache.timeout;
    this.sessionCache.timeout = Math.max(0, Math.floor(seconds));
    return previous;
  }

  /** Session bytes for an external store (secrets included). */
  sessionToBytes(session: Session): Uint8Array {
    return sessionToBytes(session, this.provider);
  }

  /** A session from `sessionToBytes` bytes; throws SessionFormatError for anything else. */
  sessionFromBytes(bytes: Uint8Array): Session {
    return sessionFromBytes(bytes, this.provider);
  }

  /** Whether a server issues stateful TLS 1.3 tickets (SSL_OP_NO_TICKET) instead of sealed ones. */
  get statefulTickets(): boolean {
    return (this.opts & SSL_OP_NO_TICKET) !== 0;
  }

  /** Whether a TLS 1.3 server's tickets carry the whole session, sealed (neither stateful nor the application's own `issueTickets`). */
  get sealsSessionsInTickets(): boolean {
    return !this.statefulTickets && this.base.issueTickets === undefined;
  }

  /** Whether psk_ke resumption is accepted. */
  get allowPskKe(): boolean {
    return this.base.allowPskKe === true;
  }

  /** The context's clock (milliseconds). */
  clock(): number {
    return this.now();
  }

  /** SSL_CTX_get_session_cache_mode. */
  getSessionCacheMode(): number {
    return this.cacheMode;
  }

  /** Whether unexpected EOF counts as a clean close (SSL_OP_IGNORE_UNEXPECTED_EOF). */
  get ignoreUnexpectedEof(): boolean {
    return (this.opts & SSL_OP_IGNORE_UNEXPECTED_EOF) !== 0;
  }

  /** Whether unclean closes keep sessions (SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE). */
  get noEvictOnUncleanClose(): boolean {
    return (this.opts & SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE) !== 0;
  }

  /** The engine settings every connection of this context starts from (a new object each call). */
  private commonConfig(): EngineConfig {
    return {
      provider: this.provider,
      now: this.now,
      cipherSuites: this.suites,
      tls12CipherSuites: this.suites12,
      minVersion: this.minVersion,
      maxVersion: this.maxVersion,
      requireExtendedMasterSecret: this.base.requireExtendedMasterSecret ?? true,
      groups: this.groupList,
      signatureSchemes: this.schemes,
      alpnProtocols: this.alpn,
      middleboxCompat: this.base.middleboxCompat ?? true,
      maxFragmentLength: this.base.maxFragmentLength ?? 16384,
    };
  }

  /**
   * The engine settings for one connection in a role. `sink` receives the certificate
   * verification result (the `Ssl` keeps it for getVerifyResult); `host` is the name to verify
   * when it differs from the server name (SSL_set1_host).
   */
  engineConfig(role: 'client' | 'server', serverName: string | null, sink?: VerificationSink, host?: string | null): EngineConfig {
    const cfg = this.commonConfig();
    cfg.keepPeerCertificates = this.keepPeerChain;
    // Frozen: shared by every connection, so a write meant for one connection would reach all.
    cfg.afterHandshake = this.afterHandshake ??= Object.freeze(this.commonConfig());
    if (this.keyShareGroups) cfg.keyShareGroups = this.keyShareGroups;
    if (this.certifiedKey && this.certifiedKey.chain.length > 0) cfg.certifiedKey = this.certifiedKey;
    if (this.base.hooks) cfg.hooks = this.base.hooks;
    if (this.base.hrrCookie) cfg.hrrCookie = true;
    if (this.base.makeCookie) cfg.makeCookie = this.base.makeCookie;
    if (this.base.issueTickets) cfg.issueTickets = this.base.issueTickets;
    const verifier = new PeerVerifier({
      provider: this.provider,
      anchors: this.anchorsForVerification(),
      now: this.now,
      policy: { ...this.base.verifyPolicy, maxDepth: this.verifyDepth },
      ...(this.verifyCallback && { callback: this.verifyCallback }),
      ...(sink && { sink }),
    });
    if (role === 'client') {
      const names = verifier.clientNames(serverName, host ?? null, this.skipVerification);
      if (names.sni) cfg.serverName = names.sni;
      if (this.base.recordSizeLimit !== undefined) cfg.recordSizeLimit = this.base.recordSizeLimit;
      // Made first and then stored: V8 puts a function literal assigned straight to a property
      // in the old generation, where it keeps its connection alive through every young-generation
      // GC (test/ssl/young-closures.test.ts).
      const verifyPeer: EngineConfig['verifyPeer'] = (info) => verifier.verifyServer(info, names.identity, this.skipVerification);
      cfg.verifyPeer = verifyPeer;
    } else {
      cfg.recordSizeLimit = this.base.recordSizeLimit ?? 16385;
      if ((this.verifyMode & SSL_VERIFY_PEER) !== 0) {
        const sendNames = this.base.sendCertificateAuthorities ?? this.trust.size <= 64;
        cfg.clientCertificates = {
          required: (this.verifyMode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT) !== 0,
          certificateAuthorities: sendNames ? this.trust.certificates().map((c) => c.subjectDer) : [],
        };
        const verifyPeer: EngineConfig['verifyPeer'] = (info) => verifier.verifyClient(info);
        cfg.verifyPeer = verifyPeer;
      }
    }
    return cfg;
  }
}
