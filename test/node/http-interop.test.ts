/**
 * Real HTTP clients and servers over typessl/node (issue 7, acceptance 1): Node's https.request
 * and undici fetching from a node:https server (a child process) through a typessl client socket,
 * a ws WebSocket over typessl, and curl and Node's https client (child processes) fetching from a
 * typessl server that serves HTTP/1.1 with node:http.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent, request as undiciRequest } from 'undici';
import WebSocket from 'ws';
import { connect, createServer, type TLSSocket } from '../../src/node/index.js';
import { makeTestPki } from '../helpers/pki.js';
import { sessionFromBytes } from '../../src/ssl/session-codec.js';

const pki = makeTestPki();
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

interface HttpsPeer {
  port: number;
  /** 'secure' events reported so far. */
  secure: Array<{ protocol: string; ekm: string; finished: string; peerFinished: string }>;
  stop(): Promise<void>;
}

/** Starts the node:https + ws peer (test/helpers/https-peer.ts) as a child process. */
async function startHttpsPeer(): Promise<HttpsPeer> {
  const script = fileURLToPath(new URL('../helpers/https-peer.js', import.meta.url));
  const child = spawn(process.execPath, [script, JSON.stringify({ cert: pki.ec.certPath, key: pki.ec.keyPath })], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const secure: HttpsPeer['secure'] = [];
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`https peer exited early (${code})`)));
    lines.on('line', (line) => {
      const e = JSON.parse(line) as { event: string; port?: number } & HttpsPeer['secure'][number];
      if (e.event === 'listening') resolve(e.port!);
      if (e.event === 'secure') secure.push(e);
    });
  });
  return {
    port,
    secure,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = once(child, 'exit');
        child.kill('SIGTERM');
        await gone;
      }
      children.delete(child);
    },
  };
}

/** A typessl client socket to the peer, as a createConnection for node:http / ws. */
function typesslTo(port: number): TLSSocket {
  return connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ec.certPem, ALPNProtocols: ['http/1.1'] });
}

function readAll(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on('data', (d: Buffer) => parts.push(d));
    res.on('end', () => resolve(Buffer.concat(parts)));
    res.on('error', reject);
  });
}

test('https.request over a typessl client socket: GET 1 MiB and POST-echo 256 KiB from a node:https server', async () => {
  const peer = await startHttpsPeer();
  try {
    let socket: TLSSocket | null = null;
    const get = https.request({
      host: '127.0.0.1',
      port: peer.port,
      path: '/bytes/1048576',
      // No agent: with createConnection, node:http then uses that socket directly.
      createConnection: () => (socket = typesslTo(peer.port)),
    });
    get.end();
    const [res] = (await once(get, 'response')) as [http.IncomingMessage];
    assert.equal(res.statusCode, 200);
    assert.equal(sha(await readAll(res)), sha(pattern(1048576)));
    assert.ok(socket);
    const s = socket as TLSSocket;
    // The exporter agrees with node:tls on the other end (RFC 8446 7.5), and so do the Finished values.
    const reported = peer.secure[0]!;
    assert.equal(reported.protocol, 'TLSv1.3');
    assert.equal(s.exportKeyingMaterial(32, 'EXPERIMENTAL-typessl', Buffer.from('ctx')).toString('hex'), reported.ekm);
    assert.equal(s.getFinished()!.toString('hex'), reported.peerFinished);
    assert.equal(s.getPeerFinished()!.toString('hex'), reported.finished);

    const body = randomBytes(256 * 1024);
    const post = https.request({
      host: '127.0.0.1',
      port: peer.port,
      method: 'POST',
      path: '/echo',
      headers: { 'content-length': body.length },
      createConnection: () => typesslTo(peer.port),
    });
    post.end(body);
    const [res2] = (await once(post, 'response')) as [http.IncomingMessage];
    assert.equal(sha(await readAll(res2)), sha(body));
  } finally {
    await peer.stop();
  }
});

test('TLSSocket: getSession() returns the session bytes (a Buffer, as node:tls) once node:tls has sent its TLS 1.3 tickets (the session event)', async () => {
  const peer = await startHttpsPeer();
  try {
    const socket = typesslTo(peer.port);
    const session = once(socket, 'session');
    await once(socket, 'secureConnect');
    socket.write('GET /bytes/10 HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n');
    socket.resume();
    const [s] = await session;
    assert.ok(Buffer.isBuffer(s));
    const kept = sessionFromBytes(socket.getSession()!);
    assert.ok(kept.tickets.length >= 1);
    assert.equal(kept.isResumable(), true);
    await once(socket, 'end');
  } finally {
    await peer.stop();
  }
});

