/**
 * OpenSSL's constants, with OpenSSL's names and values, so C knowledge and ported code carry over.
 */

/** `getError()` results (SSL_get_error). */
export const SSL_ERROR_NONE = 0;
export const SSL_ERROR_SSL = 1;
export const SSL_ERROR_WANT_READ = 2;
export const SSL_ERROR_WANT_WRITE = 3;
export const SSL_ERROR_SYSCALL = 5;
export const SSL_ERROR_ZERO_RETURN = 6;
export type SslErrorCode =
  | typeof SSL_ERROR_NONE
  | typeof SSL_ERROR_SSL
  | typeof SSL_ERROR_WANT_READ
  | typeof SSL_ERROR_WANT_WRITE
  | typeof SSL_ERROR_SYSCALL
  | typeof SSL_ERROR_ZERO_RETURN;

/** Names of the error codes, for messages. */
export function sslErrorName(code: number): string {
  switch (code) {
    case SSL_ERROR_NONE: return 'SSL_ERROR_NONE';
    case SSL_ERROR_SSL: return 'SSL_ERROR_SSL';
    case SSL_ERROR_WANT_READ: return 'SSL_ERROR_WANT_READ';
    case SSL_ERROR_WANT_WRITE: return 'SSL_ERROR_WANT_WRITE';
    case SSL_ERROR_SYSCALL: return 'SSL_ERROR_SYSCALL';
    case SSL_ERROR_ZERO_RETURN: return 'SSL_ERROR_ZERO_RETURN';
    default: return `SSL_ERROR_${code}`;
  }
}

/** Shutdown flags (SSL_get_shutdown); same values in OpenSSL and BoringSSL. */
export const SSL_SENT_SHUTDOWN = 1;
export const SSL_RECEIVED_SHUTDOWN = 2;

/** Options (SSL_CTX_set_options). Values follow OpenSSL 3 where OpenSSL has the option. */
export const SSL_OP_IGNORE_UNEXPECTED_EOF = 1 << 7;
/**
 * typessl's own: `free()`/`clear()` of a connection closed without `SENT_SHUTDOWN` keeps its
 * session resumable (BoringSSL's behaviour) instead of evicting it (OpenSSL's, the default).
 * Fatal alerts still evict (RFC 5246 7.2, S-48). Uses a bit OpenSSL 3 leaves unassigned.
 */
export const SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE = 1 << 11;
/**
 * SSL_OP_NO_TICKET: no stateless tickets. As in OpenSSL, a TLS 1.3 server then issues stateful
 * tickets (the session ID and a nonce) and keeps the session in its cache (or the external store
 * its callbacks reach); TLS 1.2 uses session IDs only.
 */
export const SSL_OP_NO_TICKET = 1 << 14;

/** Session cache modes (SSL_CTX_set_session_cache_mode). */
export const SSL_SESS_CACHE_OFF = 0x0000;
export const SSL_SESS_CACHE_CLIENT = 0x0001;
export const SSL_SESS_CACHE_SERVER = 0x0002;
export const SSL_SESS_CACHE_BOTH = SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_SERVER;
/** Server lookups skip the internal cache and go straight to the get-session callback. */
export const SSL_SESS_CACHE_NO_INTERNAL_LOOKUP = 0x0100;
/** New sessions are not kept in the internal cache (the new-session callback still runs). */
export const SSL_SESS_CACHE_NO_INTERNAL_STORE = 0x0200;
/** Both of the above: the external store is the only cache. */
export const SSL_SESS_CACHE_NO_INTERNAL = SSL_SESS_CACHE_NO_INTERNAL_LOOKUP | SSL_SESS_CACHE_NO_INTERNAL_STORE;

/** Verify modes (SSL_CTX_set_verify), OpenSSL's values. */
export const SSL_VERIFY_NONE = 0x00;
export const SSL_VERIFY_PEER = 0x01;
export const SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 0x02;
/** Accepted for OpenSSL compatibility; TLS 1.3 without post-handshake auth asks only once anyway. */
export const SSL_VERIFY_CLIENT_ONCE = 0x04;
