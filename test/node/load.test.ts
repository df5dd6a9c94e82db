/**
 * Load (issue 7, acceptance 5): 1,000 concurrent TLS connections to a typessl server (typessl/node
 * createServer), each sending 64 KiB that the server echoes, then closing bidirectionally. Every
 * byte must arrive and every socket must close cleanly on both sides. The clients are node:tls
 * sockets in this process (native, so the server side gets the CPU). All 1,000 are held open at
 * the same time (a barrier after the handshakes) before any data moves. The run time is bounded by
 * the test's timeout, not asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type net from 'node:net';
import tls from 'node:tls';
import { createServer, type TLSSocket } from '../../src/node/index.js';
import { testCertificate } from '../helpers/memory-pair.js';

const CONNECTIONS = 1000;
const PAYLOAD = 64 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

test(`load: ${CONNECTIONS} concurrent connections to a typessl server, 64 KiB echoed each, bidirectional close`, { timeout: 600_000 }, async () => {
  const cert = testCertificate();
  const serverSockets: TLSSocket[] = [];
  const serverErrors: Error[] = [];
  let serverClosedClean = 0;
  const server = createServer({ cert: cert.certificatePem, key: cert.privateKeyPem }, (socket) => {
    serverSockets.push(socket);
    socket.on('error', (e) => serverErrors.push(e));
    socket.on('close', () => {
      if (!socket.errored && socket.readableEnded && socket.writableFinished) serverClosedClean++;
    });
    // Echo; allowHalfOpen false: the client's close_notify ends our side after the echo.
    socket.pipe(socket);
  });
  server.on('tlsClientError', (e: Error) => serverErrors.push(e));
  server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 });
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const started = Date.now();
  const clients: tls.TLSSocket[] = [];
  try {
    // Phase 1: all connections up (handshakes complete on both ends) and held open together.
    const secure = Array.from({ length: CONNECTIONS }, () => {
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert.certificatePem });
      clients.push(c);
      return once(c, 'secureConnect');
    });
    await Promise.all(secure);
    while (serverSockets.length < CONNECTIONS) await new Promise((r) => setTimeout(r, 10));
    assert.equal(serverSockets.filter((s) => !s.destroyed).length, CONNECTIONS, 'all server sockets open at once');
    assert.equal(clients.filter((c) => !c.destroyed).length, CONNECTIONS, 'all client sockets open at once');
    const handshakes = Date.now() - started;

    // Phase 2: each client sends 64 KiB, reads the echo, then ends (close_notify) and waits for
    // the server's close_notify ('end') and the close.
    const results = await Promise.all(
      clients.map(async (c) => {
        const payload = randomBytes(PAYLOAD);
        const parts: Buffer[] = [];
        let got = 0;
        const echoed = new Promise<void>((resolve, reject) => {
          c.on('data', (d: Buffer) => {
            parts.push(d);
            got += d.length;
            if (got >= PAYLOAD) resolve();
          });
          c.once('error', reject);
        });
        c.write(payload);
        await echoed;
        const ended = once(c, 'end');
        const closed = once(c, 'close');
        c.end();
        await ended;
        await closed;
        return sha(Buffer.concat(parts)) === sha(payload) && got === PAYLOAD;
      }),
    );
    assert.equal(results.filter(Boolean).length, CONNECTIONS, 'every byte echoed on every connection');
    // The server sockets close once both close_notify alerts are through.
    while (serverSockets.some((s) => !s.closed)) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(serverErrors, []);
    assert.equal(serverClosedClean, CONNECTIONS, 'every server socket closed cleanly (end, finish, no error)');
    const total = Date.now() - started;
    // Information for the report, not an assertion.
    console.log(`load: ${CONNECTIONS} connections, handshakes ${handshakes} ms, total ${total} ms`);
  } finally {
    for (const c of clients) c.destroy();
    for (const s of serverSockets) s.destroy();
    server.close();
  }
});
