/**
 * Every statement of the original manual page (/work/shared/spec/ssl_shutdown.pod), one test each,
 * titled with the sentence it proves. The SSLv2 sentence is out of scope (D-1: SSLv2 is refused).
 */
import assert from 'node:assert/strict';
import { BioPair } from '../../src/bio/pair.js';
import { AlertDescription, AlertLevel } from '../../src/wire/enums.js';
import {
  SSL_ERROR_NONE,
  SSL_ERROR_SSL,
  SSL_ERROR_SYSCALL,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_WANT_WRITE,
  SSL_ERROR_ZERO_RETURN,
  SSL_RECEIVED_SHUTDOWN,
  SSL_SENT_SHUTDOWN,
} from '../../src/ssl/constants.js';
import { asyncPair } from './async-pair.js';
import { alertTrace, assertFailure, craft, dec, enc, quiet, readAll, vtest } from './harness.js';

const SENT = SSL_SENT_SHUTDOWN;
const RECEIVED = SSL_RECEIVED_SHUTDOWN;
const BOTH = SENT | RECEIVED;

vtest('manual: "SSL_shutdown() shuts down an active TLS/SSL connection. It sends the close notify shutdown alert to the peer."', (version) => {
  const p = quiet({ version });
  const seen = alertTrace(p.server);
  assert.equal(p.client.shutdown(), 0);
  p.toServer();
  assert.equal(p.server.read(new Uint8Array(4)), 0);
  assert.deepEqual(seen.map((e) => [e.direction, e.code]), [['received', AlertDescription.close_notify]]);
});

vtest('manual: "Whether the operation succeeds or not, the SSL_SENT_SHUTDOWN flag is set and a currently open session is considered closed and good and will be kept in the session cache"', (version) => {
  for (const mode of ['ok', 'retry', 'error'] as const) {
    const p = quiet({ version, tickets: 1 });
    const session = p.server.getSession()!;
    p.serverOut.writeMode = mode;
    const r = p.server.shutdown();
    assert.equal(p.server.getShutdown(), SENT, `flag set (${mode})`);
    if (mode === 'ok') assert.equal(r, 0);
    else assertFailure(p.server, r, mode === 'retry' ? SSL_ERROR_WANT_WRITE : SSL_ERROR_SYSCALL, null);
    p.server.free();
    assert.equal(session.isResumable(), true, `session kept after free() (${mode})`);
    assert.equal(p.serverCtx.sessionCache.size, 1, `still in the cache (${mode})`);
  }
});

vtest('manual: "The shutdown procedure consists of 2 steps: the sending of the close notify shutdown alert and the reception of the peer\'s close notify shutdown alert."', (version) => {
  const p = quiet({ version });
  assert.equal(p.client.shutdown(), 0);
  assert.equal(p.client.getShutdown(), SENT, 'step 1: sent');
  p.toServer();
  readAll(p.server);
  p.server.shutdown();
  p.toClient();
  assert.equal(p.client.shutdown(), 1);
  assert.equal(p.client.getShutdown(), BOTH, 'step 2: received');
});

vtest('manual: "it is acceptable for an application to only send its shutdown alert and then close the underlying connection without waiting for the peer\'s response"', (version) => {
  const p = quiet({ version, tickets: 1 });
  const session = p.client.getSession()!;
  p.client.write(enc('request'));
  assert.equal(p.client.shutdown(), 0);
  p.toServer();
  p.client.free(); // closes without waiting
  assert.equal(session.isResumable(), true, 'a unidirectional close is a clean close');
  p.serverIn.setEofReturn(0); // the transport is gone after the alert
  const { text, last } = readAll(p.server);
  assert.equal(text, 'request');
  assert.equal(last, 0);
  assert.equal(p.server.getError(last), SSL_ERROR_ZERO_RETURN, 'the peer sees a proper close, not a truncation');
});

vtest('manual: "When the underlying connection shall be used for more communications, the complete shutdown procedure (bidirectional close notify alerts) must be performed, so that the peers stay synchronized."', (version) => {
  const p = quiet({ version });
  assert.equal(p.client.shutdown(), 0);
  p.toServer();
  assert.equal(readAll(p.server).last, 0);
  assert.equal(p.server.shutdown(), 1);
  // The server goes on in plaintext on the same transport, right after its close_notify.
  p.serverOut.inject(enc('PLAINTEXT AFTER TLS\r\n'));
  p.toClient();
  assert.equal(p.client.shutdown(), 1);
  // The client read exactly up to the end of the close_notify record: what follows is intact.
  assert.equal(dec(p.clientIn.drain()), 'PLAINTEXT AFTER TLS\r\n');
});

