import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { SocketBio } from '../bio/socket.js';
import { AsyncSsl, SslError, streamError } from '../ssl/async-ssl.js';
import type { SslContext } from '../ssl/context.js';
import { Session } from '../ssl/session.js';
import { sessionFromBytes, sessionToBytes } from '../ssl/session-codec.js';
import { Ssl } from '../ssl/ssl.js';
import { Reason } from '../wire/errors.js';
import { X509_V_OK } from '../x509/verify-result.js';
import { chainError, clientAuthorizationError, ServerVerdict, type CheckServerIdentity } from './authorization.js';
import type { TrustStore } from '../x509/anchors.js';
import { anchorsFromOptions, contextFromOptions, type CommonTlsOptions } from './options.js';
import { peerCertificate, type PeerCertificate } from './peer-certificate.js';

/** Plaintext asked for per read: one full TLS record. */
const READ_SIZE = 16384;

/** Options of `new TLSSocket()`. connect() and createServer() fill them from their own options. */
export interface TLSSocketOptions extends CommonTlsOptions {
  /** Server side (default false: client). */
  isServer?: boolean;
  /** Client: SNI name, and the name the certificate must carry. */
  servername?: string;
  /** Client: the host connected to; the certificate must be for it when there is no `servername` (node:tls). */
  host?: string;
  /**
   * Client: refuse a server whose certificate fails verification (default true). With false the
   * handshake goes on and `authorized` / `authorizationError` tell the outcome. Server: with
   * `requestCert`, refuse clients without a valid certificate (default true). With a
   * `secureContext` the context's own verify settings decide instead.
   */
  rejectUnauthorized?: boolean;
  /** Client: node:tls `checkServerIdentity` (see ConnectOptions). */
  checkServerIdentity?: CheckServerIdentity;
  /** Server: ask for a client certificate (see ServerOptions). */
  requestCert?: boolean;
  /** Client: a session to offer for resumption: `getSession()` / 'session' bytes, or a Session. */
  session?: Uint8Array | Session;
  /**
   * Server: the anchors its `secureContext` verifies client certificates with, to verify again
   * the certificate a resumed session holds (createServer sets it; without it a resumed
   * connection keeps the verification result of the handshake).
   */
  trustAnchors?: () => TrustStore;
  /**
   * Server: called instead of emitting 'error' when the handshake fails (the server turns it into
   * 'tlsClientError', as node:tls does); the socket is then destroyed without an error.
   */
  onHandshakeError?: (error: Error, socket: TLSSocket) => void;
}

/** node:tls `getCipher()`. */
export interface CipherInfo {
  /** OpenSSL's name (the IANA name for TLS 1.3 suites). */
  name: string;
  /** The IANA name. */
  standardName: string;
  /** Protocol version of the suite. */
  version: string;
}

