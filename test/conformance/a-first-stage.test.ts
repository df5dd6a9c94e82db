/**
 * Section A of the shutdown contract (../../shared spec shutdown-behaviours.md): the first stage of
 * shutdown(), sending close_notify (S-1 .. S-7).
 */
import assert from 'node:assert/strict';
import { AlertDescription, AlertLevel, ContentType } from '../../src/wire/enums.js';
import {
  SSL_ERROR_NONE,
  SSL_ERROR_SYSCALL,
  SSL_ERROR_WANT_WRITE,
  SSL_RECEIVED_SHUTDOWN,
  SSL_SENT_SHUTDOWN,
} from '../../src/ssl/constants.js';
import { alertTrace, assertFailure, quiet, readAll, records, vtest } from './harness.js';

const SENT = SSL_SENT_SHUTDOWN;
const BOTH = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;

vtest('S-1: SENT_SHUTDOWN is set by the first shutdown() and stays set when the write fails or blocks', (version) => {
  for (const mode of ['error', 'retry'] as const) {
    const p = quiet({ version });
    p.clientOut.writeMode = mode;
    const r = p.client.shutdown();
    assertFailure(p.client, r, mode === 'error' ? SSL_ERROR_SYSCALL : SSL_ERROR_WANT_WRITE, null);
    assert.equal(p.client.getShutdown(), SENT, `flag after a ${mode} write`);
    assert.equal(p.clientOut.writes, 1, 'it did try to write the alert');
  }
});

vtest('S-2: close_notify goes out as one alert record at warning level', (version) => {
  const p = quiet({ version });
  const sent = alertTrace(p.client);
  const seen = alertTrace(p.server);
  assert.equal(p.client.shutdown(), 0);
  const wire = p.clientOut.drain();
  const recs = records(wire);
  assert.equal(recs.length, 1, 'exactly one record');
  // TLS 1.3 hides the alert inside an application_data record; TLS 1.2 shows it.
  assert.equal(recs[0]!.type, version === 'TLSv1.3' ? ContentType.application_data : ContentType.alert);
  assert.deepEqual(sent.map((e) => [e.direction, e.level, e.code]), [['sent', AlertLevel.warning, AlertDescription.close_notify]]);
  p.serverIn.inject(wire);
  assert.equal(readAll(p.server).last, 0);
  assert.deepEqual(seen.map((e) => [e.direction, e.level, e.code]), [['received', AlertLevel.warning, AlertDescription.close_notify]]);
});

vtest("S-3: the first call returns 0 and does not read, even with the peer's close_notify already in the rbio", (version) => {
  const p = quiet({ version });
  assert.equal(p.server.shutdown(), 0);
  p.toClient(); // the server's close_notify now waits in the client's rbio
  p.clientIn.resetCounters();
  assert.equal(p.client.shutdown(), 0);
  assert.equal(p.client.getError(0), SSL_ERROR_NONE);
  assert.equal(p.clientIn.reads, 0, 'the first stage never reads');
  assert.equal(p.client.getShutdown(), SENT);
  assert.ok(p.clientIn.pending() > 0, "the peer's close_notify is still unread");
  assert.equal(p.client.shutdown(), 1, 'the next call reads it');
  assert.equal(p.client.getShutdown(), BOTH);
});

vtest("S-4: after read() consumed the peer's close_notify, shutdown() sends ours and returns 1 at once", (version) => {
  const p = quiet({ version });
  assert.equal(p.server.shutdown(), 0);
  p.toClient();
  assert.equal(readAll(p.client).last, 0);
  assert.equal(p.client.getShutdown(), SSL_RECEIVED_SHUTDOWN);
  p.clientIn.resetCounters();
  assert.equal(p.client.shutdown(), 1);
  assert.equal(p.client.getShutdown(), BOTH);
  assert.equal(p.clientIn.reads, 0);
  assert.ok(p.toServer() > 0, 'our close_notify was written');
  assert.equal(p.server.shutdown(), 1, "the peer's second stage completes with it");
});

vtest('S-5: a wbio that cannot take the alert gives -1 / WANT_WRITE, and SENT_SHUTDOWN stays set', (version) => {
  const p = quiet({ version });
  p.clientOut.writeMode = 'retry';
  const r = p.client.shutdown();
  assertFailure(p.client, r, SSL_ERROR_WANT_WRITE, null);
  assert.equal(p.client.getShutdown(), SENT);
  // A partial write is a retry too: the rest of the record is still owed.
  const q = quiet({ version });
  q.clientOut.writeMode = 3;
  assertFailure(q.client, q.client.shutdown(), SSL_ERROR_WANT_WRITE, null);
  assert.equal(q.clientOut.pending(), 3);
});

vtest('S-6: a later call with the alert pending only retries the write: -1/WANT_WRITE again, then 0 (or 1), never reading', (version) => {
  const p = quiet({ version });
  assert.equal(p.server.shutdown(), 0);
  p.toClient(); // the peer's close_notify is available, but the retrying calls must not read it
  p.clientOut.writeMode = 'retry';
  assert.equal(p.client.shutdown(), -1);
  p.clientIn.resetCounters();
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_WANT_WRITE, null);
  p.clientOut.writeMode = 'ok';
  assert.equal(p.client.shutdown(), 0, 'the alert is flushed: first-stage result');
  assert.equal(p.clientIn.reads, 0, 'no read while the alert was pending');
  assert.equal(p.client.shutdown(), 1);

  // With RECEIVED_SHUTDOWN already set, the flushing call returns 1.
  const q = quiet({ version });
  assert.equal(q.server.shutdown(), 0);
  q.toClient();
  assert.equal(readAll(q.client).last, 0);
  q.clientOut.writeMode = 'retry';
  assertFailure(q.client, q.client.shutdown(), SSL_ERROR_WANT_WRITE, null);
  assertFailure(q.client, q.client.shutdown(), SSL_ERROR_WANT_WRITE, null);
  q.clientOut.writeMode = 'ok';
  assert.equal(q.client.shutdown(), 1);
  assert.ok(q.toServer() > 0);
});

vtest('S-7: 1 only when both flags are set and nothing is left to flush; then every call returns 1 without I/O', (version) => {
  const p = quiet({ version });
  p.client.setShutdown(SSL_RECEIVED_SHUTDOWN);
  p.clientOut.writeMode = 'retry';
  assert.equal(p.client.shutdown(), -1, 'both flags set, but the alert is not out yet');
  assert.equal(p.client.getShutdown(), BOTH);
  p.clientOut.writeMode = 'ok';
  assert.equal(p.client.shutdown(), 1);
  p.clientIn.resetCounters();
  p.clientOut.resetCounters();
  for (let i = 0; i < 3; i++) assert.equal(p.client.shutdown(), 1);
  assert.equal(p.clientIn.reads + p.clientOut.writes, 0, 'no I/O once complete');
  assert.equal(p.client.getError(1), SSL_ERROR_NONE);
});
