/**
 * `typessl/openssl`: OpenSSL's C API as thin functions over `SslContext`, `Ssl` and the BIOs, so
 * C code can be ported line by line (`SSL_shutdown(ssl)` instead of `ssl.shutdown()`). Return
 * values are C's: ints, with 1/0 for yes/no. Each function only forwards; the behaviour and its
 * documentation live on the methods.
 *
 * This module installs no crypto provider: the `typessl/openssl` entry points do (`openssl.ts`
 * on Node, `openssl-browser.ts` elsewhere), so the API itself stays free of `node:` modules.
 */
import { BioPair, type BioPairHalf } from './bio/pair.js';
import { MemoryBio } from './bio/memory.js';
import { BIO_EOF, type Bio } from './bio/bio.js';
import { SslContext, type SslContextOptions } from './ssl/context.js';
import type { Session } from './ssl/session.js';
import { Ssl } from './ssl/ssl.js';
import type { VerifyCallback } from './x509/verify.js';
import { verifyErrorString } from './x509/verify-result.js';

export * from './ssl/constants.js';
export { BIO_EOF, BIO_ERROR, BIO_RETRY } from './bio/bio.js';
export type { Bio } from './bio/bio.js';
export type { BioPairHalf } from './bio/pair.js';
export { MemoryBio } from './bio/memory.js';
export { SslContext, type SslContextOptions } from './ssl/context.js';
export { Ssl, type SslErrorInfo } from './ssl/ssl.js';
export { Session } from './ssl/session.js';
export * from './x509/verify-result.js';

/** The C type names, for ported signatures. */
export type SSL_CTX = SslContext;
/** The C type names, for ported signatures. */
export type SSL = Ssl;
/** The C type names, for ported signatures. */
export type BIO = Bio;
/** The C type names, for ported signatures. */
export type SSL_SESSION = Session;

const int = (b: boolean): number => (b ? 1 : 0);

/** SSL_CTX_new: a new context (the method is always "TLS"; versions are negotiated). */
export function SSL_CTX_new(options?: SslContextOptions): SslContext {
  return new SslContext(options);
}

/** SSL_new: a new connection object that copies the context's settings (quiet shutdown, S-43). */
export function SSL_new(ctx: SslContext): Ssl {
  return new Ssl(ctx);
}

/** SSL_set_bio: the BIOs to read ciphertext from and write it to. */
export function SSL_set_bio(ssl: Ssl, rbio: Bio, wbio: Bio): void {
  ssl.setBio(rbio, wbio);
}

/** SSL_set_connect_state: this side is the client. */
export function SSL_set_connect_state(ssl: Ssl): void {
  ssl.setConnectState();
}

/** SSL_set_accept_state: this side is the server. */
export function SSL_set_accept_state(ssl: Ssl): void {
  ssl.setAcceptState();
}

/** SSL_connect: 1 when the client handshake is done, else -1 (see SSL_get_error). */
export function SSL_connect(ssl: Ssl): number {
  return ssl.connect();
}

/** SSL_accept: 1 when the server handshake is done, else -1 (see SSL_get_error). */
export function SSL_accept(ssl: Ssl): number {
  return ssl.accept();
}

/** SSL_do_handshake: drives the handshake in the role already set. */
export function SSL_do_handshake(ssl: Ssl): number {
  return ssl.doHandshake();
}

/** SSL_is_init_finished: 1 once the handshake has completed (and no fatal error happened). */
export function SSL_is_init_finished(ssl: Ssl): number {
  return int(ssl.isInitFinished());
}

/** SSL_read: up to `num` bytes into `buf`; > 0 bytes read, else 0 or -1 (see SSL_get_error). */
export function SSL_read(ssl: Ssl, buf: Uint8Array, num: number = buf.length): number {
  return ssl.read(buf.subarray(0, Math.max(0, Math.min(num, buf.length))));
}

/** SSL_peek: like SSL_read, but the bytes stay for the next read. */
export function SSL_peek(ssl: Ssl, buf: Uint8Array, num: number = buf.length): number {
  return ssl.peek(buf.subarray(0, Math.max(0, Math.min(num, buf.length))));
}

/** SSL_write: `num` bytes of `buf`; returns num, or ≤ 0 (see SSL_get_error). Retry with the same data. */
export function SSL_write(ssl: Ssl, buf: Uint8Array, num: number = buf.length): number {
  return ssl.write(buf.subarray(0, Math.max(0, Math.min(num, buf.length))));
}

/** SSL_pending: decrypted bytes readable without touching the BIO. */
export function SSL_pending(ssl: Ssl): number {
  return ssl.pending();
}

/** SSL_shutdown: 0 (close_notify sent), 1 (both sides closed) or -1 (see SSL_get_error). */
export function SSL_shutdown(ssl: Ssl): number {
  return ssl.shutdown();
}

