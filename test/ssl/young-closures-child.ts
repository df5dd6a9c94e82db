/**
 * Child process of young-closures.test.ts (run with --expose-gc): how many bytes of finished
 * TLS 1.3 connections survive a young-generation GC. Prints one JSON line, bytes per connection
 * for full and resumed handshakes.
 *
 * TLS 1.3 only: its server keeps nothing per connection (sealed tickets, no internal session
 * cache), so everything still young after the scavenge is garbage the scavenge kept. A TLS 1.2
 * server caches a session per full handshake on purpose, which this count cannot tell apart.
 *
 * A server keeps running connections one after another; the objects of one that has finished
 * are garbage and should die in the next scavenge. If something in the old generation still
 * points at them, they survive it, are copied twice and promoted, and only the next full GC
 * frees them: every connection then costs GC time in proportion to its whole object graph.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapSpaceStatistics } from 'node:v8';
import { MemoryBio } from '../../src/bio/memory.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import { SslContext } from '../../src/ssl/context.js';
import { Ssl } from '../../src/ssl/ssl.js';
import type { Session } from '../../src/ssl/session.js';
import { createSelfSignedCertificate } from '../../src/x509/self-signed.js';

declare function gc(options?: { type: 'minor' }): void;

const cert = createSelfSignedCertificate({ provider: nodeCrypto });
const server13 = new SslContext({ provider: nodeCrypto, certificate: cert.certificatePem, privateKey: cert.privateKeyPem });
const client13 = new SslContext({ provider: nodeCrypto, trustedCertificates: cert.certificatePem });

const one = new Uint8Array([0x61]);
const buf = new Uint8Array(64);

/** One connection as an application makes it: handshake, a byte each way, both close_notify. */
function connection(serverCtx: SslContext, clientCtx: SslContext, offer: Session | null): Session | null {
  const toServer = new MemoryBio();
  const toClient = new MemoryBio();
  const client = new Ssl(clientCtx);
  const server = new Ssl(serverCtx);
  client.setBio(toClient, toServer);
  server.setBio(toServer, toClient);
  client.setConnectState();
  server.setAcceptState();
  client.setServerName('localhost');
  if (offer) client.setSession(offer);
  let c = -1;
  let s = -1;
  for (let i = 0; i < 10 && (c !== 1 || s !== 1); i++) {
    if (c !== 1) c = client.doHandshake();
    if (s !== 1) s = server.doHandshake();
  }
  if (c !== 1 || s !== 1) throw new Error('handshake did not finish');
  if (offer && !client.sessionReused()) throw new Error('the session was not resumed');
  server.write(one);
  client.read(buf);
  client.write(one);
  server.read(buf);
  client.shutdown();
  server.read(buf);
  server.shutdown();
  client.shutdown();
  return client.getSession();
}

function newSpaceUsed(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
}

const ROUNDS = 5;
const PER_ROUND = 100;

/** Median over rounds of the bytes per connection still in the young generation after a scavenge. */
async function survivingBytes(run: () => void): Promise<number> {
  for (let i = 0; i < 300; i++) run(); // optimized code and caches, as a server in its steady state
  const perConnection: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // A full GC (no options): on Node 20, `gc({ type: 'major' })` runs a scavenge (--trace-gc).
    gc();
    for (let i = 0; i < PER_ROUND; i++) run();
    // Leave the current job so nothing on the stack still holds the last connection.
    await sleep(5);
    gc({ type: 'minor' });
    perConnection.push(newSpaceUsed() / PER_ROUND);
  }
  perConnection.sort((a, b) => a - b);
  return Math.round(perConnection[ROUNDS >> 1]!);
}

const resumable13 = connection(server13, client13, null);
const result = {
  tls13: await survivingBytes(() => void connection(server13, client13, null)),
  tls13Resumed: await survivingBytes(() => void connection(server13, client13, resumable13)),
};
process.stdout.write(JSON.stringify(result) + '\n');
