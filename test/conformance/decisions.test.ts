/**
 * The decisions D-1 .. D-7 that override the behaviour list for typessl.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlertDescription, AlertLevel, ContentType, ExtensionType } from '../../src/wire/enums.js';
import { decodeClientHello, encodeClientHello } from '../../src/wire/handshake.js';
import {
  SSL_ERROR_NONE,
  SSL_ERROR_SSL,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_WANT_WRITE,
  SSL_ERROR_ZERO_RETURN,
  SSL_OP_IGNORE_UNEXPECTED_EOF,
  SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE,
  SSL_RECEIVED_SHUTDOWN,
  SSL_SENT_SHUTDOWN,
} from '../../src/ssl/constants.js';
import { SslError } from '../../src/ssl/async-ssl.js';
import { asyncPair } from './async-pair.js';
import { connectOnce } from '../helpers/resumption.js';
import { alertTrace, assertFailure, craft, enc, makePair, quiet, readAll, records, vtest } from './harness.js';

const BOTH = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;

/** The client's ClientHello rewritten to offer only `legacyVersion`, without supported_versions. */
function oldClientHello(legacyVersion: number): Uint8Array {
  const p = makePair();
  p.client.connect();
  const wire = p.clientOut.drain();
  const [rec] = records(wire);
  assert.equal(rec!.type, ContentType.handshake);
  const body = wire.subarray(5 + 4, 5 + rec!.length);
  const hello = decodeClientHello(body);
  const old = encodeClientHello({
    ...hello,
    legacyVersion,
    extensions: hello.extensions.filter((e) => e.type !== ExtensionType.supported_versions),
  });
  const out = new Uint8Array(5 + old.length);
  out.set([ContentType.handshake, legacyVersion >> 8, legacyVersion & 0xff, old.length >> 8, old.length & 0xff]);
  out.set(old, 5);
  return out;
}

test('D-1: OpenSSL 3.x is the reference and SSLv2/SSLv3 (and TLS 1.0/1.1) are refused with protocol_version', () => {
  for (const version of [0x0300, 0x0301, 0x0302]) {
    const p = makePair();
    const trace = alertTrace(p.server);
    p.serverIn.inject(oldClientHello(version));
    const r = p.server.accept();
    assertFailure(p.server, r, SSL_ERROR_SSL, null);
    assert.ok(p.server.getErrorInfo()?.reason, 'a named reason');
    assert.deepEqual(trace.filter((e) => e.direction === 'sent').map((e) => e.code), [AlertDescription.protocol_version], `0x${version.toString(16)}`);
  }
  // An SSLv2-format ClientHello (2-byte header with the high bit set) is not TLS at all.
  const p = makePair();
  p.serverIn.inject(Uint8Array.from([0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10, ...new Uint8Array(0x25)]));
  assertFailure(p.server, p.server.accept(), SSL_ERROR_SSL, null);
  assert.ok(p.server.getErrorInfo()?.reason);
});

vtest('D-2: no misleading getError: after a 0 from shutdown() it is NONE, and it always reflects the last call only', (version) => {
  const p = quiet({ version });
  assertFailure(p.client, p.client.read(new Uint8Array(4)), SSL_ERROR_WANT_READ, null);
  const r = p.client.shutdown();
  assert.equal(r, 0);
  assert.equal(p.client.getError(r), SSL_ERROR_NONE);
  assert.equal(p.client.getError(-1), SSL_ERROR_NONE, 'the record of the last call says nothing went wrong');
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_WANT_READ, null);
  p.server.shutdown();
  p.toClient();
  assert.equal(p.client.shutdown(), 1);
  assert.equal(p.client.getError(1), SSL_ERROR_NONE);
  // Asked about a 0 once the close is complete, it answers from the state as OpenSSL 3 does (S-27 step 7).
  assert.equal(p.client.getError(0), SSL_ERROR_ZERO_RETURN);
});