vtest('manual: "SSL_shutdown() supports both uni- and bidirectional shutdown by its 2 step behaviour."', (version) => {
  const uni = quiet({ version });
  assert.equal(uni.client.shutdown(), 0);
  const bi = quiet({ version });
  assert.equal(bi.client.shutdown(), 0);
  bi.toServer();
  assert.equal(bi.server.read(new Uint8Array(1)), 0);
  assert.equal(bi.server.shutdown(), 1);
  bi.toClient();
  assert.equal(bi.client.shutdown(), 1);
});

vtest('manual: "When the application is the first party to send the close notify alert, SSL_shutdown() will only send the alert and then set the SSL_SENT_SHUTDOWN flag ... SSL_shutdown() will then return with 0."', (version) => {
  const p = quiet({ version });
  p.server.shutdown();
  p.toClient(); // even with the peer's answer already waiting
  assert.equal(p.client.shutdown(), 0);
  assert.equal(p.clientIn.reads, 0, 'only sends');
  assert.equal(p.client.getShutdown(), SENT);
});

vtest('manual: "In order to complete the bidirectional shutdown handshake, SSL_shutdown() must be called again. The second call will make SSL_shutdown() wait for the peer\'s close notify ... the second call ... will return with 1."', (version) => {
  const p = quiet({ version });
  assert.equal(p.client.shutdown(), 0);
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_WANT_READ, null);
  p.toServer();
  readAll(p.server);
  p.server.shutdown();
  p.toClient();
  assert.equal(p.client.shutdown(), 1);
});

vtest('manual: "If the peer already sent the close notify alert and it was already processed implicitly inside another function (SSL_read), the SSL_RECEIVED_SHUTDOWN flag is set. SSL_shutdown() will send the close notify alert, set the SSL_SENT_SHUTDOWN flag and will immediately return with 1."', (version) => {
  const p = quiet({ version });
  p.server.shutdown();
  p.toClient();
  assert.equal(p.client.read(new Uint8Array(8)), 0);
  assert.equal(p.client.getShutdown(), RECEIVED, '"can be checked using SSL_get_shutdown()"');
  assert.equal(p.client.shutdown(), 1);
  assert.equal(p.client.getShutdown(), BOTH);
  assert.ok(p.clientOut.pending() > 0, 'the alert was sent');
});

vtest('manual: "It is therefore recommended, to check the return value of SSL_shutdown() and call SSL_shutdown() again, if the bidirectional shutdown is not yet complete (return value of the first call is 0)."', (version) => {
  const p = quiet({ version });
  // The recommended loop, with the peer answering between calls.
  const returns: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = p.client.shutdown();
    returns.push(r);
    if (r === 1) break;
    if (r < 0) assert.equal(p.client.getError(r), SSL_ERROR_WANT_READ);
    p.toServer();
    if (p.server.getShutdown() === 0) {
      readAll(p.server);
      p.server.shutdown();
    }
    p.toClient();
  }
  assert.deepEqual(returns, [0, 1]);
});

vtest('manual: "If the underlying BIO is blocking, SSL_shutdown() will only return once the handshake step has been finished or an error occurred."', async (version) => {
  const a = await asyncPair(version);
  try {
    assert.equal(await a.client.shutdown(), 0);
    let finished = false;
    const second = a.client.shutdown().then((r) => ((finished = true), r));
    assert.equal(await a.server.read(), null);
    await a.settle();
    assert.equal(finished, false);
    await a.server.shutdown();
    assert.equal(await second, 1);
    // ... or an error occurred: the transport dies during the wait.
    const b = await asyncPair(version);
    try {
      assert.equal(await b.client.shutdown(), 0);
      const waiting = b.client.shutdown();
      // The server reads everything first, so closing its socket is a clean FIN (not a reset).
      assert.equal(await b.server.read(), null);
      b.server.bio.destroy();
      await assert.rejects(waiting, (e: { reason?: string }) => e.reason === 'SSL_R_UNEXPECTED_EOF_WHILE_READING');
    } finally {
      b.close();
    }
  } finally {
    a.close();
  }
});

