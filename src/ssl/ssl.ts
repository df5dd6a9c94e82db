import { BIO_EOF, BIO_ERROR, BIO_RETRY, type Bio } from '../bio/bio.js';
import { Connection, type Negotiated, type RecordEvent } from '../engine/connection.js';
import { AlertDescription, nameOf, NamedGroup, SignatureScheme } from '../wire/enums.js';
import { Reason, TlsFailure, withoutStackTrace } from '../wire/errors.js';
import {
  SSL_ERROR_NONE,
  SSL_ERROR_SSL,
  SSL_ERROR_SYSCALL,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_WANT_WRITE,
  SSL_ERROR_ZERO_RETURN,
  SSL_RECEIVED_SHUTDOWN,
  SSL_SENT_SHUTDOWN,
  type SslErrorCode,
} from './constants.js';
import type { SslContext } from './context.js';
import type { Session } from './session.js';
import { SessionKeeper } from './session-keeper.js';
import { describeVerifyFailure } from './peer-verifier.js';
import type { CertificateVerifyResult } from '../x509/verify.js';
import { verifyErrorName, verifyErrorString, X509_V_OK } from '../x509/verify-result.js';

/** The outcome of the peer certificate verification, explained (see `Ssl.getVerifyInfo`). */
export interface VerifyInfo {
  /** X509_V_OK or an X509_V_ERR_* code (what getVerifyResult returns). */
  code: number;
  /** The code's constant name, e.g. `X509_V_ERR_CERT_HAS_EXPIRED`. */
  name: string;
  /** OpenSSL's short text, e.g. `certificate has expired`. */
  text: string;
  /** Chain position of the certificate concerned (0 = the peer's own), -1 when ok. */
  depth: number;
  /** That certificate's subject, when there is one. */
  subject: string | null;
  /** Which certificate, which check, and what to fix. */
  message: string;
  /** Whether the handshake accepted the certificate (no error, or the callback accepted it). */
  accepted: boolean;
}

/** What went wrong in the last I/O call (per connection: there is no global error queue). */
export interface SslErrorInfo {
  /** The `getError()` code of the call. */
  code: SslErrorCode;
  /** OpenSSL-style reason, for SSL_ERROR_SSL and SSL_ERROR_SYSCALL. */
  reason: Reason | null;
  /** The alert sent (ours) or received (the peer's) with this error, if any. */
  alert: { description: number; name: string; direction: 'sent' | 'received' } | null;
  /** A sentence for people. */
  message: string;
}

/** Outcome of pulling one record from the BIO into the engine. */
type Pull = RecordEvent | TlsFailure | 'retry' | 'eof' | 'bio_error';

const NONE: SslErrorInfo = Object.freeze({ code: SSL_ERROR_NONE, reason: null, alert: null, message: '' });
/** The outcomes of a call that must be retried: one object each for all connections, not one per call (an idle connection keeps its last). */
const WANT_READ_INFO: SslErrorInfo = Object.freeze({ code: SSL_ERROR_WANT_READ, reason: null, alert: null, message: 'waiting for data from the peer' });
const WANT_WRITE_INFO: SslErrorInfo = Object.freeze({ code: SSL_ERROR_WANT_WRITE, reason: null, alert: null, message: 'waiting for the transport to take data' });

/**
 * A clean verification result as the Ssl keeps it, one for all connections: what it reads of one
 * (getVerifyResult, getVerifyInfo) is the same for every clean result, and the verified path,
 * which nothing reads after the handshake, would cost an idle client about 130 bytes of heap (the
 * result object and the path's array).
 */
const VERIFIED: CertificateVerifyResult = Object.freeze({ ok: true, code: X509_V_OK, depth: -1, message: 'ok', chain: Object.freeze([]) });

/** The failure for a transport closed without close_notify (S-21), built without a stack trace (see withoutStackTrace). */
function unexpectedEofFailure(): TlsFailure {
  return withoutStackTrace(
    () => new TlsFailure(AlertDescription.decode_error, Reason.SSL_R_UNEXPECTED_EOF_WHILE_READING, 'the peer closed the transport without sending close_notify (possible truncation)'),
  );
}

// Ssl.state bits.
/** SSL_set_quiet_shutdown: shutdown() sets both flags and sends nothing (S-44). */
const QUIET = 1;
/** free() was called. */
const FREED = 2;
/** A KeyUpdate we queued has not reached the wbio yet: OpenSSL counts that as "in init" (S-34). */
const KEY_UPDATE_PENDING = 4;

