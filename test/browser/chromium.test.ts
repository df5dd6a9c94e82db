/**
 * typessl in a real browser (issue 10, acceptance 1): headless Chromium (Debian's, driven by
 * playwright-core) loads a page with the browser bundle (`scripts/build-browser.mjs`, esbuild,
 * built here into a temp dir). Through a WebSocket-to-TCP bridge (a `ws` server in this process)
 * the page connects to `openssl s_server` on 127.0.0.1, completes a TLS 1.3 or TLS 1.2 handshake verifying the
 * server's certificate, sends an HTTP request, reads the reply and closes with close_notify,
 * which s_server reports in its -msg log. The page's result is saved as a screenshot under
 * test-artifacts/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { killAllPeers, startOpensslServer, type PeerProcess } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';
import type { PageOptions, PageResult } from './page-client.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const CHROMIUM = '/usr/bin/chromium';

const pki = makeTestPki();
const bundleDir = mkdtempSync(join(tmpdir(), 'typessl-browser-'));
let bundleReport = '';
let browser: Browser | undefined;
let http: Server | undefined;
let wss: WebSocketServer | undefined;
let baseUrl = '';
/** The bridge connects only to ports the test allows (the s_server of the running test). */
const allowedPorts = new Set<number>();

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>typessl in the browser</title>
<style>
  body { font: 14px/1.4 monospace; margin: 16px; }
  pre { white-space: pre-wrap; border: 1px solid #999; padding: 8px; }
  .ok { color: #064; } .failed { color: #a00; }
</style>
<h1>typessl: TLS from a browser page</h1>
<pre id="result">running...</pre>
<script type="module">
  import { runTls } from './page-client.js';
  window.runTls = runTls;
  window.pageReady = true;
</script>
`;

before(async () => {
  // .ci/run installs Debian's chromium when it is missing; say how if it is not there.
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run .ci/run or apt-get install -y chromium`);
  bundleReport = execFileSync(process.execPath, [join(root, 'scripts', 'build-browser.mjs'), '--out', bundleDir], { encoding: 'utf8' }).trim();
  const files: Record<string, [string, string]> = {
    '/typessl.js': [join(bundleDir, 'typessl.js'), 'text/javascript'],
    '/page-client.js': [join(here, 'page-client.js'), 'text/javascript'],
  };
  http = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return;
    }
    const file = files[path];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file[1] }).end(readFileSync(file[0]));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  // The bridge: each WebSocket is one TCP connection to 127.0.0.1:<port>; binary both ways.
  wss = new WebSocketServer({ server: http, path: '/bridge' });
  wss.on('connection', (ws, req) => {
    const port = Number(new URL(req.url ?? '', 'http://localhost').searchParams.get('port'));
    if (!allowedPorts.has(port)) {
      ws.close(1008, 'port not allowed');
      return;
    }
    const tcp = net.connect(port, '127.0.0.1');
    const pending: Buffer[] = [];
    tcp.on('connect', () => {
      for (const chunk of pending.splice(0)) tcp.write(chunk);
    });
    ws.on('message', (data: Buffer) => {
      if (tcp.connecting) pending.push(data);
      else tcp.write(data);
    });
    tcp.on('data', (data) => ws.send(data));
    // Either side closing closes the other: the page sees the TCP close as a closed WebSocket.
    tcp.on('close', () => ws.close());
    tcp.on('error', () => ws.close());
    ws.on('close', () => tcp.end());
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  for (const client of wss?.clients ?? []) client.terminate();
  wss?.close();
  http?.close();
  await killAllPeers();
  rmSync(bundleDir, { recursive: true, force: true });
});