/** SSL_get_error: the SSL_ERROR_* code for the return value of the last I/O call. */
export function SSL_get_error(ssl: Ssl, ret: number): number {
  return ssl.getError(ret);
}

/**
 * The reason of the last failed call on this connection, OpenSSL-style (e.g.
 * "SSL_R_UNEXPECTED_EOF_WHILE_READING"), or null. typessl keeps errors per connection instead of
 * in a global queue (D-2), so this replaces `ERR_reason_error_string(ERR_get_error())`;
 * `ssl.getErrorInfo()` has the alert and a message as well.
 */
export function SSL_get_error_reason(ssl: Ssl): string | null {
  return ssl.getErrorInfo()?.reason ?? null;
}

/** SSL_set_tlsext_host_name: the server name a client sends (SNI) and expects in the certificate; returns 1. */
export function SSL_set_tlsext_host_name(ssl: Ssl, name: string): number {
  ssl.setServerName(name);
  return 1;
}

/** SSL_set1_host: the DNS name or IP address the server certificate must be for; returns 1. */
export function SSL_set1_host(ssl: Ssl, name: string): number {
  ssl.setHost(name);
  return 1;
}

/** SSL_get_verify_result: X509_V_OK or the X509_V_ERR_* code of the peer certificate check. */
export function SSL_get_verify_result(ssl: Ssl): number {
  return ssl.getVerifyResult();
}

/** SSL_CTX_set_verify: SSL_VERIFY_* mode and optional callback (see `SslContext.setVerify`). */
export function SSL_CTX_set_verify(ctx: SslContext, mode: number, callback?: VerifyCallback): void {
  ctx.setVerify(mode, callback);
}

/** SSL_CTX_set_verify_depth. */
export function SSL_CTX_set_verify_depth(ctx: SslContext, depth: number): void {
  ctx.setVerifyDepth(depth);
}

/** SSL_CTX_load_verify_locations with the certificates' PEM text instead of a file name; returns 1. */
export function SSL_CTX_load_verify_pem(ctx: SslContext, pem: string): number {
  ctx.addTrustedCertificates(pem);
  return 1;
}

/** SSL_CTX_set_default_verify_paths: trust the runtime's bundled roots (Node); returns 1. */
export function SSL_CTX_set_default_verify_paths(ctx: SslContext): number {
  ctx.setDefaultVerifyPaths();
  return 1;
}

/** X509_verify_cert_error_string. */
export function X509_verify_cert_error_string(code: number): string {
  return verifyErrorString(code);
}

/** SSL_get_version: "TLSv1.3", "TLSv1.2", or "unknown" before the handshake. */
export function SSL_get_version(ssl: Ssl): string {
  return ssl.getVersion();
}

/** SSL_get_shutdown: SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN. */
export function SSL_get_shutdown(ssl: Ssl): number {
  return ssl.getShutdown();
}

/** SSL_set_shutdown: replaces the flags (S-39). */
export function SSL_set_shutdown(ssl: Ssl, mode: number): void {
  ssl.setShutdown(mode);
}

/** SSL_CTX_set_quiet_shutdown: 0 or 1, copied into connections made afterwards. */
export function SSL_CTX_set_quiet_shutdown(ctx: SslContext, mode: number): void {
  ctx.setQuietShutdown(mode !== 0);
}

/** SSL_CTX_get_quiet_shutdown: 0 or 1. */
export function SSL_CTX_get_quiet_shutdown(ctx: SslContext): number {
  return int(ctx.getQuietShutdown());
}

/** SSL_set_quiet_shutdown: 0 or 1, for this connection only. */
export function SSL_set_quiet_shutdown(ssl: Ssl, mode: number): void {
  ssl.setQuietShutdown(mode !== 0);
}

/** SSL_get_quiet_shutdown: 0 or 1. */
export function SSL_get_quiet_shutdown(ssl: Ssl): number {
  return int(ssl.getQuietShutdown());
}

/** SSL_clear: ready for a new connection with the same settings; 1 on success. */
export function SSL_clear(ssl: Ssl): number {
  return ssl.clear();
}

/** SSL_free: releases the connection. Never sends anything (D-5). */
export function SSL_free(ssl: Ssl): void {
  ssl.free();
}

/** SSL_CTX_set_options: ORs bits in; returns the new mask. */
export function SSL_CTX_set_options(ctx: SslContext, options: number): number {
  return ctx.setOptions(options);
}

/** SSL_CTX_clear_options: clears bits; returns the new mask. */
export function SSL_CTX_clear_options(ctx: SslContext, options: number): number {
  return ctx.clearOptions(options);
}

/** SSL_CTX_get_options. */
export function SSL_CTX_get_options(ctx: SslContext): number {
  return ctx.getOptions();
}

/** SSL_CTX_set_session_cache_mode: returns the previous mode. */
export function SSL_CTX_set_session_cache_mode(ctx: SslContext, mode: number): number {
  return ctx.setSessionCacheMode(mode);
}

