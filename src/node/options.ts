import type { Duplex } from 'node:stream';
import type { SocketBioOptions } from '../bio/socket.js';
import type { EngineConfig, PeerCertificateInfo } from '../engine/config.js';
import { SSL_OP_IGNORE_UNEXPECTED_EOF } from '../ssl/constants.js';
import { SslContext, type SslContextOptions } from '../ssl/context.js';
import type { Session } from '../ssl/session.js';
import { TlsFailure } from '../wire/errors.js';

/** PEM text as node:tls accepts it: a string, a Buffer, or a list of them. */
export type PemInput = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/** Protocol versions, spelled as in node:tls. */
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/**
 * Options shared by clients and servers. Where a name exists in node:tls it means the same thing
 * here; the others are typessl's own and say so.
 */
export interface CommonTlsOptions extends SocketBioOptions {
  /** A ready context (OpenSSL SSL_CTX); when given, ca/cert/key/ALPNProtocols/min/maxVersion are not used. */
  secureContext?: SslContext;
  /** Trusted certificates (PEM). Today typessl trusts them as exact matches of the peer's leaf certificate. */
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
  /** Any further SslContext settings (ciphersuites, groups, ...), for contexts this module makes. */
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
   * Refuse a server whose certificate fails verification (default true). With false the handshake
   * goes on, and `authorized` / `authorizationError` report the outcome.
   */
  rejectUnauthorized?: boolean;
  /** A session from an earlier connection's getSession() / 'session' event, offered for resumption. */
  session?: Session;
  /** An existing, connected stream to run TLS over (STARTTLS); host/port are then not used. */
  socket?: Duplex;
  /** Connect timeout etc. are the socket's own: pass a ready `socket` to control them. */
}

/** Options of `createServer()` (typessl/node), mirroring node:tls `createServer()`. */
export interface ServerOptions extends CommonTlsOptions {
  /** Server: the certificate verification of client certificates is not implemented yet (see README). */
  requestCert?: false;
}

/** Turns node:tls-style PEM input into one PEM string (undefined for none). */
export function pemText(input: PemInput | undefined): string | undefined {
  if (input === undefined) return undefined;
  const parts = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  const text = parts.map((p) => (typeof p === 'string' ? p : new TextDecoder().decode(p))).join('\n');
  return text.length > 0 ? text : undefined;
}

/** Why verification failed, per connection: the engine config of that connection is the key. */
const verifyFailures = new WeakMap<EngineConfig, TlsFailure>();

/**
 * A context that checks the server's certificate but does not stop the handshake when the check
 * fails (OpenSSL's SSL_VERIFY_NONE with SSL_get_verify_result, node:tls' rejectUnauthorized:
 * false): the failure is recorded for that connection and read back with {@link verifyFailure}.
 */
class RecordingVerifyContext extends SslContext {
  override engineConfig(role: 'client' | 'server', serverName: string | null): EngineConfig {
    const cfg = super.engineConfig(role, serverName);
    const check = cfg.verifyPeer;
    if (check) {
      cfg.verifyPeer = (info: PeerCertificateInfo) => {
        try {
          check(info);
        } catch (e) {
          if (!(e instanceof TlsFailure)) throw e;
          verifyFailures.set(cfg, e);
        }
      };
    }
    return cfg;
  }
}

/**
 * The verification failure recorded for a connection whose context does not reject unauthorized
 * peers, or null (verified, or verification stops the handshake).
 */
export function verifyFailure(cfg: EngineConfig): TlsFailure | null {
  return verifyFailures.get(cfg) ?? null;
}

/** The SslContext for node:tls-style options (a given `secureContext` is used as it is). */
export function contextFromOptions(options: CommonTlsOptions & { rejectUnauthorized?: boolean }, role: 'client' | 'server'): SslContext {
  if (options.secureContext) return options.secureContext;
  const settings: SslContextOptions = { ...options.context };
  const ca = pemText(options.ca);
  const cert = pemText(options.cert);
  const key = pemText(options.key);
  if (ca !== undefined) settings.trustedCertificates = ca;
  if (cert !== undefined) settings.certificate = cert;
  if (key !== undefined) settings.privateKey = key;
  if (options.ALPNProtocols) settings.alpnProtocols = [...options.ALPNProtocols];
  if (options.ignoreUnexpectedEof) settings.options = (settings.options ?? 0) | SSL_OP_IGNORE_UNEXPECTED_EOF;
  if (options.minVersion) settings.minVersion = options.minVersion;
  if (options.maxVersion) settings.maxVersion = options.maxVersion;
  if (role === 'server' && (cert === undefined || key === undefined) && !options.context?.certificate) {
    throw new TypeError('createServer: a server needs `cert` and `key` (or a `secureContext`)');
  }
  return role === 'client' && options.rejectUnauthorized === false ? new RecordingVerifyContext(settings) : new SslContext(settings);
}