const BODY = 'hello from openssl s_server, through a WebSocket-to-TCP bridge\n';
const REPLY = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY}`;
const REQUEST = 'GET /hello HTTP/1.1\r\nHost: localhost\r\nUser-Agent: typessl-browser-test\r\n\r\n';

/**
 * One browser connection to an s_server: the page runs the TLS client; this side plays the HTTP
 * server through s_server's stdin/stdout (s_server prints what it receives and sends its stdin).
 */
async function browserExchange(peer: PeerProcess, context: Record<string, unknown>, screenshot: string): Promise<PageResult> {
  allowedPorts.add(peer.port);
  const page = await browser!.newPage();
  try {
    await page.goto(`${baseUrl}/`);
    await page.waitForFunction(() => (globalThis as unknown as { pageReady?: boolean }).pageReady === true);
    const options: PageOptions = { wsUrl: `${baseUrl.replace('http', 'ws')}/bridge?port=${peer.port}`, context, serverName: 'localhost', request: REQUEST };
    const running = page.evaluate((o) => (globalThis as unknown as { runTls(o: PageOptions): Promise<PageResult> }).runTls(o), options);
    // When the whole request has arrived at s_server, answer it.
    const received = await Promise.race([peer.waitForReceived(REQUEST.length, 30_000), running.then((r) => Promise.reject(new Error(`page ended early: ${JSON.stringify(r)}`)))]);
    assert.equal(received.toString(), REQUEST);
    peer.send(Buffer.from(REPLY));
    const result = await running;
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts', screenshot) });
    return result;
  } finally {
    await page.close();
    allowedPorts.delete(peer.port);
  }
}

test('the browser bundle builds with esbuild, and its size is reported', () => {
  assert.match(bundleReport, /^browser bundle: .*typessl\.js: [\d.]+ KiB minified, [\d.]+ KiB gzip/);
  const bundle = readFileSync(join(bundleDir, 'typessl.js'), 'utf8');
  assert.doesNotMatch(bundle, /["']node:[a-z_/]+["']/, 'no node: module in the bundle');
  console.log(bundleReport);
});

test('Chromium: TLS 1.3 to openssl s_server through a WebSocket bridge: verified handshake, HTTP request and reply, close_notify both ways', async () => {
  const chain = pki.ecChain;
  const peer = await startOpensslServer({ cert: chain.leaf.certPath, key: chain.leaf.keyPath, chain: chain.intermediate.certPath, version: '1.3', diag: 'msg' });
  try {
    const result = await browserExchange(peer, { trustedCertificates: chain.caPem }, 'browser-tls13.png');
    assert.equal(result.error, undefined, result.log.join('\n'));
    assert.equal(result.provider, 'portable', 'the bundle installed the portable provider');
    assert.equal(result.version, 'TLSv1.3');
    assert.equal(result.cipher, 'TLS_AES_128_GCM_SHA256');
    assert.equal(result.peerSignatureScheme, 'ecdsa_secp256r1_sha256');
    assert.equal(result.response, REPLY);
    assert.equal(result.shutdown, 1, 'close_notify sent and the server answered with its own');
    // s_server reports the page's close_notify in its -msg log.
    await peer.waitForLog(/<<< TLS 1\.3, Alert \[length 0002\], warning close_notify/, 10_000);
    await peer.exited;
  } finally {
    await peer.stop();
  }
});

test('Chromium: TLS 1.2 (ECDHE-RSA-AES256-GCM-SHA384) to openssl s_server through the bridge: verified handshake, HTTP request and reply, close_notify both ways', async () => {
  const chain = pki.rsaChain;
  const peer = await startOpensslServer({ cert: chain.leaf.certPath, key: chain.leaf.keyPath, chain: chain.intermediate.certPath, version: '1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', diag: 'msg' });
  try {
    const result = await browserExchange(peer, { trustedCertificates: chain.caPem, maxVersion: 'TLSv1.2' }, 'browser-tls12.png');
    assert.equal(result.error, undefined, result.log.join('\n'));
    assert.equal(result.provider, 'portable');
    assert.equal(result.version, 'TLSv1.2');
    assert.equal(result.cipher, 'ECDHE-RSA-AES256-GCM-SHA384');
    assert.equal(result.response, REPLY);
    assert.equal(result.shutdown, 1, 'close_notify sent and the server answered with its own');
    await peer.waitForLog(/<<< TLS 1\.2, Alert \[length 0002\], warning close_notify/, 10_000);
    await peer.exited;
  } finally {
    await peer.stop();
  }
});
