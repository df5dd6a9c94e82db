/**
 * The twelve "suggested conformance tests" at the end of the shutdown contract, one test each
 * (per version where they apply to both).
 */
import assert from 'node:assert/strict';
import { AlertDescription, AlertLevel } from '../../src/wire/enums.js';
import {
  SSL_ERROR_SSL,
  SSL_ERROR_WANT_WRITE,
  SSL_ERROR_ZERO_RETURN,
  SSL_OP_IGNORE_UNEXPECTED_EOF,
  SSL_RECEIVED_SHUTDOWN,
  SSL_SENT_SHUTDOWN,
} from '../../src/ssl/constants.js';
import type { Ssl } from '../../src/ssl/ssl.js';
import type { Session } from '../../src/ssl/session.js';
import { alertTrace, assertFailure, connected, craft, enc, makePair, quiet, readAll, TLS12_ONLY, TLS13_ONLY, vtest, type Pair, type ProbeBio } from './harness.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import { SslContext } from '../../src/ssl/context.js';
import { Ssl as SslClass } from '../../src/ssl/ssl.js';

const SENT = SSL_SENT_SHUTDOWN;
const RECEIVED = SSL_RECEIVED_SHUTDOWN;
const BOTH = SENT | RECEIVED;
const badRecord = (): Uint8Array => new Uint8Array([23, 3, 3, 0, 20, ...new Uint8Array(20)]);

vtest('suggested 1 (S-3, S-8): lock-step over memory BIOs: client 0 (flags 1), server 0 (flags 1), client 1 (3), server 1 (3); then getError(0) is ZERO_RETURN on both', (version) => {
  const p = quiet({ version });
  assert.equal(p.client.shutdown(), 0);
  assert.equal(p.client.getShutdown(), SENT);
  p.toServer();
  assert.equal(p.server.shutdown(), 0);
  assert.equal(p.server.getShutdown(), SENT);
  p.toClient();
  assert.equal(p.client.shutdown(), 1);
  assert.equal(p.client.getShutdown(), BOTH);
  assert.equal(p.server.shutdown(), 1);
  assert.equal(p.server.getShutdown(), BOTH);
  assert.equal(p.client.getError(0), SSL_ERROR_ZERO_RETURN);
  assert.equal(p.server.getError(0), SSL_ERROR_ZERO_RETURN);
});

vtest('suggested 2 (S-4, S-14, S-15): the peer closed first: read() 0 / ZERO_RETURN, flags 2, write() still works, shutdown() = 1', (version) => {
  const p = quiet({ version });
  p.client.shutdown();
  p.toServer();
  const r = p.server.read(new Uint8Array(8));
  assert.equal(r, 0);
  assert.equal(p.server.getError(r), SSL_ERROR_ZERO_RETURN);
  assert.equal(p.server.getShutdown(), RECEIVED);
  assert.equal(p.server.write(enc('late reply')), 10);
  assert.equal(p.server.shutdown(), 1);
  p.toClient();
  assert.equal(readAll(p.client).text, 'late reply');
});

vtest('suggested 3 (S-5, S-6): a wbio that retries: -1/WANT_WRITE twice; once it takes data: 0, then 1', (version) => {
  const p = quiet({ version });
  p.server.shutdown();
  p.toClient(); // the server's close_notify is already there, as in OpenSSL's test_async_shutdown
  p.clientOut.writeMode = 'retry';
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_WANT_WRITE, null);
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_WANT_WRITE, null);
  p.clientOut.writeMode = 'ok';
  assert.equal(p.client.shutdown(), 0);
  assert.equal(p.client.shutdown(), 1);
});

vtest('suggested 4 (S-10, S-12): data in flight: the second shutdown() fails with APPLICATION_DATA_AFTER_CLOSE_NOTIFY; reading first gets the data, then 1', (version) => {
  const p = quiet({ version });
  p.client.shutdown();
  p.toServer();
  p.server.write(enc('in flight'));
  p.toClient();
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY');
  const q = quiet({ version });
  q.client.shutdown();
  q.toServer();
  q.server.write(enc('in flight'));
  q.server.shutdown();
  q.toClient();
  const buf = new Uint8Array(64);
  assert.equal(q.client.read(buf), 9);
  assert.equal(q.client.shutdown(), 1);
});

vtest('suggested 5 (S-20): TLS 1.3 tickets pending: the session is not resumable before, resumable after the second shutdown()', (version) => {
  const p = connected({ version, tickets: 2 });
  assert.equal(p.client.shutdown(), 0);
  const s = p.client.getSession()!;
  assert.equal(s.isResumable(), false);
  p.server.shutdown();
  p.toClient();
  assert.equal(p.client.shutdown(), 1);
  assert.equal(s.isResumable(), true);
  assert.equal(s.tickets.length, 2);
}, TLS13_ONLY);

