import net from 'node:net';
import { Session } from '../ssl/session.js';
import { sessionFromBytes } from '../ssl/session-codec.js';
import type { ConnectOptions } from './options.js';
import { TLSSocket } from './tls-socket.js';

/**
 * Opens a TLS client connection, like node:tls `connect()`: a TCP connection to `host:port`
 * (or TLS over the given `socket`, for STARTTLS), then the handshake. Returns at once; the socket
 * emits 'secureConnect' (and calls `secureConnectListener`) when the handshake is done, or 'error'.
 * Data written before that is sent after the handshake.
 *
 * The server name (SNI, and the name the certificate must carry) is `servername`, else `host`
 * unless `host` is an IP address.
 */
export function connect(options: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(port: number, host?: string, options?: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(
  a: ConnectOptions | number,
  b?: string | (() => void),
  c?: ConnectOptions,
  d?: () => void,
): TLSSocket {
  let options: ConnectOptions;
  let listener: (() => void) | undefined;
  if (typeof a === 'number') {
    options = { ...c, port: a };
    if (typeof b === 'string') options.host = b;
    listener = d;
  } else {
    options = a;
    listener = typeof b === 'function' ? b : undefined;
  }
  const host = options.host ?? 'localhost';
  const servername = options.servername ?? (net.isIP(host) === 0 ? host : undefined);
  // A bad `session` is the caller's mistake: refuse it before any connection is opened.
  if (options.session !== undefined && !(options.session instanceof Session)) options = { ...options, session: sessionFromBytes(options.session) };
  let transport = options.socket;
  if (!transport) {
    if (options.port === undefined) throw new TypeError('connect: `port` (or an existing `socket`) is required');
    // Half-open at the TCP level so a TLS close can finish in both directions whoever ends first.
    transport = net.connect({ host, port: options.port, allowHalfOpen: true });
  }
  let socket: TLSSocket;
  try {
    socket = new TLSSocket(transport, { ...options, isServer: false, ...(servername !== undefined ? { servername } : {}) });
  } catch (e) {
    // Bad options (a cipher string typo, unreadable `ca`, ...) throw before any handshake, as in
    // node:tls; the TCP connection opened for them must not be left behind.
    if (!options.socket) transport.destroy();
    throw e;
  }
  if (listener) socket.once('secureConnect', listener);
  return socket;
}