test('undici (Agent with a connect function) over typessl: request 512 KiB from a node:https server', async () => {
  const peer = await startHttpsPeer();
  const dispatcher = new Agent({
    connect: (_opts, callback) => {
      const socket = typesslTo(peer.port);
      socket.once('secureConnect', () => callback(null, socket as unknown as net.Socket));
      socket.once('error', (e) => callback(e, null));
      return socket as unknown as net.Socket;
    },
  });
  try {
    const res = await undiciRequest(`https://localhost:${peer.port}/bytes/524288`, { dispatcher });
    assert.equal(res.statusCode, 200);
    assert.equal(sha(Buffer.from(await res.body.arrayBuffer())), sha(pattern(524288)));
    const res2 = await undiciRequest(`https://localhost:${peer.port}/echo`, { dispatcher, method: 'POST', body: 'hello undici' });
    assert.equal(await res2.body.text(), 'hello undici');
  } finally {
    await dispatcher.close();
    await peer.stop();
  }
});

test('ws WebSocket over a typessl client socket: binary and text echo from a ws server on node:https', async () => {
  const peer = await startHttpsPeer();
  try {
    const ws = new WebSocket(`wss://localhost:${peer.port}/`, { createConnection: () => typesslTo(peer.port) as unknown as net.Socket });
    await once(ws, 'open');
    const payload = randomBytes(100_000);
    ws.send(payload);
    const [echoed] = (await once(ws, 'message')) as [Buffer];
    assert.equal(sha(echoed), sha(payload));
    ws.send('text frame');
    const [text] = (await once(ws, 'message')) as [Buffer];
    assert.equal(text.toString(), 'text frame');
    ws.close(1000);
    const [code] = (await once(ws, 'close')) as [number];
    assert.equal(code, 1000);
  } finally {
    await peer.stop();
  }
});

/** A typessl server that serves HTTP/1.1 through node:http: GET /bytes/N and POST /echo. */
async function typesslHttpServer(): Promise<{ port: number; close(): void }> {
  const app = http.createServer((req, res) => {
    const m = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
    if (m) {
      res.writeHead(200, { 'content-length': Number(m[1]) });
      res.end(pattern(Number(m[1])));
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => res.end(Buffer.concat(parts)));
  });
  const tlsServer = createServer({ cert: pki.ec.certPem, key: pki.ec.keyPem, ALPNProtocols: ['http/1.1'] }, (socket) => app.emit('connection', socket));
  tlsServer.on('tlsClientError', () => undefined);
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  return {
    port: (tlsServer.address() as net.AddressInfo).port,
    close() {
      tlsServer.close();
      app.close();
    },
  };
}

function run(file: string, args: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      children.delete(child);
      if (err) reject(Object.assign(err, { stderr: stderr.toString() }));
      else resolve({ stdout, stderr: stderr.toString() });
    });
    children.add(child);
  });
}

test('curl fetches 1 MiB over HTTP/1.1 from a typessl server, and POSTs a body that is echoed', async () => {
  const srv = await typesslHttpServer();
  try {
    const url = `https://localhost:${srv.port}`;
    const common = ['--silent', '--show-error', '--fail', '--http1.1', '--cacert', pki.ec.certPath, '--resolve', `localhost:${srv.port}:127.0.0.1`];
    const got = await run('curl', [...common, `${url}/bytes/1048576`]);
    assert.equal(sha(got.stdout), sha(pattern(1048576)));
    const echoed = await run('curl', [...common, '--data-binary', 'hello from curl', `${url}/echo`]);
    assert.equal(echoed.stdout.toString(), 'hello from curl');
    const v = await run('curl', [...common, '--write-out', '%{ssl_verify_result} %{http_version}', '--output', '/dev/null', `${url}/bytes/1`]);
    assert.equal(v.stdout.toString(), '0 1.1');
  } finally {
    srv.close();
  }
});

test("Node's https client (a child process) fetches 512 KiB from a typessl server", async () => {
  const srv = await typesslHttpServer();
  try {
    const script = `
      const https = require('node:https'); const fs = require('node:fs'); const crypto = require('node:crypto');
      https.get({ host: '127.0.0.1', port: ${srv.port}, servername: 'localhost', path: '/bytes/524288', ca: fs.readFileSync(${JSON.stringify(pki.ec.certPath)}) }, (res) => {
        const h = crypto.createHash('sha256'); const protocol = res.socket.getProtocol(); res.on('data', (d) => h.update(d));
        res.on('end', () => process.stdout.write(res.statusCode + ' ' + protocol + ' ' + h.digest('hex')));
      }).on('error', (e) => { console.error(e); process.exit(1); });`;
    const { stdout } = await run(process.execPath, ['-e', script]);
    assert.equal(stdout.toString(), `200 TLSv1.3 ${sha(pattern(524288))}`);
  } finally {
    srv.close();
  }
});
