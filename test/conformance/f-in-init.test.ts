/**
 * Section F of the shutdown contract: shutdown() before or during the handshake, after errors,
 * and uninitialised (S-33 .. S-37).
 */
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../src/crypto/node.js';
import { SSL_ERROR_SSL, SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE } from '../../src/ssl/constants.js';
import { SslContext } from '../../src/ssl/context.js';
import { Ssl } from '../../src/ssl/ssl.js';
import { assertFailure, enc, makePair, ProbeBio, quiet, TLS13_ONLY, vtest } from './harness.js';

const IN_INIT = 'SSL_R_SHUTDOWN_WHILE_IN_INIT';

vtest('S-33: with no connect or accept state, shutdown() is -1 with SSL_R_UNINITIALIZED (and so are read/write)', (version) => {
  void version;
  const ssl = new Ssl(new SslContext({ provider: nodeCrypto }));
  const bio = new ProbeBio();
  ssl.setBio(bio);
  assertFailure(ssl, ssl.shutdown(), SSL_ERROR_SSL, 'SSL_R_UNINITIALIZED');
  assertFailure(ssl, ssl.read(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_UNINITIALIZED');
  assertFailure(ssl, ssl.write(enc('x')), SSL_ERROR_SSL, 'SSL_R_UNINITIALIZED');
  assert.equal(bio.reads + bio.writes, 0);
  assert.equal(ssl.getShutdown(), 0);
});

vtest('S-34: shutdown() before the handshake, during it and after a fatal error is -1 / SSL_R_SHUTDOWN_WHILE_IN_INIT, sending nothing', (version) => {
  const p = makePair({ version });
  // Before: the role is set, nothing happened yet.
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, IN_INIT);
  assert.equal(p.clientOut.writes, 0);
  // During: the ClientHello is out, the ServerHello has not come.
  assertFailure(p.client, p.client.connect(), SSL_ERROR_WANT_READ, null);
  p.toServer();
  assertFailure(p.server, p.server.accept(), SSL_ERROR_WANT_READ, null);
  p.clientOut.resetCounters();
  p.serverOut.resetCounters();
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, IN_INIT);
  assertFailure(p.server, p.server.shutdown(), SSL_ERROR_SSL, IN_INIT);
  assert.equal(p.clientOut.writes + p.serverOut.writes, 0, 'no close_notify during the handshake');
  assert.equal(p.client.getShutdown() | p.server.getShutdown(), 0, 'no flag set');
  // After a fatal error.
  const q = quiet({ version });
  q.clientIn.inject(new Uint8Array([23, 3, 3, 0, 20, ...new Uint8Array(20)]));
  assertFailure(q.client, q.client.read(new Uint8Array(4)), SSL_ERROR_SSL, null);
  q.clientOut.drain();
  assertFailure(q.client, q.client.shutdown(), SSL_ERROR_SSL, IN_INIT);
  assert.equal(q.clientOut.pending(), 0);
  // And the handshake does finish afterwards for the connection still in the middle of it.
  p.handshake();
  assert.equal(p.client.shutdown(), 0);
});

vtest('S-34: after keyUpdate() and until the KeyUpdate has left, shutdown() is SSL_R_SHUTDOWN_WHILE_IN_INIT', (version) => {
  const p = quiet({ version });
  p.clientOut.writeMode = 'retry';
  assertFailure(p.client, p.client.keyUpdate(false), SSL_ERROR_WANT_WRITE, null);
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, IN_INIT);
  p.clientOut.writeMode = 'ok';
  assert.equal(p.client.doHandshake(), 1, 'flushes the KeyUpdate');
  assert.equal(p.client.shutdown(), 0);
  p.toServer();
  assert.equal(p.server.read(new Uint8Array(4)), 0, 'the server followed the key change and read the close_notify');
}, TLS13_ONLY);

vtest('S-35: typessl does the OpenSSL 3.x thing: shutdown() during the handshake never reports success (1) as <= 1.0.2e and BoringSSL do', (version) => {
  const p = makePair({ version });
  p.client.connect();
  for (const quietMode of [false, true]) {
    p.client.setQuietShutdown(quietMode);
    const r = p.client.shutdown();
    assert.equal(r, -1, `quiet ${quietMode}`);
    assert.equal(p.client.getError(r), SSL_ERROR_SSL);
  }
});

vtest('S-36: typessl has no SSL BIO whose free() calls shutdown(); free() in the handshake leaves no stale error and writes nothing', (version) => {
  const p = makePair({ version });
  p.client.connect();
  p.clientOut.drain();
  p.clientOut.resetCounters();
  assert.doesNotThrow(() => p.client.free());
  assert.equal(p.clientOut.writes, 0);
  // The next call reports that the object is freed, not a leftover "shutdown while in init".
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_SSL_FREED');
  assertFailure(p.client, p.client.read(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_SSL_FREED');
});

vtest('S-37: free() never calls shutdown(): no close_notify, flags untouched; the peer sees a bare EOF', (version) => {
  const p = quiet({ version });
  p.client.free();
  assert.equal(p.clientOut.writes, 0, 'nothing written');
  assert.equal(p.client.getShutdown(), 0);
  p.serverIn.setEofReturn(0);
  assertFailure(p.server, p.server.read(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_UNEXPECTED_EOF_WHILE_READING', (r) => r <= 0);
  // Calls after free() are clear errors, not exceptions.
  assertFailure(p.client, p.client.write(enc('x')), SSL_ERROR_SSL, 'SSL_R_SSL_FREED');
  assert.doesNotThrow(() => p.client.free(), 'a second free() is harmless');
});