vtest('D-3: unexpected EOF is SSL_ERROR_SSL / SSL_R_UNEXPECTED_EOF_WHILE_READING; SSL_OP_IGNORE_UNEXPECTED_EOF ORs RECEIVED_SHUTDOWN in, never clearing SENT_SHUTDOWN', (version) => {
  const p = quiet({ version });
  p.clientIn.setEofReturn(0);
  assertFailure(p.client, p.client.read(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_UNEXPECTED_EOF_WHILE_READING', (r) => r <= 0);
  const q = quiet({ version, client: { options: SSL_OP_IGNORE_UNEXPECTED_EOF } });
  q.client.shutdown();
  q.clientIn.setEofReturn(0);
  const r = q.client.read(new Uint8Array(4));
  assert.equal(r, 0);
  assert.equal(q.client.getError(r), SSL_ERROR_ZERO_RETURN);
  assert.equal(q.client.getShutdown(), BOTH);
});

vtest('D-4: application data during the second stage is fatal with no alert; reading until ZERO_RETURN first gets it and completes', (version) => {
  const p = quiet({ version });
  const trace = alertTrace(p.client);
  p.client.shutdown();
  p.toServer();
  p.server.write(enc('pending'));
  p.server.shutdown();
  p.toClient();
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY');
  assert.deepEqual(trace.filter((e) => e.direction === 'sent').map((e) => e.code), [AlertDescription.close_notify]);
  const q = quiet({ version });
  q.client.shutdown();
  q.toServer();
  q.server.write(enc('pending'));
  q.server.shutdown();
  q.toClient();
  const { text, last } = readAll(q.client);
  assert.equal(text, 'pending');
  assert.equal(q.client.getError(last), SSL_ERROR_ZERO_RETURN);
  assert.equal(q.client.shutdown(), 1);
});

vtest('D-5: free() never calls shutdown(); free()/clear() evict an uncleanly closed session unless SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE; fatal alerts always evict', (version) => {
  const p = quiet({ version, tickets: 1 });
  const s = p.server.getSession()!;
  p.server.free();
  assert.equal(p.serverOut.writes, 0, 'no close_notify from free()');
  assert.equal(s.isResumable(), false);
  const q = quiet({ version, server: { options: SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE, numTickets: 1 } });
  const t = q.server.getSession()!;
  assert.equal(q.server.clear(), 1);
  assert.equal(t.isResumable(), true);
  // What that means for the next connection: the kept session resumes (here from the client's
  // session; the server's half is its cache or its stateless tickets).
  const again = connectOnce(q.clientCtx, q.serverCtx, q.client.getSession());
  assert.equal(again.client.sessionReused(), true);
  assert.equal(again.server.sessionReused(), true);
  // A client session freed without shutdown() is evicted and not offered again.
  const c = quiet({ version, server: { numTickets: 1 } });
  const cs = c.client.getSession()!;
  c.client.free();
  assert.equal(cs.isResumable(), false);
  assert.equal(connectOnce(c.clientCtx, c.serverCtx, cs).client.sessionReused(), false);
  const f = quiet({ version, tickets: 1, server: { options: SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE } });
  const u = f.server.getSession()!;
  craft(f.client, f.clientOut, (c) => c.sendAlert(AlertLevel.fatal, AlertDescription.internal_error));
  f.toServer();
  f.server.read(new Uint8Array(4));
  assert.equal(u.isResumable(), false);
});

vtest('D-6: non-blocking calls return -1 with WANT_READ/WANT_WRITE; the awaitable methods resolve only when their step is done or failed', async (version) => {
  const p = quiet({ version });
  assertFailure(p.client, p.client.read(new Uint8Array(4)), SSL_ERROR_WANT_READ, null);
  p.clientOut.writeMode = 'retry';
  assertFailure(p.client, p.client.write(enc('x')), SSL_ERROR_WANT_WRITE, null);
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_WANT_WRITE, null);

  const a = await asyncPair(version);
  try {
    let readDone = false;
    const reading = a.client.read().then((v) => {
      readDone = true;
      return v;
    });
    await a.settle();
    assert.equal(readDone, false, 'read() waits for data');
    await a.server.write(enc('now'));
    assert.equal(new TextDecoder().decode((await reading)!), 'now');
    assert.equal(await a.client.shutdown(), 0, 'first stage resolves once close_notify is handed to the socket');
    let second = false;
    const closing = a.client.shutdown().then((v) => {
      second = true;
      return v;
    });
    assert.equal(await a.server.read(), null);
    await a.settle();
    assert.equal(second, false, 'the second stage waits for the peer');
    assert.equal(await a.server.shutdown(), 1);
    assert.equal(await closing, 1);
  } finally {
    a.close();
  }
  // A failed step rejects with the reason.
  const b = await asyncPair(version);
  try {
    const reading = b.client.read();
    b.server.bio.destroy();
    await assert.rejects(reading, (e) => e instanceof SslError && e.reason === 'SSL_R_UNEXPECTED_EOF_WHILE_READING');
  } finally {
    b.close();
  }
});

vtest("D-7: the Ssl (and its awaitable form) never answers a close_notify by itself, in either version", async (version) => {
  const p = quiet({ version });
  p.server.shutdown();
  p.toClient();
  assert.equal(readAll(p.client).last, 0);
  assert.equal(p.clientOut.writes, 0);
  assert.equal(p.client.getShutdown(), SSL_RECEIVED_SHUTDOWN);
  const a = await asyncPair(version);
  try {
    assert.equal(await a.server.shutdown(), 0);
    assert.equal(await a.client.read(), null);
    let answered = false;
    const waiting = a.server.shutdown().then((v) => {
      answered = true;
      return v;
    });
    await a.settle();
    assert.equal(answered, false, 'no automatic close_notify from the client');
    await a.client.write(enc('half-open'));
    assert.equal(a.client.ssl.getShutdown(), SSL_RECEIVED_SHUTDOWN);
    assert.equal(await a.client.shutdown(), 1, 'the caller answers');
    // The server's second stage sees the data first: fatal by D-4, as documented.
    await assert.rejects(waiting, (e) => e instanceof SslError && e.reason === 'SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY');
  } finally {
    a.close();
  }
});

// D-7, stream-adapter half (TLS 1.2 answers close_notify, TLS 1.3 stays half-open only with
// allowHalfOpen): proven against real peers in test/node/shutdown-interop.test.ts ("D-7 with a
// half-open node:tls client ..."), where the adapters live.