vtest('manual: "If the underlying BIO is non-blocking ... SSL_get_error() ... will yield SSL_ERROR_WANT_READ or SSL_ERROR_WANT_WRITE. The calling process then must repeat the call after taking appropriate action" (a BIO pair: move data, then repeat)', (version) => {
  const p = quiet({ version });
  const pair = new BioPair(8); // smaller than the close_notify record
  p.client.setBio(pair.a);
  let backlog = new Uint8Array(0); // server bytes the small pair could not take yet
  const move = (): void => {
    for (let c = pair.b.read(1 << 16); typeof c !== 'number'; c = pair.b.read(1 << 16)) p.serverIn.inject(c);
    const back = p.serverOut.drain();
    const all = new Uint8Array(backlog.length + back.length);
    all.set(backlog);
    all.set(back, backlog.length);
    const n = all.length > 0 ? pair.b.write(all) : 0;
    backlog = all.subarray(n > 0 ? n : 0);
  };
  const codes: string[] = [];
  let r: number;
  for (;;) {
    r = p.client.shutdown();
    if (r >= 0) break;
    const e = p.client.getError(r);
    codes.push(e === SSL_ERROR_WANT_WRITE ? 'WANT_WRITE' : e === SSL_ERROR_WANT_READ ? 'WANT_READ' : `other ${e}`);
    move(); // the appropriate action: data retrieved out of the BIO pair
  }
  assert.equal(r, 0);
  assert.ok(codes.length > 0 && codes.every((c) => c === 'WANT_WRITE'), codes.join());
  move();
  assert.equal(p.server.read(new Uint8Array(1)), 0);
  assert.equal(p.server.shutdown(), 1);
  // Second stage: WANT_READ until the server's close_notify has been written into the pair, 8 bytes at a time.
  let r2 = p.client.shutdown();
  let rounds = 0;
  while (r2 < 0) {
    assert.equal(p.client.getError(r2), SSL_ERROR_WANT_READ);
    move(); // data written into the BIO pair
    rounds++;
    r2 = p.client.shutdown();
  }
  assert.equal(r2, 1);
  assert.ok(rounds >= 2, 'several rounds through the 8-byte pair');
});

vtest('manual: "When quiet shutdown is enabled, SSL_shutdown() will always succeed and return 1" (and sends no close notify)', (version) => {
  for (const mode of ['ok', 'retry', 'error'] as const) {
    const p = quiet({ version, client: { quietShutdown: true } });
    p.clientOut.writeMode = mode;
    assert.equal(p.client.shutdown(), 1, mode);
    assert.equal(p.client.getError(1), SSL_ERROR_NONE);
    assert.equal(p.clientOut.writes, 0, 'nothing sent');
    assert.equal(p.client.getShutdown(), BOTH);
  }
});

vtest('manual: return value 1: "The close notify alert was sent and the peer\'s close notify alert was received."', (version) => {
  const p = quiet({ version });
  const trace = alertTrace(p.client);
  p.client.shutdown();
  p.toServer();
  readAll(p.server);
  p.server.shutdown();
  p.toClient();
  assert.equal(p.client.shutdown(), 1);
  assert.deepEqual(trace.map((e) => [e.direction, e.code]), [['sent', 0], ['received', 0]]);
});

vtest('manual: return value 0: "The shutdown is not yet finished ... The output of SSL_get_error() may be misleading" (typessl: it is SSL_ERROR_NONE, D-2)', (version) => {
  const p = quiet({ version });
  const r = p.client.shutdown();
  assert.equal(r, 0);
  assert.equal(p.client.getError(r), SSL_ERROR_NONE);
});

vtest('manual: return value -1: "a fatal error occurred either at the protocol level or a connection failure occurred ... or action is needed ... Call SSL_get_error() with the return value ret to find out the reason."', (version) => {
  // Protocol level: the peer's record is forged.
  const p = quiet({ version });
  p.client.shutdown();
  p.clientIn.inject(new Uint8Array([23, 3, 3, 0, 20, ...new Uint8Array(20)]));
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
  // Protocol level: the peer aborts with a fatal alert while we wait.
  const f = quiet({ version });
  f.client.shutdown();
  craft(f.server, f.serverOut, (c) => c.sendAlert(AlertLevel.fatal, AlertDescription.internal_error));
  f.toClient();
  assertFailure(f.client, f.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_TLSV1_ALERT_INTERNAL_ERROR');
  // Connection failure.
  const q = quiet({ version });
  q.client.shutdown();
  q.clientIn.readMode = 'error';
  assertFailure(q.client, q.client.shutdown(), SSL_ERROR_SYSCALL, 'SSL_R_BIO_ERROR');
  // Action needed (non-blocking).
  const w = quiet({ version });
  w.clientOut.writeMode = 'retry';
  assertFailure(w.client, w.client.shutdown(), SSL_ERROR_WANT_WRITE, null);
});
