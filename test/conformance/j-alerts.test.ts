/**
 * Section J of the shutdown contract: alerts, and where TLS 1.2 and TLS 1.3 differ (S-53 .. S-59).
 */
import assert from 'node:assert/strict';
import { AlertDescription, AlertLevel, ContentType } from '../../src/wire/enums.js';
import type { Connection } from '../../src/engine/connection.js';
import {
  SSL_ERROR_SSL,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_ZERO_RETURN,
  SSL_RECEIVED_SHUTDOWN,
  SSL_SENT_SHUTDOWN,
} from '../../src/ssl/constants.js';
import { alertTrace, assertFailure, craft, dec, enc, quiet, readAll, sealRaw, TLS12_ONLY, TLS13_ONLY, vtest, type Pair } from './harness.js';

const BOTH = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;

/** The server sends what `make` queues; the client reads. Returns the read's result. */
function serverSends(p: Pair, make: (conn: Connection) => void): number {
  craft(p.server, p.serverOut, make);
  p.toClient();
  return p.client.read(new Uint8Array(64));
}

/** The alerts the client sent back (after the test started tracing). */
const sentBy = (trace: ReturnType<typeof alertTrace>) => trace.filter((e) => e.direction === 'sent').map((e) => e.code);

vtest('S-53: in TLS 1.3 a close_notify at fatal level is still a clean close (ZERO_RETURN; RFC 8446 6 ignores the level)', (version) => {
  const p = quiet({ version, tickets: 1 });
  const r = serverSends(p, (c) => c.sendAlert(AlertLevel.fatal, AlertDescription.close_notify));
  assert.equal(r, 0);
  assert.equal(p.client.getError(r), SSL_ERROR_ZERO_RETURN);
  assert.equal(p.client.getShutdown(), SSL_RECEIVED_SHUTDOWN);
  assert.equal(p.client.getSession()!.isResumable(), true, 'no eviction: it was a close');
  assert.equal(p.client.shutdown(), 1);
}, TLS13_ONLY);

vtest('S-53: in TLS 1.2 a close_notify at fatal level is a fatal alert: SSL_ERROR_SSL, session evicted', (version) => {
  const p = quiet({ version, tickets: 1 });
  const s = p.client.getSession()!;
  const r = serverSends(p, (c) => c.sendAlert(AlertLevel.fatal, AlertDescription.close_notify));
  assertFailure(p.client, r, SSL_ERROR_SSL, 'SSL_R_SSLV3_ALERT_CLOSE_NOTIFY', (x) => x <= 0);
  assert.equal(s.isResumable(), false);
}, TLS12_ONLY);

vtest('S-54: TLS 1.2 warning alerts: ignored one by one; no_renegotiation is fatal handshake_failure; an unknown level is illegal_parameter; the 5th in a row is SSL_R_TOO_MANY_WARN_ALERTS', (version) => {
  // Ignored, and a record with data resets the count.
  const p = quiet({ version });
  for (let round = 0; round < 2; round++) {
    const r = serverSends(p, (c) => {
      for (let i = 0; i < 4; i++) c.sendAlert(AlertLevel.warning, AlertDescription.user_canceled);
      c.sendApplicationData(enc(`data${round}`));
    });
    assert.equal(r, 5, `round ${round}: four warnings skipped, then the data`);
  }
  // The 5th warning in a row.
  const q = quiet({ version });
  const qAlerts = alertTrace(q.client);
  const r = serverSends(q, (c) => {
    for (let i = 0; i < 5; i++) c.sendAlert(AlertLevel.warning, AlertDescription.user_canceled);
  });
  assertFailure(q.client, r, SSL_ERROR_SSL, 'SSL_R_TOO_MANY_WARN_ALERTS');
  assert.deepEqual(sentBy(qAlerts), [AlertDescription.unexpected_message]);
  // no_renegotiation at warning level.
  const n = quiet({ version });
  const nAlerts = alertTrace(n.client);
  assertFailure(n.client, serverSends(n, (c) => c.sendAlert(AlertLevel.warning, AlertDescription.no_renegotiation)), SSL_ERROR_SSL, null);
  assert.deepEqual(sentBy(nAlerts), [AlertDescription.handshake_failure]);
  // An alert level that is neither warning nor fatal.
  const u = quiet({ version });
  const uAlerts = alertTrace(u.client);
  assertFailure(u.client, serverSends(u, (c) => c.sendAlert(3, AlertDescription.user_canceled)), SSL_ERROR_SSL, 'SSL_R_UNKNOWN_ALERT_TYPE');
  assert.deepEqual(sentBy(uAlerts), [AlertDescription.illegal_parameter]);
}, TLS12_ONLY);

