/**
 * typessl/web: the Web Streams duplex (issue 7, acceptance 4) over an in-memory pair of streams
 * and over a real WebSocket (ws) bridged to TCP openssl s_server on 127.0.0.1: handshake, data
 * both ways, shutdown (close, await shutdown(), closed) and truncation as an error. Also checks
 * that the typessl/web module graph imports no `node:` module.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { nodeCrypto } from '../../src/crypto/node.js';
import { accept, connect, ERR_TLS_TRUNCATED, SslContext, webSocketStreams, type ByteStreamPair, type SecureStreams, type WebSocketLike } from '../../src/web/index.js';
import { killAllPeers, startOpensslServer } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';

after(killAllPeers);
const pki = makeTestPki();
const MiB = 1024 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const serverContext = (): SslContext => new SslContext({ provider: nodeCrypto, certificate: pki.ec.certPem, privateKey: pki.ec.keyPem });
const clientContext = (options = 0): SslContext => new SslContext({ provider: nodeCrypto, trustedCertificates: pki.ec.certPem, options });

/** Two crossed TransformStreams: what one side writes, the other reads. */
function memoryTransports(): { client: ByteStreamPair; server: ByteStreamPair } {
  const up = new TransformStream<Uint8Array, Uint8Array>();
  const down = new TransformStream<Uint8Array, Uint8Array>();
  return { client: { readable: down.readable, writable: up.writable }, server: { readable: up.readable, writable: down.writable } };
}

/** Reads a readable to its end. Rejects if it errors. */
async function readAll(readable: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const reader = readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  reader.releaseLock();
  return Buffer.concat(parts);
}

async function writeAll(writable: WritableStream<Uint8Array>, data: Uint8Array, close: boolean): Promise<void> {
  const writer = writable.getWriter();
  for (let i = 0; i < data.length; i += 50_000) await writer.write(data.subarray(i, i + 50_000));
  if (close) await writer.close();
  writer.releaseLock();
}

test('web streams over an in-memory pair: handshake, 1 MiB each way, close -> end, closed resolves on both sides', async () => {
  const t = memoryTransports();
  const [client, server] = await Promise.all([
    connect(t.client, { context: clientContext(), servername: 'localhost' }),
    accept(t.server, { context: serverContext() }),
  ]);
  assert.equal(client.protocol, 'TLSv1.3');
  assert.equal(server.protocol, 'TLSv1.3');
  const up = randomBytes(MiB);
  const down = randomBytes(MiB);
  const [, , gotUp, gotDown] = await Promise.all([
    writeAll(client.writable, up, true),
    writeAll(server.writable, down, false),
    readAll(server.readable),
    readAll(client.readable),
  ]);
  assert.equal(sha(gotUp), sha(up), 'every byte written before close() arrived');
  assert.equal(sha(gotDown), sha(down));
  // The server answered the client's close_notify (allowHalfOpen false): both sides are closed.
  await Promise.all([client.closed, server.closed]);
});

test('web streams: shutdown() resolves only after the peer close_notify; allowHalfOpen lets the peer send first', async () => {
  const t = memoryTransports();
  const [client, server] = await Promise.all([
    connect(t.client, { context: clientContext(), servername: 'localhost' }),
    accept(t.server, { context: serverContext(), allowHalfOpen: true }),
  ]);
  const gotByClient = readAll(client.readable);
  let done = false;
  const closing = client.shutdown().then(() => (done = true));
  assert.equal((await readAll(server.readable)).length, 0, "the server's readable ends on the client's close_notify");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false, 'shutdown() waits for the peer close_notify');
  await writeAll(server.writable, new TextEncoder().encode('half-open reply'), true);
  await closing;
  assert.equal((await gotByClient).toString(), 'half-open reply');
  await Promise.all([client.closed, server.closed]);
});

