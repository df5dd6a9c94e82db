/**
 * Stream-level shutdown of typessl/node against real peers (issue 7, acceptance 3): openssl
 * s_server / s_client and node:tls as child processes on 127.0.0.1. Data written before end()
 * all arrives; await shutdown() resolves after the peer's close_notify; a transport closed without
 * close_notify is an ERR_TLS_TRUNCATED error; D-7 by version (TLS 1.2 answers close_notify even
 * with allowHalfOpen, TLS 1.3 keeps half-open).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type net from 'node:net';
import { connect, createServer, ERR_TLS_TRUNCATED, type ConnectOptions, type ServerOptions, type TLSSocket } from '../../src/node/index.js';
import { killAllPeers, startNodeTlsClient, startNodeTlsServer, startOpensslServer } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';
import { collect } from '../helpers/collect.js';

after(killAllPeers);
const pki = makeTestPki();
const DATA = 256 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function client(port: number, extra: ConnectOptions = {}): TLSSocket {
  return connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ec.certPem, ...extra });
}

for (const version of ['1.3', '1.2'] as const) {
  test(`openssl s_server (TLS ${version}): data written before end() all arrives, close_notify after it; shutdown() resolves with s_server's answering close_notify`, async () => {
    const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version });
    const s = client(peer.port);
    try {
      await once(s, 'secureConnect');
      assert.equal(s.getProtocol(), `TLSv${version}`);
      // The peer's data first (s_server stops reading its stdin once our close_notify is in).
      const got = collect(s);
      const last = randomBytes(1000);
      peer.send(last);
      const data = randomBytes(DATA);
      s.write(data);
      const closing = s.shutdown();
      assert.ok((await peer.waitForReceived(DATA)).equals(data), 'every byte written before end() arrived');
      await peer.waitForLog(/<<< TLS 1\.[23], Alert \[length 0002\], warning close_notify/, 10_000);
      // s_server answers a close_notify with its own (it may already have): shutdown() resolves
      // on that answer. (That shutdown() waits until the answer comes is tested in tls-socket.test.)
      peer.endInput();
      await closing;
      await peer.waitForLog(/>>> TLS 1\.[23], Alert \[length 0002\], warning close_notify/, 10_000);
      assert.equal(sha(await got), sha(last), "data the peer sent before its close_notify is delivered, then 'end'");
    } finally {
      s.destroy();
      await peer.stop();
    }
  });
}

test('openssl s_server killed mid-connection: the typessl socket errors with ERR_TLS_TRUNCATED, no silent end', async () => {
  const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.3' });
  const s = client(peer.port);
  try {
    await once(s, 'secureConnect');
    let ended = false;
    s.on('end', () => (ended = true));
    s.resume();
    const err = once(s, 'error');
    peer.send(Buffer.from('partial'));
    await peer.stop();
    const [e] = (await err) as [Error & { code?: string; cause?: { code?: string } }];
    // A killed process's socket ends with FIN (truncation) or, when bytes were still unread by it,
    // with a reset (a transport error, SSL_ERROR_SYSCALL / ECONNRESET). Either way: never an 'end'.
    if (e.code !== ERR_TLS_TRUNCATED) assert.deepEqual([e.code, e.cause?.code], ['SSL_ERROR_SYSCALL', 'ECONNRESET']);
    assert.equal(ended, false);
  } finally {
    s.destroy();
  }
});

test('node:tls server (TLS 1.3, allowHalfOpen false): shutdown() resolves once node:tls answers our close_notify; all data arrived', async () => {
  const peer = await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, minVersion: 'TLSv1.3' });
  const s = client(peer.port);
  try {
    await once(s, 'secureConnect');
    const data = randomBytes(DATA);
    s.write(data);
    s.resume();
    await s.shutdown();
    assert.ok((await peer.waitForReceived(DATA)).equals(data));
    const end = await peer.waitForEvent('end', undefined, 10_000);
    assert.ok(end);
  } finally {
    s.destroy();
    await peer.stop();
  }
});

/** A typessl server for one connection; returns its port and the accepted socket. */
async function typesslServer(options: Partial<ServerOptions>): Promise<{ port: number; accepted: Promise<TLSSocket>; close(): void }> {
  const server = createServer({ cert: pki.ec.certPem, key: pki.ec.keyPem, ...options });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = new Promise<TLSSocket>((resolve) => server.once('secureConnection', resolve));
  return { port: (server.address() as net.AddressInfo).port, accepted, close: () => server.close() };
}

test('D-7 with a half-open node:tls client: TLS 1.2 answers close_notify even with allowHalfOpen; TLS 1.3 keeps the write side open', async () => {
  for (const version of ['1.2', '1.3'] as const) {
    const srv = await typesslServer({ allowHalfOpen: true });
    const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: pki.ec.certPath, maxVersion: `TLSv${version}`, allowHalfOpen: true });
    const s = await srv.accepted;
    try {
      assert.equal(s.getProtocol(), `TLSv${version}`);
      const got = collect(s);
      peer.send(Buffer.from('hello'));
      peer.endInput(); // node:tls sends close_notify and keeps reading (allowHalfOpen)
      assert.equal((await got).toString(), 'hello');
      if (version === '1.2') {
        // RFC 5246 7.2.1: answered at once, whatever allowHalfOpen says.
        await peer.waitForEvent('end', undefined, 10_000);
        assert.equal(s.writableEnded, true);
      } else {
        assert.equal(s.writable, true, 'TLS 1.3 with allowHalfOpen: still writable after the peer close_notify');
        s.end('late reply');
        assert.equal((await peer.waitForReceived(10)).toString(), 'late reply');
        await peer.waitForEvent('end', undefined, 10_000);
      }
    } finally {
      s.destroy();
      srv.close();
      await peer.stop();
    }
  }
});

test('node:tls client (TLS 1.2) to a typessl server: end() on the server delivers everything; node answers close_notify', async () => {
  const srv = await typesslServer({});
  const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: pki.ec.certPath, maxVersion: 'TLSv1.2' });
  const s = await srv.accepted;
  try {
    assert.equal(s.getProtocol(), 'TLSv1.2');
    const data = randomBytes(DATA);
    s.resume();
    await new Promise<void>((resolve, reject) => s.end(data, () => resolve()).once('error', reject));
    assert.ok((await peer.waitForReceived(DATA)).equals(data));
    await s.shutdown();
    assert.ok(s.getFinished() && s.getFinished()!.length === 12, 'TLS 1.2 Finished verify_data is 12 bytes');
    assert.equal(s.exportKeyingMaterial(16, 'EXPERIMENTAL-x').length, 16);
  } finally {
    s.destroy();
    srv.close();
    await peer.stop();
  }
});