/**
 * One TLS connection with OpenSSL's life cycle (OpenSSL `SSL`): `connect`/`accept`, `read`/`write`,
 * the two-step `shutdown()`, `getError()`, `getShutdown`/`setShutdown`, quiet shutdown, `clear`,
 * `free`. Synchronous: each call does what it can with the BIOs and returns, like OpenSSL on a
 * non-blocking BIO. `-1` plus `getError()` tells the caller what to wait for.
 */
export class Ssl {
  private rbio: Bio | null = null;
  private wbio: Bio | null = null;
  private role: 'client' | 'server' | null = null;
  private conn: Connection | null = null;
  private flags = 0;
  /** QUIET, FREED and KEY_UPDATE_PENDING, one bit each (one field instead of three per connection). */
  private state: number;
  private serverName: string | null = null;
  /** SSL_set1_host: the name the certificate must be for, when not the server name. */
  private host: string | null = null;
  /** The last peer certificate verification (null: none ran, or the peer sent no certificate). */
  private verifyResult: CertificateVerifyResult | null = null;
  private last: SslErrorInfo = NONE;
  /** Sticky fatal error: once set, every I/O call reports it again. */
  private fatal: SslErrorInfo | null = null;
  /** Ciphertext taken from the engine that the wbio has not accepted yet. */
  private outbuf: Uint8Array | null = null;
  /**
   * The unread rest of the last application data record, null when all of it was read. Never
   * more than one record: a read takes a new one from the engine only once this is empty, and the
   * engine hands out no empty ones.
   */
  private appData: Uint8Array | null = null;
  /** What the last readView took (handed over by readView itself). */
  private lastView: Uint8Array | null = null;
  /** Length of a write() whose records are encrypted but not yet all flushed (retry semantics). */
  private pendingWriteLength = -1;
  /** Session bookkeeping and OpenSSL's keep-or-evict rules (S-46..S-49). */
  private readonly sessions: SessionKeeper;
  /** Optional trace observer, kept across `clear()`. */
  private traceObserver: Connection['onTrace'] = null;
  /** Optional key log observer (SSLKEYLOGFILE lines), kept across `clear()`. */
  private keyLogObserver: Connection['onKeyLog'] = null;

  constructor(readonly ctx: SslContext) {
    this.state = ctx.getQuietShutdown() ? QUIET : 0;
    this.sessions = new SessionKeeper(ctx);
  }

  // ------------------------------------------------------------------ setup

  /** SSL_set_bio: the BIOs to read ciphertext from and write it to (may be the same object). */
  setBio(rbio: Bio, wbio: Bio = rbio): void {
    this.rbio = rbio;
    this.wbio = wbio;
  }

  /** SSL_set_connect_state: this side is the client. */
  setConnectState(): void {
    this.role = 'client';
  }

  /** SSL_set_accept_state: this side is the server. */
  setAcceptState(): void {
    this.role = 'server';
  }

  /** SSL_set_tlsext_host_name: the server name to send (SNI) and to expect in the certificate. */
  setServerName(name: string): void {
    this.serverName = name;
  }

  /**
   * SSL_set1_host: the DNS name or IP address the server's certificate must be valid for, when
   * it differs from the SNI name (`setServerName`, which is also checked when this is not set).
   */
  setHost(name: string): void {
    this.host = name;
  }

  /**
   * SSL_get_verify_result: X509_V_OK, or the X509_V_ERR_* code of the peer certificate check
   * (also when the verify callback or `dangerouslySkipCertificateVerification` let the
   * handshake go on). X509_V_OK when no certificate was verified, as in OpenSSL.
   */
  getVerifyResult(): number {
    // A resumed handshake verifies nothing: the result is the one its session recorded.
    return this.verifyResult?.code ?? this.sessions.resumedSession()?.verifyResult ?? X509_V_OK;
  }

  /** The verification result explained: which certificate failed which check, and what to fix. */
  getVerifyInfo(): VerifyInfo | null {
    const r = this.verifyResult;
    if (!r) return null;
    return {
      code: r.code,
      name: verifyErrorName(r.code),
      text: verifyErrorString(r.code),
      depth: r.depth,
      subject: r.certificate?.subject ?? null,
      message: r.code === X509_V_OK ? 'ok' : describeVerifyFailure(r),
      accepted: r.ok,
    };
  }

  /** Observer for a message-level trace (`-msg`). */
  setTrace(observer: Connection['onTrace']): void {
    this.traceObserver = observer;
    if (this.conn) this.conn.onTrace = observer;
  }

