import type { Duplex } from 'node:stream';
import type { SocketBioOptions } from '../bio/socket.js';
import { SSL_OP_IGNORE_UNEXPECTED_EOF, SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_PEER } from '../ssl/constants.js';
import { SslContext, type SslContextOptions } from '../ssl/context.js';
import type { Session } from '../ssl/session.js';
import { joinPlatformRoots, type TrustStore } from '../x509/anchors.js';
import type { VerifyCallback } from '../x509/verify.js';
import type { CheckServerIdentity } from './authorization.js';

/** PEM text as node:tls accepts it: a string, a Buffer, or a list of them. */
export type PemInput = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/** Protocol versions, spelled as in node:tls. */
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/**
 * Options shared by clients and servers. Where a name exists in node:tls it means the same thing
 * here; the others are typessl's own and say so.
 */
export interface CommonTlsOptions extends SocketBioOptions {
  /** A ready context (OpenSSL SSL_CTX); when given, ca/cert/key/ciphers/ecdhCurve/ALPNProtocols/min/maxVersion are not used. */
  secureContext?: SslContext;
  /**
   * Trusted certificates (PEM): roots, intermediates or a peer's own self-signed certificate.
   * Replaces the default trust (node's root certificates, `tls.rootCertificates`), as in node:tls.
   */
  ca?: PemInput;
  /** Our certificate chain (PEM, leaf first). */
  cert?: PemInput;
  /** Our private key (PEM). */
  key?: PemInput;
  /** ALPN protocols, in preference order. */
  ALPNProtocols?: readonly string[];
  /** Lowest protocol version (default TLSv1.2, as node:tls). */
  minVersion?: TlsVersion;
  /** Highest protocol version (default TLSv1.3). */
  maxVersion?: TlsVersion;
  /**
   * Cipher suites, as node:tls takes them: split on ':', the `TLS_` names are the TLS 1.3 suites
   * (`context.ciphersuites`) and the rest is an OpenSSL cipher string for the TLS 1.2 suites
   * (`context.cipherList`: "HIGH:!aNULL", "ECDHE+AESGCM", exact names; see SslContext's
   * `cipherList`), e.g. 'TLS_AES_256_GCM_SHA384:ECDHE-ECDSA-AES256-GCM-SHA384' or node's
   * `tls.DEFAULT_CIPHERS`. Without a `TLS_` name the TLS 1.3 suites stay the default ones; without
   * a TLS 1.2 part there is no TLS 1.2 suite, and minVersion becomes TLSv1.3 when maxVersion
   * allows it (as node:tls). Neither part (':::') is a TypeError with code ERR_INVALID_ARG_VALUE;
   * a typo, or a TLS 1.2 part that leaves no suite typessl implements, is an Error naming it.
   * Default (also for ''): typessl's suites, not node's `tls.DEFAULT_CIPHERS` (they are the same
   * suites, in another order). Takes precedence over `context.ciphersuites` / `context.cipherList`.
   */
  ciphers?: string;
  /**
   * Key exchange groups, as node:tls: 'auto' (the default: X25519, P-256, P-384) or group names
   * separated by ':' in OpenSSL's spellings ('X25519:P-256', 'prime256v1', 'secp384r1';
   * `context.groups`). Groups OpenSSL knows but typessl does not implement (P-521, X448, the
   * ffdhe groups, ...) are skipped, as long as one group is left; an unknown name is an Error.
   * Takes precedence over `context.groups`.
   */
  ecdhCurve?: string;
  /**
   * Keep our write side open after the peer's TLS 1.3 close_notify (D-7). Without it (the
   * default, as node:tls) the socket answers with its own close_notify once 'end' was emitted.
   * TLS 1.2 always answers (RFC 5246 7.2.1).
   */
  allowHalfOpen?: boolean;
  /**
   * typessl's own (OpenSSL's SSL_OP_IGNORE_UNEXPECTED_EOF): treat a transport that closes without
   * close_notify as a clean end instead of an ERR_TLS_TRUNCATED error. Only for peers known to
   * close that way; it makes truncation attacks undetectable.
   */
  ignoreUnexpectedEof?: boolean;
  /** Any further SslContext settings (signature schemes, session cache, ...), for contexts this module makes. */
  context?: SslContextOptions;
}