/** A deferred promise whose outcome is settled from outside. */
interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A rejection nobody waits for must not become an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** A session's bytes (see session-codec.ts) as the Buffer node:tls hands out. */
function sessionBuffer(session: Session): Buffer {
  const bytes = sessionToBytes(session);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/**
 * A TLS connection as a `stream.Duplex`, with the surface of node:tls `TLSSocket`: write
 * plaintext, read plaintext; 'secureConnect' (client) / 'secure' once the handshake is done;
 * `authorized`, `alpnProtocol`, `getPeerCertificate()`, `getProtocol()`, `getCipher()`,
 * `exportKeyingMaterial()`, `getFinished()`, 'session' and 'keylog' events.
 *
 * Shutdown works the way a stream user expects (issue 7, D-7):
 * - `end()` sends close_notify after everything written before it, then ends the transport (FIN);
 * - `await shutdown()` is the bidirectional close: it ends our side and resolves once the peer's
 *   close_notify has arrived (data the peer sends before it is still delivered: keep reading);
 * - 'end' is emitted for the peer's close_notify, and only for it: a transport that closes
 *   without close_notify destroys the socket with an error whose `code` is 'ERR_TLS_TRUNCATED'
 *   (unless `ignoreUnexpectedEof` was set);
 * - after the peer's close_notify, a TLS 1.2 connection always answers with its own; a TLS 1.3
 *   connection keeps its write side open only with `allowHalfOpen: true`.
 *
 * Backpressure holds both ways: `write()` returns false while the transport is full (the TLS
 * layer waits for 'drain' before encrypting more), and the socket stops reading from the
 * transport while the application does not read (TCP then stops the peer).
 *
 * The transport is any connected `stream.Duplex`, usually a `net.Socket`; it belongs to this
 * socket from now on and is destroyed with it. It should have `allowHalfOpen: true` (connect()
 * and createServer() make it so) for half-closed TLS conversations.
 */
export class TLSSocket extends Duplex {
  /** Always true (node:tls sets it for TLS sockets; http uses it to tell https). */
  readonly encrypted = true;
  /**
   * Whether the peer's certificate was verified: a client's view of the server; a server's view
   * of the client when it asked for a certificate (`requestCert`), else false (node:tls).
   */
  authorized = false;
  /**
   * Why the peer is not authorized, as node:tls's code ('DEPTH_ZERO_SELF_SIGNED_CERT',
   * 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT' for a client that sent none, ...),
   * else null.
   */
  authorizationError: string | null = null;
  /** The ALPN protocol agreed on; false when none (null before the handshake). */
  alpnProtocol: string | false | null = null;
  /** Client: the name sent in SNI. Server: the name the client asked for. false when none. */
  servername: string | false = false;
  /** The synchronous connection (OpenSSL model) under this socket. */
  readonly ssl: Ssl;
  /** The transport (a net.Socket, or the stream given for STARTTLS). */
  readonly transport: Duplex;

  private readonly tls: AsyncSsl<SocketBio>;
  private readonly isServer: boolean;
  private readonly onHandshakeError: TLSSocketOptions['onHandshakeError'];
  /** Client with a context of its own: judges the server the node:tls way. */
  private readonly verdict: ServerVerdict | null = null;
  /** Server: whether client certificates were asked for. */
  private readonly requestCert: boolean;
  /** Server: whether a client whose certificate fails is refused. */
  private readonly rejectClients: boolean;
  /** The anchors this connection's certificate verification uses, for resumed sessions (null: unknown). */
  private readonly anchors: (() => TrustStore) | null;
  private readonly ctx: SslContext;
  /** Settles when the handshake has finished (resolves false if it failed). */
  private readonly ready: Promise<boolean>;
  private secure = false;
  /** Wakes the read pump when the application wants more data. */
  private readWanted: (() => void) | null = null;
  /** The peer's close_notify (resolved) or a failure first (rejected). */
  private readonly peerClosed = deferred();
  /** Tickets already announced with 'session'. */
  private ticketsSeen = 0;
  /** Client: the TLS 1.2 ticket of the session offered (a renewed one is announced again). */
  private offeredTicket12: Uint8Array | null = null;
  /** Whether a handshake failure put an alert on the wire, so the transport is ended gently. */
  private alertQueued = false;

  constructor(transport: Duplex, options: TLSSocketOptions = {}) {
    super({ allowHalfOpen: options.allowHalfOpen === true, decodeStrings: true });
    this.transport = transport;
    this.isServer = options.isServer === true;
    this.onHandshakeError = options.onHandshakeError;
    this.requestCert = this.isServer && (options.secureContext ? options.secureContext.getVerifyMode() !== 0 : options.requestCert === true);
    // node:tls checks the certificate against servername, else host, else 'localhost'.
    const hostname = options.servername || options.host || 'localhost';
    if (!this.isServer && !options.secureContext) {
      this.verdict = new ServerVerdict(hostname, options.rejectUnauthorized !== false, options.checkServerIdentity);
    }
    const ctx: SslContext = contextFromOptions(options, this.isServer ? 'server' : 'client', this.verdict ? { verifyCallback: this.verdict.callback } : {});
    this.ctx = ctx;
    this.rejectClients = this.requestCert && options.rejectUnauthorized !== false;
    this.anchors = options.trustAnchors ?? (options.secureContext ? null : () => anchorsFromOptions(ctx, options));
    const ssl = new Ssl(ctx);
    this.ssl = ssl;
    if (this.isServer) ssl.setAcceptState();
    else {
      ssl.setConnectState();
      if (options.servername) {
        ssl.setServerName(options.servername);
        this.servername = options.servername;
      }
      ssl.setHost(hostname);
      if (options.session) {
        const offered = options.session instanceof Session ? options.session : sessionFromBytes(options.session);
        this.offeredTicket12 = offered.ticket12;
        ssl.setSession(offered);
      }
    }
    ssl.setKeyLog((label, random, secret) => {
      if (this.listenerCount('keylog') > 0) this.emit('keylog', Buffer.from(`${label} ${hex(random)} ${hex(secret)}\n`));
    });
    const bioOptions: ConstructorParameters<typeof SocketBio>[1] = {};
    if (options.writeHighWaterMark !== undefined) bioOptions.writeHighWaterMark = options.writeHighWaterMark;
    if (options.readHighWaterMark !== undefined) bioOptions.readHighWaterMark = options.readHighWaterMark;
    this.tls = new AsyncSsl(ssl, new SocketBio(transport, bioOptions));
    // Made first and then stored (a literal assigned straight to a property would be allocated
    // in V8's old generation: test/ssl/young-closures.test.ts).
    const onStep = (): void => this.noticeTickets();
    this.tls.onStep = onStep;
    transport.on('connect', () => this.emit('connect'));
    transport.on('timeout', () => this.emit('timeout'));
    this.ready = this.handshake();
  }

  // ----------------------------------------------------------- handshake

  private async handshake(): Promise<boolean> {
    try {
      await this.tls.handshake();
    } catch (e) {
      const err = this.verificationError(e) ?? streamError(e);
      this.alertQueued = e instanceof SslError && e.alert?.direction === 'sent';
      if (this.onHandshakeError) {
        this.onHandshakeError(err, this);
        this.destroy();
      } else this.destroy(err);
      return false;
    }
    const ssl = this.ssl;
    this.alpnProtocol = ssl.getAlpnSelected() ?? false;
    if (this.isServer) this.servername = ssl.getNegotiated()?.serverName ?? false;
    if (this.isServer) {
      const anchors = ssl.sessionReused() && this.anchors ? this.anchors() : null;
      this.authorizationError = this.requestCert ? clientAuthorizationError(ssl, this.ctx, anchors) : null;
      this.authorized = this.requestCert && this.authorizationError === null;
      if (!this.authorized && this.rejectClients) {
        // Only a resumed session gets here (a full handshake refused the client already): its
        // certificate no longer verifies. node:tls closes such a connection without a word too.
        const err = Object.assign(new Error(`the resumed session's client certificate no longer verifies: ${this.authorizationError}`), { code: this.authorizationError });
        this.alertQueued = false;
        if (this.onHandshakeError) {
          this.onHandshakeError(err, this);
          this.destroy();
        } else this.destroy(err);
        return false;
      }
    } else {
      if (this.verdict && ssl.sessionReused() && this.anchors) this.verdict.judgeStored(ssl.getPeerCertificates(), this.ctx, this.anchors());
      const code = ssl.getVerifyResult();
      const failure = this.verdict ? this.verdict.error() : code === X509_V_OK ? null : chainError(code, ssl.getPeerCertificates().length);
      this.authorized = failure === null;
      this.authorizationError = failure ? ((failure as { code?: string }).code ?? failure.message) : null;
      if (failure && this.verdict?.rejects) {
        // Only a resumed session gets here (a full handshake refused the server already): its
        // certificate no longer passes. node:tls destroys such a connection the same way.
        this.destroy(failure);
        return false;
      }
    }
    this.secure = true;
    if (!this.isServer && ssl.getVersion() === 'TLSv1.2') this.noticeSession12();
    this.emit(this.isServer ? 'secure' : 'secureConnect');
    void this.pump();
    return true;
  }

  /**
   * A failed handshake's error as node:tls reports it when the cause is a certificate: node's
   * `code` ('CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', ...), typessl's error as `cause`.
   */
  private verificationError(e: unknown): Error | null {
    if (!(e instanceof SslError) || e.reason !== Reason.SSL_R_CERTIFICATE_VERIFY_FAILED || e.alert?.direction !== 'sent') return null;
    const err = this.verdict ? this.verdict.error() : chainError(this.ssl.getVerifyResult(), this.ssl.getPeerCertificates().length, this.ssl.getVerifyInfo()?.message);
    if (err) err.cause = e;
    return err;
  }

  /**
   * TLS 1.2 (client): the session is complete with the handshake, so 'session' is emitted then,
   * as node:tls does, for a new resumable session or a resumed one whose ticket the server renewed.
   */
  private noticeSession12(): void {
    const session = this.ssl.getSession();
    if (!session?.isResumable() || this.listenerCount('session') === 0) return;
    const renewed = session.ticket12 !== null && (this.offeredTicket12 === null || Buffer.compare(session.ticket12, this.offeredTicket12) !== 0);
    if (!this.ssl.sessionReused() || renewed) this.emit('session', sessionBuffer(session));
  }

  /** Emits 'session' (the session's bytes, as node:tls) for each TLS 1.3 ticket that arrived (client side). */
  private noticeTickets(): void {
    if (this.isServer) return;
    const session = this.ssl.getSession();
    const n = session?.tickets.length ?? 0;
    if (session && n > this.ticketsSeen) {
      this.ticketsSeen = n;
      if (this.listenerCount('session') > 0) this.emit('session', sessionBuffer(session));
    }
  }

  // ------------------------------------------------------------- reading

  /** Moves decrypted data into the stream, honouring backpressure, until close_notify or an error. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.tls.read(READ_SIZE);
        if (this.destroyed) return;
        if (chunk === null) {
          this.peerCloseNotify();
          return;
        }
        if (!this.push(chunk)) await new Promise<void>((resolve) => (this.readWanted = resolve));
        if (this.destroyed) return;
      }
    } catch (e) {
      if (!this.destroyed) this.destroy(streamError(e));
    }
  }

  private peerCloseNotify(): void {
    this.peerClosed.resolve();
    this.push(null);
    // D-7: TLS 1.2 answers a close_notify (RFC 5246 7.2.1) whatever allowHalfOpen says; TLS 1.3
    // leaves it to Duplex: without allowHalfOpen it ends our side once 'end' was emitted.
    if (this.ssl.getVersion() === 'TLSv1.2' && !this.writableEnded) this.end();
  }

  override _read(): void {
    const wake = this.readWanted;
    this.readWanted = null;
    wake?.();
  }

  // ------------------------------------------------------------- writing

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send(chunk, callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    // Many small writes become full records instead of one record each.
    this.send(Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  /** Encrypts and sends once the handshake is done; the callback waits for room in the transport. */
  private send(chunk: Buffer, callback: (error?: Error | null) => void): void {
    this.ready
      .then((ok) => (ok ? this.tls.write(chunk) : undefined))
      .then(
        () => callback(),
        (e: unknown) => callback(streamError(e)),
      );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.ready
      .then(async (ok) => {
        if (!ok) return;
        // The first shutdown step queues close_notify after everything written so far; the
        // transport then ends (FIN) once it has sent it all.
        await this.tls.shutdown();
        await this.tls.bio.endWrite();
      })
      .then(
        () => callback(),
        (e: unknown) => callback(streamError(e)),
      );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.peerClosed.reject(error ?? Object.assign(new Error('the socket was destroyed before the peer sent close_notify'), { code: 'ERR_STREAM_DESTROYED' }));
    const wake = this.readWanted;
    this.readWanted = null;
    wake?.();
    const t = this.transport;
    if (this.alertQueued && !t.destroyed && !t.writableEnded) {
      // Our fatal alert is queued in the transport: let it out, then close.
      t.end(() => t.destroy());
    } else t.destroy();
    callback(error);
  }

  // ------------------------------------------------------------ shutdown

  /**
   * The bidirectional close (SSL_shutdown until it returns 1, the "blocking" form of D-6): sends
   * close_notify after all written data (like `end()`) and resolves once the peer's close_notify
   * has arrived. Data the peer still sends is delivered as usual, so keep reading (or be in
   * flowing mode); close_notify is only seen after it. Rejects if the connection fails first,
   * e.g. with ERR_TLS_TRUNCATED when the transport closes without close_notify.
   */
  async shutdown(): Promise<void> {
    if (!this.writableEnded) this.end();
    const sent = new Promise<void>((resolve, reject) => {
      if (this.writableFinished) resolve();
      else {
        this.once('finish', resolve);
        this.once('close', () => (this.writableFinished ? resolve() : reject(this.errored ?? new Error('the socket closed before close_notify was sent'))));
      }
    });
    await Promise.all([sent, this.peerClosed.promise]);
  }

  // --------------------------------------------------------- information

  /** Whether the handshake has completed. */
  get secureEstablished(): boolean {
    return this.secure;
  }

  /** "TLSv1.3" / "TLSv1.2", or null before the handshake (node:tls). */
  getProtocol(): string | null {
    return this.secure ? this.ssl.getVersion() : null;
  }

  /** The cipher suite (node:tls shape), or undefined before the handshake. */
  getCipher(): CipherInfo | undefined {
    const suite = this.ssl.getNegotiated()?.suite;
    if (!this.secure || !suite) return undefined;
    return { name: suite.opensslName, standardName: suite.name, version: suite.version };
  }

  /** The peer's certificate (node:tls shape); `{}` when it sent none. `detailed` links the chain. */
  getPeerCertificate(detailed = false): PeerCertificate | Record<string, never> {
    return peerCertificate(this.ssl.getPeerCertificates(), detailed);
  }

  /** Our certificate is not tracked per connection yet; node:tls returns `{}` when unknown. */
  getCertificate(): Record<string, never> {
    return {};
  }

  /**
   * The session as bytes (node:tls: a Buffer), for a later `connect({ session })`, or undefined
   * before the handshake. A TLS 1.3 session can be resumed once a ticket has arrived (the
   * 'session' event); `Session.fromBytes`-style decoding is `sessionFromBytes`.
   */
  getSession(): Buffer | undefined {
    const session = this.ssl.getSession();
    return session ? sessionBuffer(session) : undefined;
  }

  /** Whether the handshake resumed a session. */
  isSessionReused(): boolean {
    return this.ssl.sessionReused();
  }

  /**
   * Keying material exporter (RFC 8446 7.5 for TLS 1.3; RFC 5705 for TLS 1.2 once that version
   * lands), as node:tls `exportKeyingMaterial(length, label, context)`.
   */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Buffer {
    if (!this.secure) throw Object.assign(new Error('exportKeyingMaterial before the handshake completed'), { code: 'ERR_TLS_INVALID_STATE' });
    const out = this.ssl.exportKeyingMaterial(label, context ?? new Uint8Array(0), length);
    return Buffer.from(out.buffer, out.byteOffset, out.length);
  }

  /** verify_data of the Finished message we sent, or undefined before it was sent (node:tls). */
  getFinished(): Buffer | undefined {
    const f = this.ssl.getFinished();
    return f ? Buffer.from(f) : undefined;
  }

  /** verify_data of the peer's Finished message, or undefined before it arrived (node:tls). */
  getPeerFinished(): Buffer | undefined {
    const f = this.ssl.getPeerFinished();
    return f ? Buffer.from(f) : undefined;
  }

  // ----------------------------------------------- transport passthrough

  private get netSocket(): Partial<Socket> {
    return this.transport as Partial<Socket>;
  }

  /** Passed to the transport (net.Socket). */
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.netSocket.setKeepAlive?.(enable, initialDelay);
    return this;
  }

  /** Passed to the transport (net.Socket). */
  setNoDelay(noDelay?: boolean): this {
    this.netSocket.setNoDelay?.(noDelay);
    return this;
  }

  /** Idle timeout of the transport; 'timeout' is re-emitted here. */
  setTimeout(ms: number, callback?: () => void): this {
    this.netSocket.setTimeout?.(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }

  /** Passed to the transport. */
  ref(): this {
    this.netSocket.ref?.();
    return this;
  }

  /** Passed to the transport. */
  unref(): this {
    this.netSocket.unref?.();
    return this;
  }

  /** net.Socket's destroySoon (used by node:http): end (close_notify), then destroy once flushed. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** The transport's address(). */
  address(): ReturnType<Socket['address']> | Record<string, never> {
    return this.netSocket.address?.() ?? {};
  }

  get remoteAddress(): string | undefined {
    return this.netSocket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.netSocket.remotePort;
  }

  get remoteFamily(): string | undefined {
    return this.netSocket.remoteFamily;
  }

  get localAddress(): string | undefined {
    return this.netSocket.localAddress;
  }

  get localPort(): number | undefined {
    return this.netSocket.localPort;
  }

  /** Whether the transport is still connecting (net.Socket). */
  get connecting(): boolean {
    return this.netSocket.connecting === true;
  }

  /** Whether the transport is not connected yet (net.Socket `pending`). */
  get pending(): boolean {
    return this.netSocket.pending === true;
  }
}
