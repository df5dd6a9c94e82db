import net from 'node:net';
import type { SslContext } from '../ssl/context.js';
import type { TrustStore } from '../x509/anchors.js';
import { anchorsFromOptions, contextFromOptions, type ServerOptions } from './options.js';
import { TLSSocket } from './tls-socket.js';

/**
 * A TLS server, like node:tls `Server` (a `net.Server`): each accepted TCP connection becomes a
 * {@link TLSSocket}; 'secureConnection' is emitted with it once its handshake is done. A failed
 * handshake emits 'tlsClientError' (error, socket) and destroys that socket, never 'error' on the
 * server. 'keylog' (line, socket) is re-emitted from the connections.
 */
export class Server extends net.Server {
  /** The context every connection of this server uses (certificate, key, ALPN, ...). */
  readonly context: SslContext;
  private readonly tlsOptions: ServerOptions;
  /** The anchors of the context (computed when first needed: to verify a resumed session's client certificate). */
  private anchors: TrustStore | undefined;

  constructor(options: ServerOptions, secureConnectionListener?: (socket: TLSSocket) => void) {
    // Half-open TCP so a TLS close can finish in both directions, whoever ends first.
    super({ allowHalfOpen: true });
    this.tlsOptions = options;
    this.context = contextFromOptions(options, 'server');
    if (secureConnectionListener) this.on('secureConnection', secureConnectionListener);
    this.on('connection', (raw: net.Socket) => this.secure(raw));
  }

  /** Wraps an accepted connection (also usable for a connection accepted elsewhere). */
  secure(raw: net.Socket): TLSSocket {
    const socket = new TLSSocket(raw, {
      ...this.tlsOptions,
      secureContext: this.context,
      ...(!this.tlsOptions.secureContext && { trustAnchors: () => (this.anchors ??= anchorsFromOptions(this.context, this.tlsOptions)) }),
      isServer: true,
      onHandshakeError: (error, s) => this.emit('tlsClientError', error, s),
    });
    socket.once('secure', () => this.emit('secureConnection', socket));
    socket.on('keylog', (line: Buffer) => {
      if (this.listenerCount('keylog') > 0) this.emit('keylog', line, socket);
    });
    return socket;
  }
}

/** node:tls `createServer()`: a {@link Server} with `cert` and `key` (or a `secureContext`). */
export function createServer(options: ServerOptions, secureConnectionListener?: (socket: TLSSocket) => void): Server {
  return new Server(options, secureConnectionListener);
}
