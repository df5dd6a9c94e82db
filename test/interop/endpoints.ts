/**
 * The typessl side of the interop tests: a typessl client or server over a real TCP socket on
 * 127.0.0.1 (in the test process; the peer is a child process), and the 1 MiB-each-way exchange.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { nodeCrypto } from '../../src/crypto/node.js';
import { portableCrypto } from '../../src/crypto/portable.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { AsyncSsl } from '../../src/ssl/async-ssl.js';
import { SslContext, type SslContextOptions } from '../../src/ssl/context.js';
import type { PeerProcess } from '../helpers/peers.js';

export const MiB = 1024 * 1024;

/**
 * The providers the interop suites run with, and the bytes each way per exchange. The whole matrix
 * (suites, groups, certificates, HRR, KeyUpdate, both roles) runs with both. The portable provider
 * moves 256 KiB each way instead of 1 MiB: pure-JavaScript AES-GCM/ChaCha20 is several times
 * slower than OpenSSL's, and 256 KiB is still 16 full records per direction, which is all the
 * record layer needs to show, while the suites' wall time stays modest.
 */
export const INTEROP_PROVIDERS: readonly { provider: CryptoProvider; size: number }[] = [
  { provider: nodeCrypto, size: MiB },
  { provider: portableCrypto, size: 256 * 1024 },
];

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A typessl client connected to 127.0.0.1:port, handshake done. */
export async function typesslClient(port: number, options: SslContextOptions, servername = 'localhost'): Promise<AsyncSsl> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const ctx = new SslContext({ provider: nodeCrypto, ...options });
  return AsyncSsl.connect(ctx, socket, { servername });
}

/** A typessl server listening on 127.0.0.1:0 that accepts one connection. */
export async function typesslServer(options: SslContextOptions): Promise<{ port: number; accepted: Promise<AsyncSsl>; close(): void }> {
  const ctx = new SslContext({ provider: nodeCrypto, ...options });
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = new Promise<AsyncSsl>((resolve, reject) => {
    server.once('connection', (socket) => {
      server.close();
      AsyncSsl.accept(ctx, socket).then(resolve, reject);
    });
  });
  return { port: (server.address() as AddressInfo).port, accepted, close: () => server.close() };
}

/** Reads exactly n bytes (or until a clean close) from a typessl connection. */
export async function readExactly(tls: AsyncSsl, n: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const chunk = await tls.read(n - got);
    if (chunk === null) break;
    chunks.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(chunks);
}

/**
 * Moves `size` random bytes each way at the same time (so neither side can deadlock on full
 * buffers) and checks both directions by SHA-256.
 */
export async function exchange(tls: AsyncSsl, peer: PeerProcess, size = MiB): Promise<void> {
  const up = randomBytes(size);
  const down = randomBytes(size);
  // The peer's received() keeps everything so far: compare only what this exchange adds.
  const before = peer.received().length;
  peer.send(down);
  const [, received, peerAll] = await Promise.all([tls.write(up), readExactly(tls, size), peer.waitForReceived(before + size, 30_000)]);
  const peerGot = peerAll.subarray(before);
  assert.equal(received.length, size, 'typessl received all bytes');
  assert.equal(sha(received), sha(down), 'peer -> typessl data intact');
  assert.equal(sha(peerGot.subarray(0, size)), sha(up), 'typessl -> peer data intact');
}

/**
 * For echo peers (gnutls-serv --echo): sends `size` random bytes and reads them back while still
 * sending, and checks the echo by SHA-256. The peer had to decrypt every byte to send it back, so
 * both directions are checked. gnutls-serv's echo is text-only (it measures what it received with
 * strlen and treats input starting with "**" as a command), so the random bytes travel as base64
 * lines (76 characters and LF), which have neither NUL nor "*".
 */
export async function echoExchange(tls: AsyncSsl, size = MiB): Promise<void> {
  const random = randomBytes(size);
  const text = random.toString('base64').replace(/.{1,76}/g, '$&\n');
  const up = Buffer.from(text, 'ascii');
  const [, back] = await Promise.all([tls.write(up), readExactly(tls, up.length)]);
  assert.equal(back.length, up.length, 'typessl received the whole echo');
  assert.equal(sha(back), sha(up), 'typessl -> peer -> typessl data intact');
  assert.equal(sha(Buffer.from(back.toString('ascii').replace(/\n/g, ''), 'base64')), sha(random), 'the random payload survived');
}