  /**
   * Observer of traffic secrets, for NSS key log files (SSL_CTX_set_keylog_callback): called with
   * the label, the ClientHello random and the secret. Anyone holding these can decrypt the traffic.
   */
  setKeyLog(observer: Connection['onKeyLog']): void {
    this.keyLogObserver = observer;
    if (this.conn) this.conn.onKeyLog = observer;
  }

  // ------------------------------------------------------------- handshake

  /** SSL_connect: client handshake. 1 when done, else -1 (see getError). */
  connect(): number {
    this.setConnectState();
    return this.doHandshake();
  }

  /** SSL_accept: server handshake. 1 when done, else -1 (see getError). */
  accept(): number {
    this.setAcceptState();
    return this.doHandshake();
  }

  /** SSL_do_handshake: drives the handshake as far as the BIOs allow. */
  doHandshake(): number {
    const bad = this.begin();
    if (bad !== null) return bad;
    return this.handshakeStep();
  }

  /** SSL_is_init_finished. */
  isInitFinished(): boolean {
    return this.conn?.handshakeComplete === true && this.fatal === null;
  }

  private ensureConnection(): Connection {
    if (!this.conn) {
      this.verifyResult = null;
      this.sessions.verifyResult = X509_V_OK;
      const sink = (r: CertificateVerifyResult | null): void => {
        this.verifyResult = r !== null && r.ok && r.code === X509_V_OK ? VERIFIED : r;
        this.sessions.verifyResult = r?.code ?? X509_V_OK;
      };
      const conn = new Connection(this.sessions.instrument(this.ctx.engineConfig(this.role!, this.serverName, sink, this.host), this.role!), this.role!);
      this.sessions.attach(conn);
      conn.onTrace = this.traceObserver;
      conn.onKeyLog = this.keyLogObserver;
      this.conn = conn;
      conn.start();
    }
    return this.conn;
  }

  /** Runs the handshake; returns 1, or -1/0 with the error recorded. */
  private handshakeStep(): number {
    let conn: Connection;
    try {
      conn = this.ensureConnection();
    } catch (e) {
      return this.failWith(e instanceof TlsFailure ? e : new TlsFailure(AlertDescription.internal_error, Reason.SSL_R_INTERNAL_ERROR, (e as Error).message));
    }
    for (;;) {
      const flushed = this.flush();
      if (flushed !== 1) return flushed;
      if (conn.handshakeComplete) return 1;
      const ev = this.pull();
      if (ev === 'retry') return this.want(SSL_ERROR_WANT_READ);
      if (ev === 'eof') return this.unexpectedEof(true);
      if (ev === 'bio_error') return this.syscall('the transport failed while reading');
      if (ev instanceof TlsFailure) return this.failWith(ev);
      if (ev.kind === 'close_notify') {
        this.flags |= SSL_RECEIVED_SHUTDOWN;
        return this.failWith(new TlsFailure(null, Reason.SSL_R_UNEXPECTED_MESSAGE, 'the peer sent close_notify during the handshake'));
      }
    }
  }

  // ------------------------------------------------------------------ data

  /**
   * SSL_read: copies decrypted application data into `buf`. Returns the byte count (> 0), 0 when
   * the peer has closed (getError: ZERO_RETURN) or on a failure, or -1 (see getError).
   */
  read(buf: Uint8Array): number {
    return this.readInternal(buf, false, buf.length);
  }

  /**
   * SSL_read without the copy: returns the decrypted bytes themselves, a view of at most `max`
   * bytes from the oldest record that now belongs to the caller, instead of copying them into a
   * caller's buffer. Otherwise as `read`: 0 or -1 (see getError) when there is no data.
   */
  readView(max: number): Uint8Array | number {
    const n = this.readInternal(null, false, max);
    if (n <= 0) return n;
    const view = this.lastView!;
    this.lastView = null;
    return view;
  }

  /** SSL_peek: like read, but the data stays available for the next read. */
  peek(buf: Uint8Array): number {
    return this.readInternal(buf, true, buf.length);
  }

  /** SSL_pending: decrypted bytes available to read without touching the BIO. */
  pending(): number {
    return this.appData?.length ?? 0;
  }

