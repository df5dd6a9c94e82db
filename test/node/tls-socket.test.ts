/**
 * typessl/node between two typessl ends over real TCP on 127.0.0.1: the node:tls surface,
 * stream-level shutdown (end, shutdown(), 'end' only on close_notify, truncation as an error),
 * backpressure, half-open, STARTTLS, and handshake failures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { connect, createServer, ERR_TLS_TRUNCATED, TLSSocket, type ConnectOptions, type Server, type ServerOptions } from '../../src/node/index.js';
import { testCertificate } from '../helpers/memory-pair.js';
import { collect } from '../helpers/collect.js';

const cert = testCertificate();
const serverTls = { cert: cert.certificatePem, key: cert.privateKeyPem };
const MiB = 1024 * 1024;

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** Resolves once the stream has emitted 'close' (at once if it already has). */
function closed(s: TLSSocket): Promise<void> {
  return s.closed ? Promise.resolve() : new Promise((resolve) => s.once('close', () => resolve()));
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A typessl server and a connected typessl client with the handshake done on both sides. */
async function pair(
  serverOpts: ServerOptions = serverTls,
  clientOpts: ConnectOptions = {},
): Promise<{ server: Server; client: TLSSocket; accepted: TLSSocket; close(): void }> {
  const server = createServer(serverOpts);
  const port = await listen(server);
  const acceptedP = once(server, 'secureConnection') as Promise<[TLSSocket]>;
  const client = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert.certificatePem, ...clientOpts });
  const [[accepted]] = await Promise.all([acceptedP, once(client, 'secureConnect')]);
  return {
    server,
    client,
    accepted,
    close() {
      client.destroy();
      accepted.destroy();
      server.close();
    },
  };
}

test('TLSSocket: node:tls surface after the handshake (protocol, cipher, ALPN, SNI, certificate, exporter, Finished, keylog)', async () => {
  const server = createServer({ ...serverTls, ALPNProtocols: ['h2', 'http/1.1'] });
  const port = await listen(server);
  const serverKeylog: string[] = [];
  server.on('keylog', (line: Buffer) => serverKeylog.push(line.toString()));
  const acceptedP = once(server, 'secureConnection') as Promise<[TLSSocket]>;
  const clientKeylog: string[] = [];
  const client = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert.certificatePem, ALPNProtocols: ['http/1.1'] });
  client.on('keylog', (line: Buffer) => clientKeylog.push(line.toString()));
  try {
    const [[accepted]] = await Promise.all([acceptedP, once(client, 'secureConnect')]);
    assert.equal(client.authorized, true);
    assert.equal(client.authorizationError, null);
    assert.equal(client.encrypted, true);
    assert.equal(client.getProtocol(), 'TLSv1.3');
    assert.equal(accepted.getProtocol(), 'TLSv1.3');
    assert.equal(client.alpnProtocol, 'http/1.1');
    assert.equal(accepted.alpnProtocol, 'http/1.1');
    assert.equal(client.servername, 'localhost');
    assert.equal(accepted.servername, 'localhost');
    const cipher = client.getCipher()!;
    assert.equal(cipher.version, 'TLSv1.3');
    assert.match(cipher.standardName, /^TLS_/);
    assert.deepEqual(accepted.getCipher(), cipher);
    const pc = client.getPeerCertificate(true);
    assert.ok('raw' in pc);
    assert.deepEqual(new Uint8Array(pc.raw), cert.certificateDer);
    assert.equal(pc.subject.CN, 'localhost');
    assert.match(pc.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(pc.issuerCertificate, pc, 'a self-signed certificate is its own issuer');
    assert.deepEqual(accepted.getPeerCertificate(), {}, 'the client sent no certificate');
    // RFC 8446 7.5: both ends derive the same keying material; another label gives another value.
    const a = client.exportKeyingMaterial(32, 'EXPERIMENTAL-typessl', Buffer.from('ctx'));
    assert.equal(a.length, 32);
    assert.deepEqual(accepted.exportKeyingMaterial(32, 'EXPERIMENTAL-typessl', Buffer.from('ctx')), a);
    assert.notDeepEqual(client.exportKeyingMaterial(32, 'EXPERIMENTAL-other', Buffer.from('ctx')), a);
    // Finished: what one side sent is what the other received.
    assert.deepEqual(client.getFinished(), accepted.getPeerFinished());
    assert.deepEqual(accepted.getFinished(), client.getPeerFinished());
    assert.equal(client.getFinished()!.length, 32);
    // Key log lines: NSS format, the same traffic secrets on both sides.
    for (const lines of [clientKeylog, serverKeylog]) {
      assert.ok(lines.some((l) => /^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]{64}\n$/.test(l)), lines.join(''));
      assert.ok(lines.some((l) => l.startsWith('EXPORTER_SECRET ')));
    }
    assert.deepEqual(clientKeylog.filter((l) => l.startsWith('SERVER_TRAFFIC_SECRET_0')), serverKeylog.filter((l) => l.startsWith('SERVER_TRAFFIC_SECRET_0')));
    assert.equal(client.isSessionReused(), false);
    assert.ok(client.getSession(), 'a session exists once the handshake is done');
    assert.equal(typeof client.remotePort, 'number');
    client.setNoDelay(true).setKeepAlive(true, 1000);
    client.destroy();
    accepted.destroy();
  } finally {
    client.destroy();
    server.close();
  }
});

