/**
 * Section G of the shutdown contract: getShutdown() and setShutdown() (S-38 .. S-42).
 */
import assert from 'node:assert/strict';
import { AlertDescription, AlertLevel } from '../../src/wire/enums.js';
import { SSL_ERROR_SSL, SSL_ERROR_WANT_READ, SSL_RECEIVED_SHUTDOWN, SSL_SENT_SHUTDOWN } from '../../src/ssl/constants.js';
import { alertTrace, assertFailure, craft, quiet, readAll, vtest } from './harness.js';

const SENT = SSL_SENT_SHUTDOWN;
const RECEIVED = SSL_RECEIVED_SHUTDOWN;
const BOTH = SENT | RECEIVED;

vtest('S-38: getShutdown() is a 0..3 mask; RECEIVED comes from close_notify or a fatal alert, SENT only from our close_notify or setShutdown', (version) => {
  assert.equal(SSL_SENT_SHUTDOWN, 1);
  assert.equal(SSL_RECEIVED_SHUTDOWN, 2);
  const p = quiet({ version });
  assert.equal(p.client.getShutdown(), 0);
  p.server.shutdown();
  p.toClient();
  readAll(p.client);
  assert.equal(p.client.getShutdown(), RECEIVED, 'close_notify');
  p.client.shutdown();
  assert.equal(p.client.getShutdown(), BOTH);
  // A received fatal alert sets RECEIVED too.
  const q = quiet({ version });
  craft(q.server, q.serverOut, (conn) => conn.sendAlert(AlertLevel.fatal, AlertDescription.handshake_failure));
  q.toClient();
  assert.equal(q.client.read(new Uint8Array(4)), 0);
  assert.equal(q.client.getShutdown(), RECEIVED, 'fatal alert received');
  // Sending a fatal alert does not set SENT.
  const r = quiet({ version });
  const sent = alertTrace(r.client);
  r.clientIn.inject(new Uint8Array([23, 3, 3, 0, 20, ...new Uint8Array(20)]));
  assertFailure(r.client, r.client.read(new Uint8Array(4)), SSL_ERROR_SSL, null);
  assert.equal(sent.filter((e) => e.direction === 'sent').length, 1, 'a fatal alert went out');
  assert.equal(r.client.getShutdown(), 0);
});

vtest('S-39: setShutdown(mode) replaces the mask (as OpenSSL), so bits can be cleared', (version) => {
  const p = quiet({ version });
  p.client.setShutdown(BOTH);
  assert.equal(p.client.getShutdown(), BOTH);
  p.client.setShutdown(SENT);
  assert.equal(p.client.getShutdown(), SENT, 'RECEIVED cleared');
  p.client.setShutdown(0);
  assert.equal(p.client.getShutdown(), 0);
  p.client.setShutdown(0xff);
  assert.equal(p.client.getShutdown(), BOTH, 'unknown bits are ignored');
});

vtest("S-40: setShutdown(RECEIVED_SHUTDOWN) then shutdown() sends close_notify and returns 1 without waiting; the peer still gets it", (version) => {
  const p = quiet({ version });
  p.client.setShutdown(RECEIVED);
  assert.equal(p.client.shutdown(), 1);
  assert.equal(p.client.getShutdown(), BOTH);
  assert.equal(p.clientIn.reads, 0, 'no waiting');
  p.toServer();
  assert.equal(readAll(p.server).last, 0, 'the peer received our close_notify');
  assert.equal(p.server.shutdown(), 1);
  assert.equal(p.server.getShutdown(), BOTH);
});

vtest('S-41: setShutdown(SENT) suppresses our close_notify (shutdown() goes to the second stage); setShutdown(SENT|RECEIVED) makes it a no-op returning 1', (version) => {
  const p = quiet({ version });
  p.client.setShutdown(SENT);
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_WANT_READ, null);
  assert.equal(p.clientOut.writes, 0, 'no close_notify sent');
  p.server.shutdown();
  p.toClient();
  assert.equal(p.client.shutdown(), 1, "the peer's close_notify completes it");
  assert.equal(p.clientOut.writes, 0);
  const q = quiet({ version });
  q.client.setShutdown(BOTH);
  assert.equal(q.client.shutdown(), 1);
  assert.equal(q.clientIn.reads + q.clientOut.writes, 0, 'no I/O at all');
});

vtest('S-42: setShutdown(SENT|RECEIVED) before free() keeps the session of an aborted connection; without it the session is evicted', (version) => {
  const p = quiet({ version, tickets: 1 });
  const kept = p.server.getSession()!;
  p.server.setShutdown(BOTH);
  p.server.free();
  assert.equal(kept.isResumable(), true);
  assert.equal(p.serverCtx.sessionCache.size, 1);
  const q = quiet({ version, tickets: 1 });
  const lost = q.server.getSession()!;
  q.server.free();
  assert.equal(lost.isResumable(), false);
  assert.equal(q.serverCtx.sessionCache.size, 0);
});