/** SSL_CTX_get_session_cache_mode. */
export function SSL_CTX_get_session_cache_mode(ctx: SslContext): number {
  return ctx.getSessionCacheMode();
}

/** SSL_get_session: the connection's session, or null. */
export function SSL_get_session(ssl: Ssl): Session | null {
  return ssl.getSession();
}

/** SSL_set_session: the session to offer on the next handshake; returns 1. */
export function SSL_set_session(ssl: Ssl, session: Session | null): number {
  return ssl.setSession(session);
}

/** SSL_session_reused: 1 if the handshake resumed a session. */
export function SSL_session_reused(ssl: Ssl): number {
  return int(ssl.sessionReused());
}

/** SSL_CTX_sess_set_new_cb: called with each new resumable session (per the cache mode). */
export function SSL_CTX_sess_set_new_cb(ctx: SslContext, cb: ((session: Session) => void) | null): void {
  ctx.setSessionCallbacks({ newSession: cb });
}

/** SSL_CTX_sess_set_get_cb: a server's lookup of a session ID the internal cache lacks. */
export function SSL_CTX_sess_set_get_cb(ctx: SslContext, cb: ((id: Uint8Array) => Session | null) | null): void {
  ctx.setSessionCallbacks({ getSession: cb });
}

/** SSL_CTX_sess_set_remove_cb: called when a session is removed or made not resumable. */
export function SSL_CTX_sess_set_remove_cb(ctx: SslContext, cb: ((session: Session) => void) | null): void {
  ctx.setSessionCallbacks({ removeSession: cb });
}

/** SSL_CTX_set_num_tickets: TLS 1.3 tickets per handshake; returns 1. */
export function SSL_CTX_set_num_tickets(ctx: SslContext, n: number): number {
  ctx.setNumTickets(n);
  return 1;
}

/** SSL_CTX_set_timeout: session lifetime in seconds; returns the previous one. */
export function SSL_CTX_set_timeout(ctx: SslContext, seconds: number): number {
  return ctx.setTimeout(seconds);
}

/** i2d_SSL_SESSION: the session as bytes (typessl's own versioned format, not OpenSSL's DER). */
export function i2d_SSL_SESSION(session: Session, ctx: SslContext): Uint8Array {
  return ctx.sessionToBytes(session);
}

/** d2i_SSL_SESSION: a session from `i2d_SSL_SESSION` bytes, or null when they are not one. */
export function d2i_SSL_SESSION(bytes: Uint8Array, ctx: SslContext): Session | null {
  try {
    return ctx.sessionFromBytes(bytes);
  } catch {
    return null;
  }
}

/** SSL_SESSION_is_resumable: 0 or 1. */
export function SSL_SESSION_is_resumable(session: Session): number {
  return int(session.isResumable());
}

/** BIO_new(BIO_s_mem()): an empty memory BIO (reads report "retry" when empty). */
export function BIO_new_mem(): MemoryBio {
  return new MemoryBio();
}

/** BIO_set_mem_eof_return: 0 makes an empty memory BIO report EOF, -1 "retry" (S-61). */
export function BIO_set_mem_eof_return(bio: MemoryBio, value: number): void {
  bio.setEofReturn(value === 0 ? 0 : -1);
}

/**
 * BIO_new_bio_pair: two connected BIOs. C returns them through pointers and takes a buffer size
 * per direction; here one size (default 17 KiB) serves both directions and the pair is returned.
 */
export function BIO_new_bio_pair(writeBufferSize?: number): [BioPairHalf, BioPairHalf] {
  const pair = writeBufferSize !== undefined && writeBufferSize > 0 ? new BioPair(writeBufferSize) : new BioPair();
  return [pair.a, pair.b];
}

/** BIO_shutdown_wr: the other half of the pair reads EOF once its buffer is empty. */
export function BIO_shutdown_wr(bio: BioPairHalf): void {
  bio.shutdownWr();
}

/** BIO_write: bytes taken (> 0), or -1 when the BIO cannot take any now. */
export function BIO_write(bio: Bio, data: Uint8Array, num: number = data.length): number {
  const n = bio.write(data.subarray(0, Math.max(0, Math.min(num, data.length))));
  return n > 0 ? n : -1;
}

/** BIO_read: bytes read into `buf` (> 0), 0 at EOF, -1 when nothing is there yet or on error. */
export function BIO_read(bio: Bio, buf: Uint8Array, num: number = buf.length): number {
  const r = bio.read(Math.max(0, Math.min(num, buf.length)));
  if (r === BIO_EOF) return 0;
  if (typeof r === 'number') return -1;
  buf.set(r);
  return r.length;
}

/** BIO_ctrl_pending / BIO_pending: bytes readable now. */
export function BIO_pending(bio: Bio): number {
  return bio.pending();
}
