/**
 * Child-process program for the HTTP interop tests of typessl/node: a node:https server (Node's
 * bundled OpenSSL) with a ws WebSocket echo endpoint, on 127.0.0.1 and an ephemeral port.
 *
 * Started as `node dist/test/helpers/https-peer.js '{"cert":PATH,"key":PATH}'`. Prints one JSON
 * line per event on stdout: `{"event":"listening","port":N}` first, then for every TLS connection
 * `{"event":"secure","protocol":...,"ekm":HEX,"finished":HEX,"peerFinished":HEX}` (the RFC 8446
 * 7.5 exporter with label EXPERIMENTAL-typessl and context "ctx", 32 bytes).
 *
 * Routes: `GET /bytes/N` answers N bytes of a fixed pattern (byte i = i mod 251); `POST /echo`
 * answers the request body; a WebSocket upgrade on any path echoes every message.
 * Exits on SIGTERM or after 120 s at most (no orphan outlives a crashed test run).
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';

const config = JSON.parse(process.argv[2] ?? '{}') as { cert: string; key: string };
const say = (event: Record<string, unknown>): boolean => process.stdout.write(JSON.stringify(event) + '\n');

/** Byte i of the /bytes/N pattern. */
function patternByte(i: number): number {
  return i % 251;
}

const server = https.createServer({ cert: readFileSync(config.cert), key: readFileSync(config.key), minVersion: 'TLSv1.3' }, (req, res) => {
  const m = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
  if (req.method === 'GET' && m) {
    const body = Buffer.alloc(Number(m[1]));
    for (let i = 0; i < body.length; i++) body[i] = patternByte(i);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
    return;
  }
  if (req.method === 'POST' && req.url === '/echo') {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    });
    return;
  }
  res.writeHead(404).end();
});
server.on('secureConnection', (s: TLSSocket) => {
  say({
    event: 'secure',
    protocol: s.getProtocol(),
    ekm: s.exportKeyingMaterial(32, 'EXPERIMENTAL-typessl', Buffer.from('ctx')).toString('hex'),
    finished: s.getFinished()?.toString('hex'),
    peerFinished: s.getPeerFinished()?.toString('hex'),
  });
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
server.listen(0, '127.0.0.1', () => say({ event: 'listening', port: (server.address() as { port: number }).port }));
process.on('SIGTERM', () => process.exit(0));
setTimeout(() => process.exit(0), 120_000).unref();