test('TLSSocket: 1 MiB each way, end() delivers everything then close_notify; the other side answers (allowHalfOpen false); both close cleanly', async () => {
  const p = await pair();
  try {
    const up = randomBytes(MiB);
    const down = randomBytes(MiB);
    const gotUp = collect(p.accepted);
    const gotDown = collect(p.client);
    // Written in small pieces: _writev batches them into full records.
    for (let i = 0; i < up.length; i += 1000) p.client.write(up.subarray(i, i + 1000));
    p.client.end();
    p.accepted.write(down);
    // The server does not end by itself: allowHalfOpen false makes it answer the close_notify.
    assert.equal(sha(await gotUp), sha(up));
    assert.equal(sha(await gotDown), sha(down));
    await Promise.all([closed(p.client), closed(p.accepted)]);
    assert.equal(p.client.errored, null);
    assert.equal(p.accepted.errored, null);
    assert.equal(p.client.transport.destroyed, true);
  } finally {
    p.close();
  }
});

test('TLSSocket.shutdown(): resolves only after the peer close_notify; data the peer sends first is delivered', async () => {
  const p = await pair({ ...serverTls, allowHalfOpen: true });
  try {
    const got = collect(p.client);
    let done = false;
    const closing = p.client.shutdown().then(() => (done = true));
    // The server sees our close_notify as 'end' and may still write (server allowHalfOpen true).
    p.accepted.resume();
    await once(p.accepted, 'end');
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false, 'shutdown() must wait for the peer close_notify');
    p.accepted.end('last words');
    await closing;
    assert.equal((await got).toString(), 'last words');
    await Promise.all([closed(p.client), closed(p.accepted)]);
  } finally {
    p.close();
  }
}, );

test('TLSSocket: allowHalfOpen keeps a TLS 1.3 write side open after the peer close_notify', async () => {
  const p = await pair({ ...serverTls, allowHalfOpen: true });
  try {
    const got = collect(p.client);
    p.accepted.resume();
    p.client.end();
    await once(p.accepted, 'end');
    assert.equal(p.accepted.writable, true, 'half-open: our side stays writable');
    p.accepted.write('after your close');
    await new Promise((r) => setTimeout(r, 20));
    p.accepted.end(' and done');
    assert.equal((await got).toString(), 'after your close and done');
  } finally {
    p.close();
  }
});

test('TLSSocket: a transport closed without close_notify is an ERR_TLS_TRUNCATED error, never a silent end', async () => {
  const p = await pair();
  try {
    let ended = false;
    p.client.on('end', () => (ended = true));
    p.client.on('data', () => undefined);
    const err = once(p.client, 'error');
    p.accepted.write('partial');
    // The server's transport ends with FIN, but no close_notify was sent.
    await new Promise((r) => setTimeout(r, 20));
    p.accepted.transport.end();
    const [e] = (await err) as [Error & { code: string; reason: string }];
    assert.equal(e.code, ERR_TLS_TRUNCATED);
    assert.equal(e.reason, 'SSL_R_UNEXPECTED_EOF_WHILE_READING');
    assert.equal(e.stack, `TlsTruncatedError: ${e.message}`, 'made in a socket callback: no stack trace');
    assert.equal(ended, false);
    await assert.rejects(p.client.shutdown(), (x: Error & { code?: string }) => x.code === ERR_TLS_TRUNCATED);
  } finally {
    p.close();
  }
});