vtest('S-55: TLS 1.3 alerts: user_canceled is ignored (counted with warnings), every other alert is fatal whatever its level, unknown ones too', (version) => {
  const p = quiet({ version });
  const r = serverSends(p, (c) => {
    c.sendAlert(AlertLevel.warning, AlertDescription.user_canceled);
    c.sendApplicationData(enc('still here'));
  });
  assert.equal(r, 10, 'user_canceled skipped');
  for (const [level, description] of [
    [AlertLevel.warning, AlertDescription.handshake_failure],
    [AlertLevel.warning, 255],
    [AlertLevel.fatal, 254],
  ] as const) {
    const q = quiet({ version });
    const qAlerts = alertTrace(q.client);
    const x = serverSends(q, (c) => c.sendAlert(level, description));
    assertFailure(q.client, x, SSL_ERROR_SSL, null, (v) => v === 0);
    assert.equal(q.client.getErrorInfo()?.alert?.description, description);
    assert.deepEqual(sentBy(qAlerts), [], 'nothing sent back');
  }
  const w = quiet({ version });
  const x = serverSends(w, (c) => {
    for (let i = 0; i < 5; i++) c.sendAlert(AlertLevel.warning, AlertDescription.user_canceled);
  });
  assertFailure(w.client, x, SSL_ERROR_SSL, 'SSL_R_TOO_MANY_WARN_ALERTS');
}, TLS13_ONLY);

vtest('S-56: a received fatal alert sets RECEIVED_SHUTDOWN, read() returns 0, getError is SSL with "SSL alert number N", nothing goes back', (version) => {
  const p = quiet({ version });
  const trace = alertTrace(p.client);
  p.clientOut.resetCounters();
  const r = serverSends(p, (c) => c.sendAlert(AlertLevel.fatal, AlertDescription.access_denied));
  assert.equal(r, 0);
  assert.equal(p.client.getError(r), SSL_ERROR_SSL);
  const info = p.client.getErrorInfo()!;
  assert.equal(info.reason, 'SSL_R_TLSV1_ALERT_ACCESS_DENIED');
  assert.match(info.message, /SSL alert number 49/);
  assert.deepEqual(info.alert, { description: 49, name: 'access_denied', direction: 'received' });
  assert.equal(p.client.getShutdown(), SSL_RECEIVED_SHUTDOWN);
  assert.deepEqual(sentBy(trace), []);
  assert.equal(p.clientOut.writes, 0);
});

vtest('S-57: an alert record that is not exactly 2 bytes is fatal unexpected_message, SSL_R_INVALID_ALERT', (version) => {
  for (const body of [Uint8Array.of(1), Uint8Array.of(1, 0, 0), Uint8Array.of(2, 40, 2, 40)]) {
    const p = quiet({ version });
    const trace = alertTrace(p.client);
    const r = serverSends(p, (c) => sealRaw(c, ContentType.alert, body));
    assertFailure(p.client, r, SSL_ERROR_SSL, 'SSL_R_INVALID_ALERT');
    assert.deepEqual(sentBy(trace), [AlertDescription.unexpected_message], `${body.length}-byte alert`);
  }
});

vtest("S-58: at the Ssl level neither version answers a close_notify by itself (TLS 1.2's duty to answer is the caller's, as in OpenSSL)", (version) => {
  const p = quiet({ version });
  p.server.shutdown();
  p.toClient();
  p.clientOut.resetCounters();
  assert.equal(readAll(p.client).last, 0);
  // Reading more, even many times, never answers.
  for (let i = 0; i < 3; i++) assert.equal(p.client.read(new Uint8Array(4)), 0);
  assert.equal(p.clientOut.writes, 0);
  assert.equal(p.client.getShutdown(), SSL_RECEIVED_SHUTDOWN);
  // The caller answers with shutdown().
  assert.equal(p.client.shutdown(), 1);
  p.toServer();
  assert.equal(p.server.shutdown(), 1);
});

vtest('S-59: half-close semantics: after the server closes its write side it keeps reading everything the client still sends', (version) => {
  const p = quiet({ version });
  assert.equal(p.server.shutdown(), 0);
  p.toClient();
  assert.equal(readAll(p.client).last, 0);
  const parts = ['response part 1', 'response part 2', 'the end'];
  for (const part of parts) assert.equal(p.client.write(enc(part)), part.length);
  assert.equal(p.client.shutdown(), 1);
  p.toServer();
  const buf = new Uint8Array(256);
  let text = '';
  let n: number;
  while ((n = p.server.read(buf)) > 0) text += dec(buf.subarray(0, n));
  assert.equal(text, parts.join(''), 'nothing truncated');
  assert.equal(p.server.getError(n), SSL_ERROR_ZERO_RETURN);
  assert.equal(p.server.getShutdown(), BOTH);
  assert.notEqual(p.server.getError(-1), SSL_ERROR_WANT_READ);
});