  /** read/peek into `buf`, or (buf null) readView of at most `max` bytes. */
  private readInternal(buf: Uint8Array | null, peek: boolean, max: number): number {
    const bad = this.begin();
    if (bad !== null) return bad;
    if (!this.conn?.handshakeComplete) {
      const r = this.handshakeStep();
      if (r !== 1) return r;
    }
    if (max === 0) return 0;
    if (this.appData !== null) return this.take(buf, peek, max);
    // S-16: once the peer's close_notify was seen, reads return 0 without touching the BIO.
    if (this.flags & SSL_RECEIVED_SHUTDOWN) return this.zeroReturn();
    for (;;) {
      // Queued ciphertext goes out first when the wbio takes it. A full wbio must not stop the
      // read, as in OpenSSL: the peer may only drain its side after reading ours, and two ends
      // that both wait to write before they read would wait for each other forever. What is
      // left is sent by the next write(), read() or shutdown().
      const flushed = this.flush();
      if (flushed !== 1 && this.last.code !== SSL_ERROR_WANT_WRITE) return flushed;
      const ev = this.pull();
      if (ev === 'retry') return this.want(SSL_ERROR_WANT_READ);
      if (ev === 'eof') return this.unexpectedEof(false);
      if (ev === 'bio_error') return this.syscall('the transport failed while reading');
      if (ev instanceof TlsFailure) {
        // S-56: a received fatal alert makes the read return 0 (getError: SSL, not ZERO_RETURN).
        const r = this.failWith(ev);
        return this.conn !== null && this.conn.fatalAlertReceived !== null ? 0 : r;
      }
      if (ev.kind === 'data') {
        this.appData = ev.data;
        return this.take(buf, peek, max);
      }
      if (ev.kind === 'close_notify') {
        this.flags |= SSL_RECEIVED_SHUTDOWN;
        return this.zeroReturn();
      }
    }
  }

  private take(buf: Uint8Array | null, peek: boolean, max: number): number {
    if (buf !== null) return this.takeAppData(buf, peek);
    // No copy: hand out the head record's bytes (the engine made them fresh for us), as a plain
    // Uint8Array view whatever array type the crypto provider produced (read() gives one too).
    const head = this.appData!;
    const n = Math.min(head.length, max);
    const view = new Uint8Array(head.buffer, head.byteOffset, n);
    this.appData = n === head.length ? null : head.subarray(n);
    this.lastView = view;
    this.last = NONE;
    return view.length;
  }

  private takeAppData(buf: Uint8Array, peek: boolean): number {
    const head = this.appData!;
    const n = Math.min(head.length, buf.length);
    buf.set(head.subarray(0, n));
    if (!peek) this.appData = n === head.length ? null : head.subarray(n);
    this.last = NONE;
    return n;
  }

  /**
   * SSL_write: encrypts and sends `data`. Returns data.length when all of it was handed to the
   * wbio, or -1 (see getError). After WANT_WRITE, call write again with the same data: the
   * records are already made and are only flushed, never encrypted twice.
   */
  write(data: Uint8Array): number {
    const bad = this.begin();
    if (bad !== null) return bad;
    if (this.flags & SSL_SENT_SHUTDOWN) {
      return this.record(-1, SSL_ERROR_SSL, Reason.SSL_R_PROTOCOL_IS_SHUTDOWN, 'write after shutdown(): our side of the connection is closed');
    }
    if (!this.conn?.handshakeComplete) {
      const r = this.handshakeStep();
      if (r !== 1) return r;
    }
    const conn = this.conn!;
    if (this.pendingWriteLength < 0) {
      if (data.length === 0) return this.record(0, SSL_ERROR_NONE, null, '');
      // Flush what is queued first, so a retried earlier write keeps its place.
      const before = this.flush();
      if (before !== 1) return before;
      conn.sendApplicationData(data);
      this.pendingWriteLength = data.length;
    }
    const flushed = this.flush();
    if (flushed !== 1) return flushed;
    const n = this.pendingWriteLength;
    this.pendingWriteLength = -1;
    return n;
  }

  // --------------------------------------------------------------- shutdown

