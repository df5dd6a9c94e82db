/**
 * Section B of the shutdown contract: the second stage of shutdown(), waiting for the peer's
 * close_notify (S-8 .. S-11).
 */
import assert from 'node:assert/strict';
import {
  SSL_ERROR_NONE,
  SSL_ERROR_SSL,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_ZERO_RETURN,
  SSL_RECEIVED_SHUTDOWN,
  SSL_SENT_SHUTDOWN,
} from '../../src/ssl/constants.js';
import { alertTrace, assertFailure, enc, quiet, readAll, vtest } from './harness.js';
import { asyncPair } from './async-pair.js';

const BOTH = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;

vtest("S-8: the second stage makes one read pass: -1/WANT_READ while nothing came, 1 once it processes the peer's close_notify", (version) => {
  const p = quiet({ version });
  assert.equal(p.client.shutdown(), 0);
  p.clientIn.resetCounters();
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_WANT_READ, null);
  assert.ok(p.clientIn.reads >= 1, 'the second stage reads the rbio');
  assert.equal(p.client.getShutdown(), SSL_SENT_SHUTDOWN);
  p.toServer();
  assert.equal(readAll(p.server).last, 0);
  assert.equal(p.server.shutdown(), 1);
  p.toClient();
  assert.equal(p.client.shutdown(), 1);
  assert.equal(p.client.getShutdown(), BOTH);
  assert.equal(p.client.getError(1), SSL_ERROR_NONE);
});

vtest('S-9: non-blocking, the second stage is repeated after -1/WANT_READ; the awaitable form resolves only when the close_notify came', async (version) => {
  const p = quiet({ version });
  assert.equal(p.client.shutdown(), 0);
  for (let i = 0; i < 3; i++) assertFailure(p.client, p.client.shutdown(), SSL_ERROR_WANT_READ, null);
  assert.equal(p.server.shutdown(), 0);
  p.toClient();
  assert.equal(p.client.shutdown(), 1, 'the same call, repeated, completes');

  // The blocking form (D-6): await shutdown() for the second stage does not resolve before the peer answers.
  const a = await asyncPair(version);
  try {
    assert.equal(await a.client.shutdown(), 0);
    let done = false;
    const second = a.client.shutdown().then((r) => {
      done = true;
      return r;
    });
    assert.equal(await a.server.read(), null, "the server saw the client's close_notify");
    await a.settle();
    assert.equal(done, false, 'still waiting: the peer has not sent close_notify');
    assert.equal(await a.server.shutdown(), 1);
    assert.equal(await second, 1);
    assert.equal(a.client.ssl.getShutdown(), BOTH);
  } finally {
    a.close();
  }
});

vtest('S-10: application data during the second stage is fatal SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY, and no alert is sent', (version) => {
  const p = quiet({ version });
  const alerts = alertTrace(p.client);
  assert.equal(p.client.shutdown(), 0);
  p.toServer();
  assert.equal(p.server.write(enc('late')), 4);
  p.toClient();
  p.clientOut.drain();
  p.clientOut.resetCounters();
  const r = p.client.shutdown();
  assertFailure(p.client, r, SSL_ERROR_SSL, 'SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY');
  assert.equal(p.clientOut.pending(), 0, 'nothing written');
  assert.deepEqual(alerts.filter((e) => e.direction === 'sent').map((e) => e.code), [0], 'only the close_notify was ever sent');
  // The connection is in the fatal state: every later call reports the same error.
  assertFailure(p.client, p.client.read(new Uint8Array(10)), SSL_ERROR_SSL, 'SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY');
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
});

vtest("S-11: both ways of waiting work: a second shutdown(), or read() until ZERO_RETURN and then shutdown() = 1", (version) => {
  // The 0.9.8 advice: call shutdown() again.
  const p = quiet({ version });
  assert.equal(p.client.shutdown(), 0);
  p.toServer();
  assert.equal(p.server.shutdown(), 0);
  p.toClient();
  assert.equal(p.client.shutdown(), 1);
  // The 1.1.1+ advice: read() until ZERO_RETURN (which also delivers the last data), then shutdown().
  const q = quiet({ version });
  assert.equal(q.client.shutdown(), 0);
  q.toServer();
  assert.equal(q.server.write(enc('last words')), 10);
  assert.equal(q.server.shutdown(), 0);
  q.toClient();
  const { text, last } = readAll(q.client);
  assert.equal(text, 'last words');
  assert.equal(last, 0);
  assert.equal(q.client.getError(last), SSL_ERROR_ZERO_RETURN);
  assert.equal(q.client.getShutdown(), BOTH);
  assert.equal(q.client.shutdown(), 1);
});