/** Options of `connect()` (typessl/node), mirroring node:tls `connect()`. */
export interface ConnectOptions extends CommonTlsOptions {
  /** Host to connect to (default 'localhost'). */
  host?: string;
  /** Port to connect to. */
  port?: number;
  /** SNI server name and the name expected in the certificate (default: `host` unless it is an IP address). */
  servername?: string;
  /**
   * Refuse a server whose certificate fails verification (default true): the handshake fails with
   * the alert the problem calls for and 'error' is emitted with node:tls's code
   * ('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', ...).
   * With false the handshake goes on, and `authorized` / `authorizationError` report the outcome.
   */
  rejectUnauthorized?: boolean;
  /**
   * node:tls `checkServerIdentity(hostname, cert)`: returns an Error when the certificate is not
   * for `hostname` (servername, else host, else 'localhost'). Called only for a chain that
   * verified. Default: typessl's own check (RFC 9525: subjectAltName DNS and IP entries, never
   * the subject CN), reporting ERR_TLS_CERT_ALTNAME_INVALID as node does.
   */
  checkServerIdentity?: CheckServerIdentity;
  /**
   * A session to resume: the bytes of an earlier connection's `getSession()` or 'session' event
   * (a Buffer, as in node:tls). A `Session` object is taken too.
   */
  session?: Uint8Array | Session;
  /** An existing, connected stream to run TLS over (STARTTLS); host/port are then not used. */
  socket?: Duplex;
  /** Connect timeout etc. are the socket's own: pass a ready `socket` to control them. */
}

/** Options of `createServer()` (typessl/node), mirroring node:tls `createServer()`. */
export interface ServerOptions extends CommonTlsOptions {
  /**
   * Ask each client for a certificate and verify it against `ca` (default: node's root
   * certificates, `tls.rootCertificates`). The outcome is the socket's `authorized` /
   * `authorizationError`; `getPeerCertificate()` returns the client's certificate (TLS 1.3 and 1.2).
   */
  requestCert?: boolean;
  /**
   * With `requestCert`: refuse clients without a certificate that verifies (default true). The
   * handshake fails with the alert the problem calls for (certificate_required, unknown_ca, ...)
   * and the server emits 'tlsClientError' with node:tls's code. With false every client gets in
   * and `authorized` / `authorizationError` tell the outcome.
   */
  rejectUnauthorized?: boolean;
}

/** Turns node:tls-style PEM input into one PEM string (undefined for none). */
export function pemText(input: PemInput | undefined): string | undefined {
  if (input === undefined) return undefined;
  const parts = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  const text = parts.map((p) => (typeof p === 'string' ? p : new TextDecoder().decode(p))).join('\n');
  return text.length > 0 ? text : undefined;
}

const BUNDLED_ONLY: ReadonlySet<'bundled'> = new Set(['bundled'] as const);

/** Whether a context made from these options trusts node's root certificates (no `ca` given, as in node:tls). */
function usesDefaultRoots(options: CommonTlsOptions): boolean {
  return pemText(options.ca) === undefined && options.context?.ca === undefined && options.context?.trustedCertificates === undefined;
}

/**
 * The anchors a context made by {@link contextFromOptions} from `options` verifies with: its
 * explicit ones and, without `ca`, node's root certificates.
 */
export function anchorsFromOptions(ctx: SslContext, options: CommonTlsOptions): TrustStore {
  return usesDefaultRoots(options) ? joinPlatformRoots(ctx.trustStore, BUNDLED_ONLY) : ctx.trustStore;
}

/** What a context made from options needs beyond the options themselves. */
export interface ContextExtras {
  /** Client: the verify callback of this one connection (see ServerVerdict). */
  verifyCallback?: VerifyCallback;
}

/**
 * The SslContext for node:tls-style options (a given `secureContext` is used as it is). Trust is
 * `ca` when given, else node's root certificates (`tls.rootCertificates`), as in node:tls.
 * Clients always verify; the verify callback (a ServerVerdict's) decides what a problem does.
 * Servers ask for client certificates only with `requestCert`.
 */