  /**
   * SSL_shutdown: the two-step close of ../spec/ssl_shutdown.pod. First call: sends close_notify
   * and returns 0 (1 if the peer's close_notify was already received). Later call: waits for the
   * peer's close_notify and returns 1. -1 with getError() WANT_READ/WANT_WRITE means "call again
   * after moving data"; -1 with SSL_ERROR_SSL is a failure with a reason.
   */
  shutdown(): number {
    this.last = NONE;
    if ((this.state & FREED) !== 0) return this.record(-1, SSL_ERROR_SSL, Reason.SSL_R_SSL_FREED, 'shutdown() after free()');
    if (this.role === null) return this.record(-1, SSL_ERROR_SSL, Reason.SSL_R_UNINITIALIZED, 'shutdown() before setConnectState()/setAcceptState()');
    // S-34: before or during the handshake, while a KeyUpdate of ours is still unsent, and after
    // any fatal error, shutdown is refused. S-45: this comes before the quiet check.
    if (!this.conn?.handshakeComplete || this.fatal !== null || (this.state & KEY_UPDATE_PENDING) !== 0) {
      return this.record(-1, SSL_ERROR_SSL, Reason.SSL_R_SHUTDOWN_WHILE_IN_INIT, 'shutdown() while the handshake is not complete, a KeyUpdate is unsent, or after a fatal error');
    }
    const conn = this.conn;
    // S-44: quiet shutdown sets both flags, sends nothing and returns 1.
    if ((this.state & QUIET) !== 0) {
      this.flags = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;
      conn.writeClosed = true;
      return this.record(1, SSL_ERROR_NONE, null, '');
    }
    if (!(this.flags & SSL_SENT_SHUTDOWN)) {
      // S-1: the flag is set before any I/O and stays set whatever happens to the write.
      this.flags |= SSL_SENT_SHUTDOWN;
      conn.writeClosed = true;
      conn.sendCloseNotify();
      const flushed = this.flush();
      if (flushed !== 1) return flushed;
      // S-3 / S-4: this call does not read.
      return this.stageDone();
    }
    if (this.outbuf || conn.hasOutput) {
      // S-6: only retry the write in this call.
      const flushed = this.flush();
      if (flushed !== 1) return flushed;
      return this.stageDone();
    }
    if (this.flags & SSL_RECEIVED_SHUTDOWN) return this.record(1, SSL_ERROR_NONE, null, ''); // S-7
    // S-8: second stage, one read pass for the peer's close_notify.
    for (;;) {
      const ev = this.pull();
      if (ev === 'retry') return this.want(SSL_ERROR_WANT_READ);
      if (ev === 'eof') {
        // With SSL_OP_IGNORE_UNEXPECTED_EOF the EOF counts as the peer's close: both flags, return 1.
        const r = this.unexpectedEof(false);
        return r === 0 ? this.record(1, SSL_ERROR_NONE, null, '') : r;
      }
      if (ev === 'bio_error') return this.syscall('the transport failed while waiting for close_notify');
      if (ev instanceof TlsFailure) return this.failWith(ev);
      if (ev.kind === 'data') {
        // D-4 / S-10: data after our close_notify is fatal, and no alert is sent.
        return this.failWith(new TlsFailure(null, Reason.SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY, 'the peer sent application data while shutdown() waited for its close_notify; read it with read() first'));
      }
      if (ev.kind === 'close_notify') {
        this.flags |= SSL_RECEIVED_SHUTDOWN;
        const flushed = this.flush();
        if (flushed !== 1) return flushed;
        return this.record(1, SSL_ERROR_NONE, null, '');
      }
    }
  }

  private stageDone(): number {
    return this.record(this.flags & SSL_RECEIVED_SHUTDOWN ? 1 : 0, SSL_ERROR_NONE, null, '');
  }

  /** SSL_get_shutdown: SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN. */
  getShutdown(): number {
    return this.flags;
  }