vtest('suggested 6 (S-13): write() after shutdown() is -1 with SSL_R_PROTOCOL_IS_SHUTDOWN', (version) => {
  const p = quiet({ version });
  p.client.shutdown();
  assertFailure(p.client, p.client.write(enc('x')), SSL_ERROR_SSL, 'SSL_R_PROTOCOL_IS_SHUTDOWN');
});

vtest('suggested 7 (S-21, S-23, S-24): EOF: SSL / UNEXPECTED_EOF_WHILE_READING; with IGNORE_UNEXPECTED_EOF: ZERO_RETURN, and a SENT_SHUTDOWN set before stays', (version) => {
  const p = quiet({ version });
  p.clientIn.setEofReturn(0);
  assertFailure(p.client, p.client.read(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_UNEXPECTED_EOF_WHILE_READING', (r) => r <= 0);
  const q = quiet({ version, client: { options: SSL_OP_IGNORE_UNEXPECTED_EOF } });
  q.clientIn.setEofReturn(0);
  assert.equal(q.client.read(new Uint8Array(4)), 0);
  assert.equal(q.client.getError(0), SSL_ERROR_ZERO_RETURN);
  const s = quiet({ version, client: { options: SSL_OP_IGNORE_UNEXPECTED_EOF } });
  s.client.shutdown();
  s.clientIn.setEofReturn(0);
  assert.equal(s.client.read(new Uint8Array(4)), 0);
  assert.equal(s.client.getShutdown(), BOTH);
});

/**
 * LibreSSL's shutdown_tests[] matrix: the tested side starts with `preset` flags and `quietMode`,
 * then both sides call shutdown() in turns (moving bytes between calls) until both return 1 or
 * nothing moves any more; then the tested side's transport closes.
 */
function matrixRun(version: 'TLSv1.3' | 'TLSv1.2', side: 'client' | 'server', preset: number, quietMode: boolean) {
  const p = quiet({ version });
  const tested = side === 'client' ? p.client : p.server;
  const other = side === 'client' ? p.server : p.client;
  const otherIn: ProbeBio = side === 'client' ? p.serverIn : p.clientIn;
  const seen = alertTrace(other);
  tested.setShutdown(preset);
  tested.setQuietShutdown(quietMode);
  let t = 0;
  let o = 0;
  for (let round = 0; round < 4 && (t !== 1 || o !== 1); round++) {
    if (t !== 1) t = tested.shutdown();
    p.transfer();
    if (o !== 1) o = other.shutdown();
    p.transfer();
  }
  if (o !== 1) {
    otherIn.setEofReturn(0); // the tested side is done and closes its transport
    o = other.shutdown();
  }
  const closeNotifySeen = seen.some((e) => e.direction === 'received' && e.code === AlertDescription.close_notify);
  return { t, o, testedFlags: tested.getShutdown(), otherFlags: other.getShutdown(), closeNotifySeen, otherReason: other.getErrorInfo()?.reason ?? null };
}

vtest('suggested 8 (S-40..S-44): setShutdown {0, SENT, RECEIVED, SENT|RECEIVED} x quiet {0, 1} on each side: final flags and whether the peer saw close_notify', (version) => {
  for (const side of ['client', 'server'] as const) {
    for (const preset of [0, SENT, RECEIVED, BOTH]) {
      for (const quietMode of [false, true]) {
        const label = `${side} preset ${preset} quiet ${quietMode}`;
        const r = matrixRun(version, side, preset, quietMode);
        // Our close_notify goes out only when not quiet and SENT was not preset.
        const sends = !quietMode && (preset & SENT) === 0;
        assert.equal(r.t, 1, `${label}: the tested side completes`);
        assert.equal(r.testedFlags, BOTH, `${label}: tested flags`);
        assert.equal(r.closeNotifySeen, sends, `${label}: the peer saw close_notify`);
        if (sends) {
          assert.equal(r.o, 1, `${label}: the peer completes`);
          assert.equal(r.otherFlags, BOTH, `${label}: peer flags`);
        } else {
          // Without our close_notify the peer only ever has SENT, and the closed transport is a truncation.
          assert.equal(r.otherFlags, SENT, `${label}: peer flags`);
          assert.equal(r.otherReason, 'SSL_R_UNEXPECTED_EOF_WHILE_READING', label);
        }
      }
    }
  }
});

vtest('suggested 9 (S-33, S-34): shutdown() before and during the handshake and after a fatal alert is SHUTDOWN_WHILE_IN_INIT; without a role it is UNINITIALIZED', (version) => {
  const p = makePair({ version });
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
  p.client.connect();
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
  const f = quiet({ version });
  craft(f.server, f.serverOut, (c) => c.sendAlert(AlertLevel.fatal, AlertDescription.internal_error));
  f.toClient();
  f.client.read(new Uint8Array(4));
  assertFailure(f.client, f.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
  const bare: Ssl = new SslClass(new SslContext({ provider: nodeCrypto }));
  assertFailure(bare, bare.shutdown(), SSL_ERROR_SSL, 'SSL_R_UNINITIALIZED');
});

vtest('suggested 10 (S-46..S-48): free() without shutdown() evicts (remove callback); setShutdown(SENT|RECEIVED) first keeps it; a fatal alert sent or received evicts', (version) => {
  const run = (prepare: (p: Pair) => void): { session: Session; removed: number } => {
    const p = quiet({ version, tickets: 1 });
    let removed = 0;
    p.serverCtx.sessionCache.onRemoveSession = () => removed++;
    const session = p.server.getSession()!;
    prepare(p);
    p.server.free();
    return { session, removed };
  };
  const plain = run(() => {});
  assert.deepEqual([plain.session.isResumable(), plain.removed], [false, 1]);
  const flagged = run((p) => p.server.setShutdown(BOTH));
  assert.deepEqual([flagged.session.isResumable(), flagged.removed], [true, 0]);
  const sent = run((p) => {
    p.serverIn.inject(badRecord());
    p.server.read(new Uint8Array(4));
  });
  assert.deepEqual([sent.session.isResumable(), sent.removed], [false, 1]);
  const received = run((p) => {
    craft(p.client, p.clientOut, (c) => c.sendAlert(AlertLevel.fatal, AlertDescription.internal_error));
    p.toServer();
    p.server.read(new Uint8Array(4));
  });
  assert.deepEqual([received.session.isResumable(), received.removed], [false, 1]);
});

vtest('suggested 11 (S-53, S-55): TLS 1.3: warning-level handshake_failure is fatal, user_canceled is ignored, fatal-level close_notify is ZERO_RETURN', (version) => {
  const p = quiet({ version });
  craft(p.server, p.serverOut, (c) => c.sendAlert(AlertLevel.warning, AlertDescription.handshake_failure));
  p.toClient();
  assertFailure(p.client, p.client.read(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE', (r) => r === 0);
  const q = quiet({ version });
  craft(q.server, q.serverOut, (c) => {
    c.sendAlert(AlertLevel.warning, AlertDescription.user_canceled);
    c.sendAlert(AlertLevel.fatal, AlertDescription.close_notify);
  });
  q.toClient();
  assert.equal(q.client.read(new Uint8Array(4)), 0);
  assert.equal(q.client.getError(0), SSL_ERROR_ZERO_RETURN);
}, TLS13_ONLY);

vtest('suggested 11 (S-53, S-54): TLS 1.2: fatal-level close_notify is an error; the 5th warning alert in a row is TOO_MANY_WARN_ALERTS', (version) => {
  const p = quiet({ version });
  craft(p.server, p.serverOut, (c) => c.sendAlert(AlertLevel.fatal, AlertDescription.close_notify));
  p.toClient();
  assertFailure(p.client, p.client.read(new Uint8Array(4)), SSL_ERROR_SSL, null, (r) => r <= 0);
  const q = quiet({ version });
  craft(q.server, q.serverOut, (c) => {
    for (let i = 0; i < 5; i++) c.sendAlert(AlertLevel.warning, AlertDescription.user_canceled);
  });
  q.toClient();
  assertFailure(q.client, q.client.read(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_TOO_MANY_WARN_ALERTS');
}, TLS12_ONLY);

vtest('suggested 12 (S-25): after our close_notify a later error puts no other alert on the wire', (version) => {
  for (const trouble of ['bad record', 'eof', 'data'] as const) {
    const p = quiet({ version });
    const trace = alertTrace(p.client);
    assert.equal(p.client.shutdown(), 0);
    p.clientOut.drain();
    p.clientOut.resetCounters();
    if (trouble === 'bad record') p.clientIn.inject(badRecord());
    else if (trouble === 'eof') p.clientIn.setEofReturn(0);
    else {
      p.server.write(enc('data'));
      p.toClient();
    }
    const r = p.client.shutdown();
    assert.ok(r < 0 || r === 0, trouble);
    assert.equal(p.client.getError(r), SSL_ERROR_SSL, trouble);
    assert.equal(p.clientOut.writes, 0, `${trouble}: nothing written`);
    assert.deepEqual(trace.filter((e) => e.direction === 'sent').map((e) => e.code), [AlertDescription.close_notify], trouble);
  }
});
