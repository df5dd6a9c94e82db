/**
 * Section D of the shutdown contract: the transport closing without close_notify (S-21 .. S-26).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { BIO_EOF, BIO_RETRY } from '../../src/bio/bio.js';
import { BioPair } from '../../src/bio/pair.js';
import { SocketBio } from '../../src/bio/socket.js';
import { AlertDescription } from '../../src/wire/enums.js';
import {
  SSL_ERROR_SSL,
  SSL_ERROR_SYSCALL,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_ZERO_RETURN,
  SSL_OP_IGNORE_UNEXPECTED_EOF,
  SSL_RECEIVED_SHUTDOWN,
  SSL_SENT_SHUTDOWN,
} from '../../src/ssl/constants.js';
import { Ssl } from '../../src/ssl/ssl.js';
import { alertTrace, assertFailure, connected, enc, makePair, quiet, readAll, vtest } from './harness.js';

const BOTH = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;
const EOF_REASON = 'SSL_R_UNEXPECTED_EOF_WHILE_READING';

vtest('S-21: EOF without close_notify is SSL_ERROR_SSL with SSL_R_UNEXPECTED_EOF_WHILE_READING, in read() and in shutdown()', (version) => {
  const p = quiet({ version });
  p.server.write(enc('partial'));
  p.toClient();
  p.clientIn.setEofReturn(0);
  const { text, last } = readAll(p.client);
  assert.equal(text, 'partial', 'data before the EOF is delivered first');
  assertFailure(p.client, last, SSL_ERROR_SSL, EOF_REASON, (r) => r <= 0);
  assert.equal(p.client.getShutdown() & SSL_RECEIVED_SHUTDOWN, 0, 'an EOF is not a close_notify');
  // In the second stage of shutdown().
  const q = quiet({ version });
  assert.equal(q.client.shutdown(), 0);
  q.clientIn.setEofReturn(0);
  assertFailure(q.client, q.client.shutdown(), SSL_ERROR_SSL, EOF_REASON, (r) => r <= 0);
  assert.equal(q.client.getShutdown(), SSL_SENT_SHUTDOWN);
});

vtest('S-22: typessl does the OpenSSL 3.x thing: an unexpected EOF is never an empty SSL_ERROR_SYSCALL', (version) => {
  const p = quiet({ version });
  p.clientIn.setEofReturn(0);
  const r = p.client.read(new Uint8Array(4));
  assert.notEqual(p.client.getError(r), SSL_ERROR_SYSCALL);
  assert.equal(p.client.getError(r), SSL_ERROR_SSL);
  const info = p.client.getErrorInfo();
  assert.equal(info?.reason, EOF_REASON, 'a named reason, usable for control flow');
  assert.match(info!.message, /close_notify/);
});

vtest('S-23: with SSL_OP_IGNORE_UNEXPECTED_EOF the EOF reads as a clean close: 0, ZERO_RETURN, RECEIVED_SHUTDOWN', (version) => {
  const p = quiet({ version, client: { options: SSL_OP_IGNORE_UNEXPECTED_EOF } });
  p.clientIn.setEofReturn(0);
  const r = p.client.read(new Uint8Array(4));
  assert.equal(r, 0);
  assert.equal(p.client.getError(r), SSL_ERROR_ZERO_RETURN);
  assert.equal(p.client.getShutdown(), SSL_RECEIVED_SHUTDOWN);
  // ... and the connection goes on as after a close_notify: we may still write and close.
  assert.equal(p.client.write(enc('bye')), 3);
  assert.equal(p.client.shutdown(), 1);
  // The option can be set on the context after creation too (SSL_CTX_set_options).
  const q = quiet({ version });
  assert.equal(q.clientCtx.setOptions(SSL_OP_IGNORE_UNEXPECTED_EOF) & SSL_OP_IGNORE_UNEXPECTED_EOF, SSL_OP_IGNORE_UNEXPECTED_EOF);
  q.clientIn.setEofReturn(0);
  assert.equal(q.client.read(new Uint8Array(4)), 0);
  assert.equal(q.client.getError(0), SSL_ERROR_ZERO_RETURN);
});

vtest('S-24: with SSL_OP_IGNORE_UNEXPECTED_EOF the flag is OR-ed in: a SENT_SHUTDOWN set before stays set', (version) => {
  const p = quiet({ version, client: { options: SSL_OP_IGNORE_UNEXPECTED_EOF } });
  assert.equal(p.client.shutdown(), 0);
  p.clientIn.setEofReturn(0);
  assert.equal(p.client.shutdown(), 1, 'the EOF completes the second stage');
  assert.equal(p.client.getShutdown(), BOTH, 'SENT_SHUTDOWN was not cleared (OpenSSL would clear it)');
  const q = quiet({ version, client: { options: SSL_OP_IGNORE_UNEXPECTED_EOF } });
  assert.equal(q.client.shutdown(), 0);
  q.clientIn.setEofReturn(0);
  assert.equal(q.client.read(new Uint8Array(4)), 0);
  assert.equal(q.client.getShutdown(), BOTH);
});

vtest('S-25: after our close_notify no other alert is sent: an EOF then sends no decode_error and keeps the session', (version) => {
  // Without close_notify first: the EOF failure sends decode_error, and the fatal alert evicts.
  const p = quiet({ version, tickets: 1 });
  const alerts = alertTrace(p.server);
  const session = p.server.getSession()!;
  assert.equal(session.isResumable(), true);
  p.serverIn.setEofReturn(0);
  assertFailure(p.server, p.server.read(new Uint8Array(4)), SSL_ERROR_SSL, EOF_REASON, (r) => r <= 0);
  assert.deepEqual(alerts.filter((e) => e.direction === 'sent').map((e) => e.code), [AlertDescription.decode_error]);
  assert.equal(session.isResumable(), false);
  // After close_notify: the same EOF sends nothing and the cleanly closed session stays.
  const q = quiet({ version, tickets: 1 });
  const qAlerts = alertTrace(q.server);
  const qSession = q.server.getSession()!;
  assert.equal(q.server.shutdown(), 0);
  q.serverOut.drain();
  q.serverIn.setEofReturn(0);
  assertFailure(q.server, q.server.shutdown(), SSL_ERROR_SSL, EOF_REASON, (r) => r <= 0);
  assert.equal(q.serverOut.pending(), 0, 'nothing on the wire after the close_notify');
  assert.deepEqual(qAlerts.filter((e) => e.direction === 'sent').map((e) => e.code), [AlertDescription.close_notify]);
  assert.equal(qSession.isResumable(), true);
  assert.equal(q.serverCtx.sessionCache.size, 1);
  q.server.free();
  assert.equal(qSession.isResumable(), true, 'free() after SENT_SHUTDOWN keeps it too');
});

vtest('S-26: EOF is visible only when the BIO can say so: memory BIO by eof_return, BIO pair after shutdownWr(), socket BIO after FIN', async (version) => {
  // Memory BIO: the default -1 reads as "retry".
  const p = quiet({ version });
  assertFailure(p.client, p.client.read(new Uint8Array(4)), SSL_ERROR_WANT_READ, null);
  p.clientIn.setEofReturn(0);
  assertFailure(p.client, p.client.read(new Uint8Array(4)), SSL_ERROR_SSL, EOF_REASON, (r) => r <= 0);

  // BIO pair: retry until the other half calls shutdownWr() and the buffer is empty.
  const q = connected({ version });
  const pair = new BioPair();
  const client = q.client;
  client.setBio(pair.a);
  assertFailure(client, client.read(new Uint8Array(4)), SSL_ERROR_WANT_READ, null);
  pair.b.shutdownWr();
  assertFailure(client, client.read(new Uint8Array(4)), SSL_ERROR_SSL, EOF_REASON, (r) => r <= 0);

  // Socket BIO: remembers the peer's FIN; every later read says EOF.
  const listener = net.createServer({ allowHalfOpen: true });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const socket = net.connect({ port: (listener.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  const [[peer]] = await Promise.all([accepted, once(socket, 'connect')]);
  listener.close();
  try {
    const bio = new SocketBio(socket);
    assert.equal(bio.read(5), BIO_RETRY);
    peer.end();
    await bio.waitReadable();
    assert.equal(bio.read(5), BIO_EOF);
    assert.equal(bio.read(5), BIO_EOF, 'remembered');
    const r = makePair({ version });
    const ssl: Ssl = r.client;
    ssl.setBio(bio);
    assertFailure(ssl, ssl.connect(), SSL_ERROR_SSL, EOF_REASON, (x) => x <= 0);
  } finally {
    socket.destroy();
    peer.destroy();
  }
});
