/**
 * typessl/node: TLS sockets for Node with the surface of node:tls (a `stream.Duplex` TLSSocket,
 * `connect()`, `createServer()`), built on typessl's `Ssl`. Importing it installs the node:crypto
 * provider as the default, like the main entry point.
 */
import '../index.js';

export { TLSSocket, type TLSSocketOptions, type CipherInfo } from './tls-socket.js';
export { connect } from './connect.js';
export { Server, createServer } from './server.js';
export type { ConnectOptions, ServerOptions, CommonTlsOptions, PemInput, TlsVersion } from './options.js';
export type { PeerCertificate } from './peer-certificate.js';
export { ERR_TLS_TRUNCATED, TlsTruncatedError, SslError } from '../ssl/async-ssl.js';
export { SslContext } from '../ssl/context.js';
export { Session } from '../ssl/session.js';