export function contextFromOptions(options: CommonTlsOptions & Pick<ServerOptions, 'requestCert' | 'rejectUnauthorized'>, role: 'client' | 'server', extras: ContextExtras = {}): SslContext {
  if (options.secureContext) return options.secureContext;
  const settings: SslContextOptions = { ...options.context };
  const ca = pemText(options.ca);
  const cert = pemText(options.cert);
  const key = pemText(options.key);
  if (ca !== undefined) settings.ca = ca;
  else if (usesDefaultRoots(options)) settings.useBundledRoots = true;
  if (cert !== undefined) settings.certificate = cert;
  if (key !== undefined) settings.privateKey = key;
  if (options.ALPNProtocols) settings.alpnProtocols = [...options.ALPNProtocols];
  if (options.ignoreUnexpectedEof) settings.options = (settings.options ?? 0) | SSL_OP_IGNORE_UNEXPECTED_EOF;
  if (options.minVersion) settings.minVersion = options.minVersion;
  if (options.maxVersion) settings.maxVersion = options.maxVersion;
  applyCiphers(settings, options.ciphers);
  const groups = groupsFromEcdhCurve(options.ecdhCurve);
  if (groups !== undefined) settings.groups = groups;
  if (role === 'server' && (cert === undefined || key === undefined) && !options.context?.certificate) {
    throw new TypeError('createServer: a server needs `cert` and `key` (or a `secureContext`)');
  }
  if (role === 'client') {
    if (extras.verifyCallback) settings.verifyCallback = extras.verifyCallback;
  } else if (options.requestCert) {
    // node:tls: requestCert is SSL_VERIFY_PEER; rejectUnauthorized (default true) adds
    // FAIL_IF_NO_PEER_CERT and lets a failed verification end the handshake. Without it every
    // problem is accepted and the verification result is read back for authorizationError.
    const reject = options.rejectUnauthorized !== false;
    settings.verifyMode = SSL_VERIFY_PEER | (reject ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
    if (!reject) settings.verifyCallback = acceptEveryCertificate;
  }
  return new SslContext(settings);
}

/** node:tls's two parts of a `ciphers` string. */
export interface CipherParts {
  /** The `TLS_` entries, joined with ':' (TLS 1.3 suites; '' for none). */
  tls13: string;
  /** The other entries, joined with ':' (a TLS 1.2 cipher string; '' for none). */
  tls12: string;
}

/** A node:tls-style TypeError with its `code`. */
function argError(message: string, code: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE'): TypeError {
  return Object.assign(new TypeError(message), { code });
}

/** Refuses, as node:tls, an option that is neither a string nor absent (a JavaScript caller's mistake). */
function checkString(value: unknown, name: string): value is string {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'string') throw argError(`The "options.${name}" property must be of type string. Received type ${typeof value}`, 'ERR_INVALID_ARG_TYPE');
  return true;
}

/**
 * Splits a node:tls `ciphers` string as node does (Node 20's processCiphers): entries between
 * ':' that start with `TLS_` are TLS 1.3 suites, the others the TLS 1.2 cipher string; empty
 * entries are dropped. Both parts empty is a TypeError with code ERR_INVALID_ARG_VALUE.
 */
export function splitCiphers(ciphers: string): CipherParts {
  const entries = ciphers.split(':').filter((e) => e.length > 0);
  const tls13 = entries.filter((e) => e.startsWith('TLS_')).join(':');
  const tls12 = entries.filter((e) => !e.startsWith('TLS_')).join(':');
  if (tls13 === '' && tls12 === '') throw argError(`The property 'options.ciphers' is invalid: it names no cipher suite. Received '${ciphers}'`, 'ERR_INVALID_ARG_VALUE');
  return { tls13, tls12 };
}

/** `ciphers` into the settings, with node:tls's rules (see CommonTlsOptions.ciphers). */
function applyCiphers(settings: SslContextOptions, ciphers: unknown): void {
  if (!checkString(ciphers, 'ciphers') || ciphers === '') return;
  const { tls13, tls12 } = splitCiphers(ciphers);
  if (tls13 !== '') settings.ciphersuites = tls13;
  // An empty TLS 1.2 part means no TLS 1.2 suite (node:tls), which only an empty array says.
  settings.cipherList = tls12 !== '' ? tls12 : [];
  if (tls12 === '' && (settings.maxVersion ?? 'TLSv1.3') === 'TLSv1.3') settings.minVersion = 'TLSv1.3';
}

/**
 * Group names OpenSSL takes in a groups list that typessl does not implement (lower case):
 * `ecdhCurve` skips them, as OpenSSL leaves out what it cannot use.
 */
const GROUPS_TYPESSL_LACKS: ReadonlySet<string> = new Set([
  'p-521', 'secp521r1', 'x448', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192',
  'p-224', 'secp224r1', 'p-192', 'secp192r1', 'prime192v1', 'secp256k1', 'brainpoolp256r1', 'brainpoolp384r1', 'brainpoolp512r1',
]);

/** The `groups` setting for a node:tls `ecdhCurve` (undefined: 'auto' or absent, the default groups). */
function groupsFromEcdhCurve(curve: unknown): string | undefined {
  if (!checkString(curve, 'ecdhCurve') || curve === 'auto') return undefined;
  const names = curve.split(':').filter((n) => n.length > 0);
  const kept = names.filter((n) => !GROUPS_TYPESSL_LACKS.has(n.toLowerCase()));
  if (kept.length === 0) {
    throw new Error(`ecdhCurve "${curve}" names no key exchange group typessl implements (X25519, P-256 / prime256v1, P-384 / secp384r1, or 'auto')`);
  }
  return kept.join(':');
}

/** The verify callback of `rejectUnauthorized: false`: every verification problem is accepted. */
function acceptEveryCertificate(): boolean {
  return true;
}
