/**
 * typessl endpoints for the resumption interop tests: a client that offers a session and records
 * the handshake messages it receives, and a server that keeps one context across connections.
 */
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SocketBio } from '../../src/bio/socket.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import type { TraceEvent } from '../../src/engine/connection.js';
import { AsyncSsl } from '../../src/ssl/async-ssl.js';
import { SslContext, type SslContextOptions } from '../../src/ssl/context.js';
import type { Session } from '../../src/ssl/session.js';
import { Ssl } from '../../src/ssl/ssl.js';
import { HandshakeType } from '../../src/wire/enums.js';

/** A typessl client on `ctx` connected to 127.0.0.1:port, offering `session`, handshake done. */
export async function resumableClient(ctx: SslContext, port: number, session: Session | null, servername = 'localhost'): Promise<{ tls: AsyncSsl; trace: TraceEvent[] }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const ssl = new Ssl(ctx);
  const trace: TraceEvent[] = [];
  ssl.setTrace((e) => trace.push(e));
  ssl.setConnectState();
  ssl.setServerName(servername);
  if (session) ssl.setSession(session);
  const tls = new AsyncSsl(ssl, new SocketBio(socket));
  await tls.handshake();
  return { tls, trace };
}

/** Certificate messages received, in a trace. */
export function certificatesSeen(trace: TraceEvent[]): number {
  return trace.filter((e) => e.direction === 'received' && e.content === 'handshake' && e.code === HandshakeType.certificate).length;
}

/** A typessl server on 127.0.0.1 that accepts connection after connection with one context. */
export async function typesslServerLoop(options: SslContextOptions | SslContext): Promise<{
  port: number;
  ctx: SslContext;
  next(): Promise<{ tls: AsyncSsl; trace: TraceEvent[] }>;
  close(): void;
}> {
  const ctx = options instanceof SslContext ? options : new SslContext({ provider: nodeCrypto, ...options });
  const server = net.createServer();
  const sockets: net.Socket[] = [];
  const waiting: ((s: net.Socket) => void)[] = [];
  server.on('connection', (socket) => {
    const w = waiting.shift();
    if (w) w(socket);
    else sockets.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    ctx,
    async next() {
      const socket = sockets.shift() ?? (await new Promise<net.Socket>((resolve) => waiting.push(resolve)));
      const ssl = new Ssl(ctx);
      const trace: TraceEvent[] = [];
      ssl.setTrace((e) => trace.push(e));
      ssl.setAcceptState();
      const tls = new AsyncSsl(ssl, new SocketBio(socket));
      await tls.handshake();
      return { tls, trace };
    },
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