test('web streams: a transport that ends without close_notify errors the readable with ERR_TLS_TRUNCATED', async () => {
  // The server's output goes through a relay the test can cut.
  const t = memoryTransports();
  let cut!: () => void;
  const relayed = new ReadableStream<Uint8Array>({
    start(controller) {
      const reader = t.client.readable.getReader();
      let open = true;
      cut = () => {
        open = false;
        controller.close();
        reader.cancel().catch(() => undefined);
      };
      void (async () => {
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done || !open) return;
          controller.enqueue(value!);
        }
      })();
    },
  });
  const [client, server] = await Promise.all([
    connect({ readable: relayed, writable: t.client.writable }, { context: clientContext(), servername: 'localhost' }),
    accept(t.server, { context: serverContext() }),
  ]);
  const w = server.writable.getWriter();
  await w.write(new TextEncoder().encode('partial'));
  const reader = client.readable.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), 'partial');
  cut();
  await assert.rejects(reader.read(), (e: Error & { code?: string }) => e.code === ERR_TLS_TRUNCATED);
  await assert.rejects(client.closed, (e: Error & { code?: string }) => e.code === ERR_TLS_TRUNCATED);
  await assert.rejects(client.shutdown(), (e: Error & { code?: string }) => e.code === ERR_TLS_TRUNCATED);
});

/** A ws WebSocket server that bridges each WebSocket to a TCP connection to 127.0.0.1:port. */
async function bridge(port: number): Promise<{ url: string; close(): void }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  wss.on('connection', (ws) => {
    const tcp = net.connect({ port, host: '127.0.0.1' });
    ws.on('message', (data: Buffer) => tcp.write(data));
    ws.on('close', () => tcp.end());
    tcp.on('data', (d) => ws.send(d));
    // Like a simple proxy, any end of the TCP side (FIN, or a reset from a killed peer) closes the
    // WebSocket normally: the TLS layer must still notice that no close_notify came.
    tcp.on('error', () => undefined);
    tcp.on('close', () => ws.close(1000));
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/`,
    close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}

async function overWebSocket(port: number): Promise<{ tls: SecureStreams; close(): void }> {
  const br = await bridge(port);
  const ws = new WebSocket(br.url);
  const tls = await connect(webSocketStreams(ws as unknown as WebSocketLike), { context: clientContext(), servername: 'localhost' });
  return {
    tls,
    close() {
      ws.terminate();
      br.close();
    },
  };
}

test('web streams over a real WebSocket (ws) bridged to openssl s_server: handshake, 256 KiB each way, bidirectional shutdown', async () => {
  const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.3' });
  const conn = await overWebSocket(peer.port);
  try {
    const { tls } = conn;
    assert.equal(tls.protocol, 'TLSv1.3');
    const up = randomBytes(256 * 1024);
    const down = randomBytes(256 * 1024);
    const writer = tls.writable.getWriter();
    await writer.write(up);
    assert.ok((await peer.waitForReceived(up.length)).equals(up));
    peer.send(down);
    const reader = tls.readable.getReader();
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < down.length) {
      const { value } = await reader.read();
      parts.push(value!);
      got += value!.length;
    }
    assert.equal(sha(Buffer.concat(parts)), sha(down));
    reader.releaseLock();
    writer.releaseLock();
    const drained = readAll(tls.readable);
    const closing = tls.shutdown();
    // s_server sends its close_notify once its stdin ends.
    peer.endInput();
    await closing;
    assert.equal((await drained).length, 0);
    await tls.closed;
  } finally {
    conn.close();
    await peer.stop();
  }
});

test('web streams over a WebSocket: openssl s_server killed without close_notify -> ERR_TLS_TRUNCATED', async () => {
  const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.3' });
  const conn = await overWebSocket(peer.port);
  try {
    // Settled into a value at once, so the rejection is handled before peer.stop() returns.
    const reading = readAll(conn.tls.readable).then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    await peer.stop();
    assert.equal((await reading)?.code, ERR_TLS_TRUNCATED);
    await assert.rejects(conn.tls.closed, (e: Error & { code?: string }) => e.code === ERR_TLS_TRUNCATED);
  } finally {
    conn.close();
  }
});

test('typessl/web imports no node: module (it must run in browsers)', () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '../../src');
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\('([^']+)'\)/g)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('node:') || ['crypto', 'net', 'stream', 'fs', 'buffer'].includes(spec)) offenders.push(`${file}: ${spec}`);
      else if (spec.startsWith('.')) visit(join(dirname(file), spec));
    }
  };
  visit(join(root, 'web/index.js'));
  assert.ok(seen.size > 10, `walked ${seen.size} modules`);
  assert.deepEqual(offenders, []);
});