test('TLSSocket: ignoreUnexpectedEof turns a bare transport close into a clean end', async () => {
  const p = await pair(serverTls, { ignoreUnexpectedEof: true });
  try {
    const got = collect(p.client);
    p.accepted.write('partial');
    await new Promise((r) => setTimeout(r, 20));
    p.accepted.transport.end();
    assert.equal((await got).toString(), 'partial');
  } finally {
    p.close();
  }
});

test('TLSSocket: backpressure both ways: write() returns false on a full transport, a paused reader stops the transport', async () => {
  const p = await pair(serverTls, { writeHighWaterMark: 16 * 1024 });
  try {
    p.accepted.pause();
    const big = randomBytes(256 * 1024);
    assert.equal(p.client.write(big), false, 'write() must report backpressure at once for more than its high-water mark');
    // Keep writing while nobody reads: once the kernel buffers are full the TLS layer must stop
    // taking data, so it piles up in the writer (bounded loop: at most 64 MiB).
    let chunks = 1;
    while (chunks < 256 && p.client.writableLength < 2 * MiB) {
      p.client.write(big);
      chunks++;
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(p.client.writableLength >= 2 * MiB, 'the writer holds back what the transport cannot take');
    // The reader's transport gets paused once its BIO holds more than the read mark (256 KiB),
    // because the paused application stops the read pump. No timing: wait for the state.
    const bio = (p.accepted as unknown as { tls: { bio: { paused: boolean } } }).tls.bio;
    for (let i = 0; i < 500 && !bio.paused; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(bio.paused, true, 'the reading side paused its transport');
    // Resume: everything written arrives, in order.
    const got = collect(p.accepted);
    p.accepted.resume();
    p.client.end();
    const all = await got;
    assert.equal(all.length, chunks * big.length);
    assert.equal(sha(all.subarray((chunks - 1) * big.length)), sha(big));
  } finally {
    p.close();
  }
});

test('TLSSocket: STARTTLS: a plain TCP conversation upgraded in place on both sides', async () => {
  const plain = net.createServer({ allowHalfOpen: true });
  const port = await listen(plain);
  const serverDone = new Promise<string>((resolve, reject) => {
    plain.once('connection', (raw: net.Socket) => {
      raw.once('data', (line: Buffer) => {
        assert.equal(line.toString(), 'STARTTLS\r\n');
        raw.write('220 go ahead\r\n');
        const tls = new TLSSocket(raw, { isServer: true, ...serverTls });
        tls.once('secure', () => tls.end(`secure hello over ${tls.getProtocol()}`));
        tls.on('data', () => undefined);
        tls.once('end', () => resolve('server saw close_notify'));
        tls.once('error', reject);
      });
    });
  });
  const raw = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  try {
    await once(raw, 'connect');
    raw.write('STARTTLS\r\n');
    const [reply] = (await once(raw, 'data')) as [Buffer];
    assert.equal(reply.toString(), '220 go ahead\r\n');
    raw.pause();
    const tls = connect({ socket: raw, servername: 'localhost', ca: cert.certificatePem });
    const got = collect(tls);
    assert.equal((await got).toString(), 'secure hello over TLSv1.3');
    assert.equal(await serverDone, 'server saw close_notify');
  } finally {
    raw.destroy();
    plain.close();
  }
});

test('TLSSocket: an untrusted server certificate fails the client with a reason and the server with tlsClientError; rejectUnauthorized false records it', async () => {
  const other = createServer(serverTls);
  // The lax client below leaves without close_notify: its server socket reports truncation.
  other.on('secureConnection', (s: TLSSocket) => s.on('error', () => undefined));
  const port = await listen(other);
  try {
    const tlsClientError = once(other, 'tlsClientError');
    const bad = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: [] });
    const [e] = (await once(bad, 'error')) as [Error & { code?: string; cause?: { reason?: string } }];
    assert.equal(e.code, 'DEPTH_ZERO_SELF_SIGNED_CERT', 'node:tls names the problem');
    assert.equal(e.cause?.reason, 'SSL_R_CERTIFICATE_VERIFY_FAILED', "typessl's error is the cause");
    const [se] = (await tlsClientError) as [Error & { reason?: string }];
    assert.ok(se.reason, 'the server error names a reason');

    const lax = connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });
    await once(lax, 'secureConnect');
    assert.equal(lax.authorized, false);
    assert.equal(lax.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    lax.destroy();
  } finally {
    other.close();
  }
});
