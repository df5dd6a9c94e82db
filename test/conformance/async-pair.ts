/**
 * Two typessl `AsyncSsl` endpoints (client and server) over a real TCP connection on 127.0.0.1,
 * for the conformance tests of the blocking form (D-6, S-9) and of the socket BIO (S-26, S-60).
 */
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { nodeCrypto } from '../../src/crypto/node.js';
import { AsyncSsl } from '../../src/ssl/async-ssl.js';
import { SslContext, type SslContextOptions } from '../../src/ssl/context.js';
import { testCertificate } from '../helpers/memory-pair.js';
import { versionOptions, type TlsVersion } from './harness.js';

/** A connected pair of awaitable endpoints. */
export interface AsyncPair {
  client: AsyncSsl;
  server: AsyncSsl;
  /**
   * Lets pending socket events run (a few event-loop turns, no timer): a promise that has not
   * settled after this is waiting for something that has not happened.
   */
  settle(): Promise<void>;
  /** Destroys both sockets. */
  close(): void;
}

/** Client and server over loopback TCP, handshake done. Sockets allow half-open (TLS half-close). */
export async function asyncPair(version: TlsVersion, client: SslContextOptions = {}, server: SslContextOptions = {}): Promise<AsyncPair> {
  const cert = testCertificate();
  const pin = versionOptions(version);
  const serverCtx = new SslContext({ provider: nodeCrypto, certificate: cert.certificatePem, privateKey: cert.privateKeyPem, ...pin, ...server });
  const clientCtx = new SslContext({ provider: nodeCrypto, trustedCertificates: cert.certificatePem, ...pin, ...client });
  const listener = net.createServer({ allowHalfOpen: true });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const socket = net.connect({ port: (listener.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  const [[serverSocket]] = await Promise.all([accepted, once(socket, 'connect')]);
  listener.close();
  try {
    const [c, s] = await Promise.all([AsyncSsl.connect(clientCtx, socket, { servername: 'localhost' }), AsyncSsl.accept(serverCtx, serverSocket)]);
    return {
      client: c,
      server: s,
      settle: async () => {
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      },
      close: () => {
        socket.destroy();
        serverSocket.destroy();
      },
    };
  } catch (e) {
    socket.destroy();
    serverSocket.destroy();
    throw e;
  }
}