  /** SSL_set_shutdown: replaces the flags, as OpenSSL does (S-39). */
  setShutdown(mode: number): void {
    this.flags = mode & (SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    if (this.conn) this.conn.writeClosed = (this.flags & SSL_SENT_SHUTDOWN) !== 0;
  }

  /** SSL_set_quiet_shutdown. */
  setQuietShutdown(mode: boolean | 0 | 1): void {
    this.state = mode === true || mode === 1 ? this.state | QUIET : this.state & ~QUIET;
  }

  /** SSL_get_quiet_shutdown. */
  getQuietShutdown(): boolean {
    return (this.state & QUIET) !== 0;
  }

  // ---------------------------------------------------------------- sessions

  /**
   * SSL_get_session: this connection's session once the handshake has completed (check
   * `isResumable()`: a TLS 1.3 client's session becomes resumable only when a ticket has been read,
   * S-20), else the session given to `setSession()`, else null. After `clear()` the previous
   * session stays unless it was evicted by that `clear()` (S-49).
   */
  getSession(): Session | null {
    return this.sessions.get();
  }

  /**
   * SSL_set_session: the session a client offers on its next handshake (TLS 1.3: one of its
   * tickets, as pre_shared_key with psk_dhe_ke). Returns 1. Whether the server resumed it shows in
   * `sessionReused()`; either way `getSession()` returns the new connection's session afterwards.
   */
  setSession(session: Session | null): number {
    this.sessions.set(session);
    return 1;
  }

  /** SSL_session_reused: whether the handshake resumed a session (no certificates were exchanged). */
  sessionReused(): boolean {
    return this.sessions.reused();
  }

  // ---------------------------------------------------------------- errors

  /**
   * SSL_get_error for the return value of the last I/O call. Computed from this connection's
   * record of that call, so it is never stale (D-2): after shutdown() returns 0 it is NONE.
   */
  getError(ret: number): SslErrorCode {
    // OpenSSL 3's order (S-27), with this connection's record of its last call standing in for
    // the error queue and rwstate: ret > 0; a recorded error or WANT_*; a sticky fatal error (a
    // received fatal alert never reads as ZERO_RETURN, S-31); RECEIVED_SHUTDOWN (the peer closed:
    // ZERO_RETURN, also after shutdown() returned 1); otherwise nothing went wrong (D-2: never a
    // misleading SYSCALL; a shutdown() that returned 0 has RECEIVED_SHUTDOWN clear).
    if (ret > 0) return SSL_ERROR_NONE;
    if (this.last.code !== SSL_ERROR_NONE) return this.last.code;
    if (this.fatal) return this.fatal.code;
    if (this.flags & SSL_RECEIVED_SHUTDOWN) return SSL_ERROR_ZERO_RETURN;
    return SSL_ERROR_NONE;
  }

  /** The reason of the last error (code, OpenSSL-style reason name, alert), or null after success. */
  getErrorInfo(): SslErrorInfo | null {
    return this.last.code === SSL_ERROR_NONE ? null : this.last;
  }

  // --------------------------------------------------------------- life cycle

  /**
   * SSL_free: releases the connection. Never sends anything (D-5, S-37). Later calls report
   * SSL_R_SSL_FREED.
   */
  free(): void {
    if ((this.state & FREED) !== 0) return;
    // S-46 / D-5: an established connection freed without SENT_SHUTDOWN loses its session.
    this.sessions.teardown(this.established(), (this.flags & SSL_SENT_SHUTDOWN) !== 0);
    this.state |= FREED;
    this.conn = null;
    this.appData = null;
    this.outbuf = null;
  }

  /**
   * SSL_clear: makes the object ready for a new connection with the same settings. Flags go
   * back to 0; the quiet setting and the role stay (S-49). Like `free()`, it evicts the session
   * of an established connection closed without SENT_SHUTDOWN (S-46); a cleanly closed session is
   * kept so a client can offer it again.
   */
  clear(): number {
    if ((this.state & FREED) !== 0) return this.record(0, SSL_ERROR_SSL, Reason.SSL_R_SSL_FREED, 'clear() after free()');
    const evicted = this.sessions.teardown(this.established(), (this.flags & SSL_SENT_SHUTDOWN) !== 0);
    this.sessions.reset(evicted);
    this.state &= ~KEY_UPDATE_PENDING;
    this.conn = null;
    this.flags = 0;
    this.fatal = null;
    this.last = NONE;
    this.appData = null;
    this.outbuf = null;
    this.pendingWriteLength = -1;
    return 1;
  }

  // ------------------------------------------------------------ information

  /** The negotiated parameters (null before the handshake has started). */
  getNegotiated(): Readonly<Negotiated> | null {
    return this.conn?.negotiated ?? null;
  }

  /** SSL_get_version: "TLSv1.3", or "unknown" before the handshake. */
  getVersion(): string {
    return this.conn?.negotiated.version ?? 'unknown';
  }

  /** SSL_get_cipher_name: the suite's OpenSSL name. */
  getCipherName(): string | null {
    return this.conn?.negotiated.suite?.opensslName ?? null;
  }

  /** The key exchange group's name (X25519, secp256r1, ...). */
  getGroupName(): string | null {
    const g = this.conn?.negotiated.group;
    return g === null || g === undefined ? null : nameOf(NamedGroup, g);
  }

  /** Name of the signature scheme the peer signed with. */
  getPeerSignatureSchemeName(): string | null {
    const s = this.conn?.negotiated.peerSignatureScheme;
    return s === null || s === undefined ? null : nameOf(SignatureScheme, s);
  }

  /** SSL_get0_alpn_selected. */
  getAlpnSelected(): string | null {
    return this.conn?.negotiated.alpn ?? null;
  }

  /** The peer's certificate chain (DER, leaf first): a new list each call, so the caller may change it freely. */
  getPeerCertificates(): Uint8Array[] {
    return this.conn?.negotiated.peerCertificates.slice() ?? [];
  }

  /** SSL_key_update: sends a TLS 1.3 KeyUpdate; `requestPeer` asks the peer to update too. */
  keyUpdate(requestPeer: boolean): number {
    const bad = this.begin();
    if (bad !== null) return bad;
    if (!this.conn?.handshakeComplete || this.flags & SSL_SENT_SHUTDOWN) {
      return this.record(-1, SSL_ERROR_SSL, Reason.SSL_R_BAD_VALUE, 'KeyUpdate needs an open, established TLS 1.3 connection');
    }
    if (this.conn.negotiated.version !== 'TLSv1.3') {
      // As OpenSSL's SSL_key_update: an error, not an exception, on a TLS 1.2 connection.
      return this.record(-1, SSL_ERROR_SSL, 'SSL_R_WRONG_SSL_VERSION', 'KeyUpdate exists only in TLS 1.3');
    }
    this.conn.sendKeyUpdate(requestPeer);
    this.state |= KEY_UPDATE_PENDING;
    const flushed = this.flush();
    return flushed === 1 ? 1 : flushed;
  }

  /** RFC 8446 7.5 keying material exporter (SSL_export_keying_material). */
  exportKeyingMaterial(label: string, context: Uint8Array, length: number): Uint8Array {
    if (!this.conn?.handshakeComplete) throw new Error('exportKeyingMaterial before the handshake completed');
    return this.conn.exportKeyingMaterial(label, context, length);
  }

  /**
   * SSL_get_finished: verify_data of the Finished message we sent, or null before it was sent. A
   * copy: the connection keeps it in one buffer with its secrets.
   */
  getFinished(): Uint8Array | null {
    return this.conn?.finishedSent?.slice() ?? null;
  }

  /** SSL_get_peer_finished: verify_data of the peer's Finished message, or null before it arrived (a copy, as getFinished). */
  getPeerFinished(): Uint8Array | null {
    return this.conn?.finishedReceived?.slice() ?? null;
  }

  /** The engine connection (for adapters and tests that need protocol details). */
  get connection(): Connection | null {
    return this.conn;
  }

  // ------------------------------------------------------------- internals

  /**
   * Whether OpenSSL would call this connection established for ssl_clear_bad_session: handshake
   * done and not failed at the protocol level (a fatal SSL error puts OpenSSL back "in init"; a
   * failed transport does not).
   */
  private established(): boolean {
    return this.conn?.handshakeComplete === true && this.fatal?.code !== SSL_ERROR_SSL;
  }

  /** Common checks at the start of an I/O call; returns a return value to give back, or null to go on. */
  private begin(): number | null {
    this.last = NONE;
    if ((this.state & FREED) !== 0) return this.record(-1, SSL_ERROR_SSL, Reason.SSL_R_SSL_FREED, 'the Ssl was freed');
    if (this.role === null) return this.record(-1, SSL_ERROR_SSL, Reason.SSL_R_UNINITIALIZED, 'call setConnectState()/setAcceptState() (or connect()/accept()) first');
    if (!this.rbio || !this.wbio) return this.record(-1, SSL_ERROR_SSL, Reason.SSL_R_UNINITIALIZED, 'no BIO set: call setBio() first');
    if (this.fatal) {
      this.last = this.fatal;
      return -1;
    }
    return null;
  }

  private record(ret: number, code: SslErrorCode, reason: Reason | null, message: string, alert: SslErrorInfo['alert'] = null): number {
    this.last = code === SSL_ERROR_NONE ? NONE : { code, reason, alert, message };
    return ret;
  }

  private want(code: typeof SSL_ERROR_WANT_READ | typeof SSL_ERROR_WANT_WRITE): number {
    this.last = code === SSL_ERROR_WANT_READ ? WANT_READ_INFO : WANT_WRITE_INFO;
    return -1;
  }

  private zeroReturn(): number {
    return this.record(0, SSL_ERROR_ZERO_RETURN, null, 'the peer closed its side of the connection (close_notify)');
  }

  private syscall(message: string): number {
    this.fatal = { code: SSL_ERROR_SYSCALL, reason: Reason.SSL_R_BIO_ERROR, alert: null, message };
    this.last = this.fatal;
    return -1;
  }

  /** Enters the fatal state for a TlsFailure; queues its alert unless we already sent close_notify (S-25). */
  private failWith(f: TlsFailure): number {
    const conn = this.conn;
    const received = conn?.fatalAlertReceived ?? null;
    if (received !== null) this.flags |= SSL_RECEIVED_SHUTDOWN; // S-38: a fatal alert sets RECEIVED_SHUTDOWN too
    conn?.fail(f, (this.flags & SSL_SENT_SHUTDOWN) === 0);
    const sent = conn?.fatalAlertSent ?? null;
    // S-48: a fatal alert, sent or received, evicts the session. After our close_notify no alert is
    // sent (S-25), so a failure there keeps a cleanly closed session.
    if (received !== null || sent !== null) this.sessions.fatalAlert();
    const alert: SslErrorInfo['alert'] =
      received !== null
        ? { description: received, name: nameOf(AlertDescription, received), direction: 'received' }
        : sent !== null
          ? { description: sent, name: nameOf(AlertDescription, sent), direction: 'sent' }
          : null;
    // OpenSSL's error data for a received alert is "SSL alert number N" (S-56).
    const message = received !== null ? `${f.message} (SSL alert number ${received})` : f.message;
    const fatal: SslErrorInfo = { code: SSL_ERROR_SSL, reason: f.reason, alert, message };
    // Best effort: get the alert onto the wire now. The protocol failure stays the reported error
    // even if the transport fails or blocks while the alert is written (S-27: the error queue wins).
    this.fatal = fatal;
    this.flush();
    this.fatal = fatal;
    this.last = fatal;
    return -1;
  }

  /** S-21..S-24: the transport closed without close_notify. */
  private unexpectedEof(inHandshake: boolean): number {
    if (!inHandshake && this.ctx.ignoreUnexpectedEof) {
      // D-3 / S-24: OR the flag in, never clearing SENT_SHUTDOWN.
      this.flags |= SSL_RECEIVED_SHUTDOWN;
      return this.zeroReturn();
    }
    return this.failWith(unexpectedEofFailure());
  }

  /**
   * Writes pending ciphertext to the wbio. Returns 1 when everything was taken, or -1 with
   * WANT_WRITE / SYSCALL recorded.
   */
  private flush(): number {
    const w = this.wbio!;
    if (!w.cork) return this.flushChunks();
    // Records are handed over one by one (never joined into a new buffer); corked, the socket
    // sends them in one writev.
    w.cork();
    try {
      return this.flushChunks();
    } finally {
      w.uncork!();
    }
  }

  private flushChunks(): number {
    for (;;) {
      if (!this.outbuf) {
        const next = this.conn?.takeOutputChunk() ?? null;
        if (!next) {
          // Everything queued, a KeyUpdate included, has reached the wbio.
          this.state &= ~KEY_UPDATE_PENDING;
          return 1;
        }
        this.outbuf = next;
      }
      const n = this.wbio!.write(this.outbuf);
      if (n === BIO_RETRY || n === 0) return this.want(SSL_ERROR_WANT_WRITE);
      if (n < 0) {
        this.outbuf = null;
        return this.syscall('the transport failed while writing');
      }
      this.outbuf = n >= this.outbuf.length ? null : this.outbuf.subarray(n);
    }
  }

  /**
   * Reads exactly the bytes of the next record from the rbio and processes it. Reading no further
   * than the record keeps any bytes after the TLS stream in the BIO.
   */
  private pull(): Pull {
    const conn = this.conn!;
    for (;;) {
      let ev: RecordEvent | null;
      try {
        ev = conn.nextRecord();
      } catch (e) {
        if (e instanceof TlsFailure) return e;
        return new TlsFailure(AlertDescription.internal_error, Reason.SSL_R_INTERNAL_ERROR, `internal error: ${(e as Error).message}`);
      }
      if (ev) {
        this.sessions.observe(conn);
        if (ev.kind === 'ignored') continue;
        return ev;
      }
      const need = conn.bytesNeeded();
      const got = this.rbio!.read(need);
      if (got === BIO_RETRY) {
        conn.inputDrained();
        return 'retry';
      }
      if (got === BIO_EOF) return 'eof';
      if (got === BIO_ERROR || typeof got === 'number') return 'bio_error';
      conn.receive(got, this.rbio!.stableReads === true);
    }
  }
}
