/**
 * typessl/web: TLS over any pair of Web Streams (a WebSocket, a Workers `connect()` socket, a Deno
 * conn) for browsers, Workers and Deno. Imports no `node:` module. The context must carry a
 * CryptoProvider (`new SslContext({ provider })`) or one must be installed with
 * `setDefaultCryptoProvider`.
 */
export { connect, accept, type SecureStreams, type SecureStreamOptions } from './streams.js';
export { webSocketStreams, type WebSocketLike } from './websocket.js';
export { StreamBio, type ByteStreamPair, type StreamBioOptions } from '../bio/stream.js';
export { ERR_TLS_TRUNCATED, TlsTruncatedError, SslError } from '../ssl/async-ssl.js';
export { SslContext, type SslContextOptions } from '../ssl/context.js';
export { Ssl } from '../ssl/ssl.js';
export { Session } from '../ssl/session.js';
export { setDefaultCryptoProvider } from '../crypto/default.js';
export * from '../ssl/constants.js';
