/**
 * Section E of the shutdown contract: getError(ret) (S-27 .. S-32). typessl keeps a per-connection
 * record of the last I/O call instead of a global error queue (S-30, D-2).
 */
import assert from 'node:assert/strict';
import { AlertDescription, AlertLevel } from '../../src/wire/enums.js';
import {
  SSL_ERROR_NONE,
  SSL_ERROR_SSL,
  SSL_ERROR_SYSCALL,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_WANT_WRITE,
  SSL_ERROR_ZERO_RETURN,
  SSL_RECEIVED_SHUTDOWN,
} from '../../src/ssl/constants.js';
import { assertFailure, craft, enc, quiet, readAll, vtest } from './harness.js';

const buf = (): Uint8Array => new Uint8Array(64);

vtest('S-27: getError decision order: ret > 0 is NONE; a recorded error beats WANT_*; WANT_READ/WANT_WRITE; ZERO_RETURN; a BIO failure is SYSCALL', (version) => {
  const p = quiet({ version });
  // 1. ret > 0 is NONE whatever happened before.
  assertFailure(p.client, p.client.read(buf()), SSL_ERROR_WANT_READ, null);
  assert.equal(p.client.getError(1), SSL_ERROR_NONE);
  // 4/5. The BIO that wants something decides WANT_READ or WANT_WRITE.
  p.clientOut.writeMode = 'retry';
  assertFailure(p.client, p.client.write(enc('x')), SSL_ERROR_WANT_WRITE, null);
  p.clientOut.writeMode = 'ok';
  assert.equal(p.client.write(enc('x')), 1);
  // 7. close_notify received: ZERO_RETURN.
  p.server.shutdown();
  p.toClient();
  assert.equal(p.client.read(buf()), 0);
  assert.equal(p.client.getError(0), SSL_ERROR_ZERO_RETURN);
  // 3. A protocol error wins over an empty rbio that would say WANT_READ.
  const q = quiet({ version });
  q.clientIn.inject(new Uint8Array([23, 3, 3, 0, 20, ...new Uint8Array(20)]));
  assertFailure(q.client, q.client.read(buf()), SSL_ERROR_SSL, 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
  assertFailure(q.client, q.client.read(buf()), SSL_ERROR_SSL, 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
  // 8. The transport failed: SYSCALL.
  const r = quiet({ version });
  r.clientIn.readMode = 'error';
  assertFailure(r.client, r.client.read(buf()), SSL_ERROR_SYSCALL, 'SSL_R_BIO_ERROR');
});

vtest('S-28: typessl does the 1.1.1+/3.x thing: ZERO_RETURN does not depend on ret being 0', (version) => {
  const p = quiet({ version });
  p.server.shutdown();
  p.toClient();
  assert.equal(p.client.read(buf()), 0);
  assert.equal(p.client.getError(0), SSL_ERROR_ZERO_RETURN);
  assert.equal(p.client.getError(-1), SSL_ERROR_ZERO_RETURN, 'the same answer for -1 (1.0.2 would say SYSCALL)');
});

vtest('S-29: getError(0) after shutdown() returned 0 is SSL_ERROR_NONE, never a misleading SYSCALL (D-2)', (version) => {
  const p = quiet({ version });
  assertFailure(p.client, p.client.read(buf()), SSL_ERROR_WANT_READ, null); // a stale WANT_READ before
  assert.equal(p.client.shutdown(), 0);
  assert.equal(p.client.getError(0), SSL_ERROR_NONE);
  assert.equal(p.client.getErrorInfo(), null);
});

vtest('S-30: the error record is per connection and reset at the start of every call', (version) => {
  const p = quiet({ version });
  const q = quiet({ version });
  // A failure on one connection does not show on another (no global queue).
  p.clientIn.readMode = 'error';
  assertFailure(p.client, p.client.read(buf()), SSL_ERROR_SYSCALL, null);
  assertFailure(q.client, q.client.read(buf()), SSL_ERROR_WANT_READ, null);
  // A later successful call replaces an earlier WANT_READ.
  q.server.write(enc('hello'));
  q.toClient();
  assert.equal(q.client.read(buf()), 5);
  assert.equal(q.client.getError(-1), SSL_ERROR_NONE, 'nothing stale from the earlier call');
  assert.equal(q.client.getErrorInfo(), null);
  // A failed write() on a connection that is fine does not poison the next call.
  q.client.shutdown();
  assertFailure(q.client, q.client.write(enc('x')), SSL_ERROR_SSL, 'SSL_R_PROTOCOL_IS_SHUTDOWN');
  assertFailure(q.client, q.client.read(buf()), SSL_ERROR_WANT_READ, null);
});

vtest("S-31: after a received fatal alert reads keep reporting SSL_ERROR_SSL, never ZERO_RETURN", (version) => {
  const p = quiet({ version });
  craft(p.server, p.serverOut, (conn) => conn.sendAlert(AlertLevel.fatal, AlertDescription.internal_error));
  p.toClient();
  const first = p.client.read(buf());
  assertFailure(p.client, first, SSL_ERROR_SSL, 'SSL_R_TLSV1_ALERT_INTERNAL_ERROR', (r) => r === 0);
  assert.equal(p.client.getShutdown() & SSL_RECEIVED_SHUTDOWN, SSL_RECEIVED_SHUTDOWN);
  for (let i = 0; i < 2; i++) {
    const r = p.client.read(buf());
    assert.ok(r <= 0);
    assert.equal(p.client.getError(r), SSL_ERROR_SSL);
    assert.equal(p.client.getError(0), SSL_ERROR_SSL, 'not ZERO_RETURN even for ret 0');
    assert.equal(p.client.getErrorInfo()?.alert?.direction, 'received');
  }
});

vtest('S-32: SSL_ERROR_SYSCALL and SSL_ERROR_SSL are fatal: later calls report the error without I/O, shutdown() is refused', (version) => {
  for (const kind of ['syscall', 'ssl'] as const) {
    const p = quiet({ version });
    if (kind === 'syscall') {
      p.clientOut.writeMode = 'error';
      assertFailure(p.client, p.client.write(enc('x')), SSL_ERROR_SYSCALL, null);
    } else {
      p.clientIn.inject(new Uint8Array([23, 3, 3, 0, 20, ...new Uint8Array(20)]));
      assertFailure(p.client, p.client.read(buf()), SSL_ERROR_SSL, null);
    }
    const code = kind === 'syscall' ? SSL_ERROR_SYSCALL : SSL_ERROR_SSL;
    p.clientIn.resetCounters();
    p.clientOut.resetCounters();
    p.server.write(enc('more'));
    p.toClient();
    assertFailure(p.client, p.client.read(buf()), code, null);
    assertFailure(p.client, p.client.write(enc('y')), code, null);
    assert.equal(p.clientIn.reads + p.clientOut.writes, 0, 'no I/O after a fatal error');
    assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
    assert.equal(readAll(p.client).last, -1);
  }
});
