/**
 * Section C of the shutdown contract: reading and writing around close_notify, half-close
 * (S-12 .. S-20).
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
import { encodeU16List } from '../../src/wire/extensions.js';
import { encodeCertificateRequest, encodeHandshake } from '../../src/wire/handshake.js';
import { ExtensionType, HandshakeType, SignatureScheme } from '../../src/wire/enums.js';
import { connectOnce } from '../helpers/resumption.js';
import { assertFailure, connected, craft, dec, enc, quiet, readAll, TLS12_ONLY, TLS13_ONLY, vtest } from './harness.js';

const BOTH = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;

vtest('S-12: read still returns data after our close_notify (only our write side is closed)', (version) => {
  const p = quiet({ version });
  assert.equal(p.client.shutdown(), 0);
  p.toServer();
  for (const chunk of ['one', 'two', 'three']) assert.equal(p.server.write(enc(chunk)), chunk.length);
  p.toClient();
  const buf = new Uint8Array(100);
  const got: string[] = [];
  for (let i = 0; i < 3; i++) {
    const n = p.client.read(buf);
    assert.ok(n > 0, `read ${i} returned data`);
    got.push(dec(buf.subarray(0, n)));
  }
  assert.deepEqual(got, ['one', 'two', 'three']);
  assertFailure(p.client, p.client.read(buf), SSL_ERROR_WANT_READ, null);
  assert.equal(p.client.getShutdown(), SSL_SENT_SHUTDOWN);
});

vtest('S-13: write() after SENT_SHUTDOWN fails at once with -1, SSL_ERROR_SSL, SSL_R_PROTOCOL_IS_SHUTDOWN', (version) => {
  const p = quiet({ version });
  assert.equal(p.client.shutdown(), 0);
  p.clientOut.drain();
  p.clientOut.resetCounters();
  assertFailure(p.client, p.client.write(enc('too late')), SSL_ERROR_SSL, 'SSL_R_PROTOCOL_IS_SHUTDOWN');
  assert.equal(p.clientOut.writes, 0, 'nothing reached the wbio');
  // The error is for this call only: the connection is not broken, it can still read.
  p.server.write(enc('ok'));
  p.toClient();
  assert.equal(readAll(p.client).text, 'ok');
  // The flag set by setShutdown() has the same effect.
  const q = quiet({ version });
  q.client.setShutdown(SSL_SENT_SHUTDOWN);
  assertFailure(q.client, q.client.write(enc('x')), SSL_ERROR_SSL, 'SSL_R_PROTOCOL_IS_SHUTDOWN');
});

vtest("S-14: after only RECEIVED_SHUTDOWN, write() still works; the library never answers the peer's close_notify by itself", (version) => {
  const p = quiet({ version });
  assert.equal(p.server.shutdown(), 0);
  p.toClient();
  assert.equal(readAll(p.client).last, 0);
  assert.equal(p.client.getShutdown(), SSL_RECEIVED_SHUTDOWN);
  assert.equal(p.clientOut.pending(), 0, 'no close_notify was sent back automatically');
  assert.equal(p.client.write(enc('reply after your close')), 22);
  p.toServer();
  assert.equal(readAll(p.server).text, 'reply after your close', 'the peer reads it (its read side is open)');
});

vtest('S-15: the close_notify makes read() return 0, sets RECEIVED_SHUTDOWN, and getError(0) is SSL_ERROR_ZERO_RETURN', (version) => {
  const p = quiet({ version });
  assert.equal(p.server.shutdown(), 0);
  p.toClient();
  const r = p.client.read(new Uint8Array(16));
  assert.equal(r, 0);
  assert.equal(p.client.getError(r), SSL_ERROR_ZERO_RETURN);
  assert.equal(p.client.getShutdown(), SSL_RECEIVED_SHUTDOWN);
});

vtest('S-16: once RECEIVED_SHUTDOWN is set, read() and peek() return 0 without touching the BIO; later records are ignored', (version) => {
  const p = quiet({ version });
  assert.equal(p.server.shutdown(), 0);
  // A misbehaving peer sends data after its close_notify.
  craft(p.server, p.serverOut, (conn) => conn.sendApplicationData(enc('after close')));
  p.toClient();
  const buf = new Uint8Array(64);
  assert.equal(p.client.read(buf), 0);
  p.clientIn.resetCounters();
  for (const op of [() => p.client.read(buf), () => p.client.peek(buf)]) {
    const r = op();
    assert.equal(r, 0);
    assert.equal(p.client.getError(r), SSL_ERROR_ZERO_RETURN);
  }
  assert.equal(p.clientIn.reads, 0, 'the rbio was not touched');
  assert.equal(p.client.pending(), 0, 'nothing after the close_notify became readable');
  assert.equal(p.client.shutdown(), 1, 'and shutdown() completes without reading it');
});

vtest('S-17: data sent before the close_notify comes out of earlier reads; only the read that reaches the alert returns 0', (version) => {
  const p = quiet({ version });
  p.server.write(enc('first'));
  p.server.write(enc('second'));
  assert.equal(p.server.shutdown(), 0);
  p.toClient();
  const buf = new Uint8Array(64);
  const results: (string | number)[] = [];
  for (;;) {
    const n = p.client.read(buf);
    if (n <= 0) {
      results.push(n);
      break;
    }
    results.push(dec(buf.subarray(0, n)));
  }
  assert.deepEqual(results, ['first', 'second', 0]);
  assert.equal(p.client.getError(0), SSL_ERROR_ZERO_RETURN);
  // peek() sees the data before the alert as well, and leaves it.
  const q = quiet({ version });
  q.server.write(enc('peeked'));
  q.server.shutdown();
  q.toClient();
  assert.equal(q.client.peek(buf), 6);
  assert.equal(q.client.pending(), 6);
  assert.equal(readAll(q.client).text, 'peeked');
});

vtest('S-18: ZERO_RETURN does not mean the transport is closed: the same BIOs still carry our data to the peer', (version) => {
  const p = quiet({ version });
  assert.equal(p.server.shutdown(), 0);
  p.toClient();
  assert.equal(p.client.read(new Uint8Array(8)), 0);
  assert.equal(p.client.getError(0), SSL_ERROR_ZERO_RETURN);
  for (let i = 0; i < 3; i++) assert.equal(p.client.write(enc(`msg${i}`)), 4);
  assert.equal(p.client.shutdown(), 1);
  p.toServer();
  const { text, last } = readAll(p.server);
  assert.equal(text, 'msg0msg1msg2');
  assert.equal(last, 0);
  assert.equal(p.server.shutdown(), 1);
});

vtest('S-19: after our close_notify, NewSessionTicket and KeyUpdate are processed, an update request is not answered, a CertificateRequest is ignored', (version) => {
  const p = quiet({ version });
  assert.equal(p.client.shutdown(), 0);
  p.clientOut.drain();
  const ticketsBefore = p.client.connection!.tickets.length;
  craft(p.server, p.serverOut, (conn) => {
    // One new ticket, a KeyUpdate that asks us to update, then data under the server's new key.
    conn.sendHandshake(
      encodeHandshake(HandshakeType.new_session_ticket, new Uint8Array([0, 0, 0x1c, 0x20, 1, 2, 3, 4, 1, 9, 0, 4, 0xde, 0xad, 0xbe, 0xef, 0, 0])),
      false,
    );
    conn.flushHandshake();
    conn.sendKeyUpdate(true);
    const cr = encodeCertificateRequest({
      context: Uint8Array.of(7),
      extensions: [{ type: ExtensionType.signature_algorithms, data: encodeU16List([SignatureScheme.ecdsa_secp256r1_sha256]) }],
    });
    conn.sendHandshake(cr, false);
    conn.flushHandshake();
    conn.sendApplicationData(enc('after key update'));
  });
  p.toClient();
  assert.equal(readAll(p.client).text, 'after key update', 'the new read key is in use');
  assert.equal(p.client.connection!.tickets.length, ticketsBefore + 1, 'the ticket was processed');
  assert.equal(p.clientOut.pending(), 0, 'no KeyUpdate and no Certificate went back');
  assert.equal(p.client.getError(-1), SSL_ERROR_WANT_READ);
}, TLS13_ONLY);

vtest('S-19: after our close_notify, a TLS 1.2 renegotiation request (HelloRequest) is dropped: read() gives -1/WANT_READ', (version) => {
  const p = quiet({ version });
  assert.equal(p.client.shutdown(), 0);
  p.clientOut.drain();
  craft(p.server, p.serverOut, (conn) => {
    conn.sendHandshake(encodeHandshake(HandshakeType.hello_request, new Uint8Array(0)), false);
    conn.flushHandshake();
  });
  p.toClient();
  assertFailure(p.client, p.client.read(new Uint8Array(8)), SSL_ERROR_WANT_READ, null);
  assert.equal(p.clientOut.pending(), 0, 'no answer: neither a ClientHello nor a no_renegotiation alert');
  assert.equal(p.client.getShutdown(), SSL_SENT_SHUTDOWN);
}, TLS12_ONLY);

vtest("S-20: a TLS 1.3 client that closes without reading has no resumable session; the second stage reads the tickets and makes it resumable", (version) => {
  const p = connected({ version, tickets: 1 });
  assert.ok(p.clientIn.pending() > 0, "the server's NewSessionTicket waits in the client's rbio");
  assert.equal(p.client.shutdown(), 0);
  const session = p.client.getSession();
  assert.ok(session, 'the client has a session object');
  assert.equal(session.isResumable(), false, "the server's ticket is still unread in the rbio");
  assert.equal(p.server.shutdown(), 0);
  p.toClient();
  assert.equal(p.client.shutdown(), 1);
  assert.equal(p.client.getShutdown(), BOTH);
  assert.equal(session.isResumable(), true, 'the ticket read during the second stage makes it resumable');
  assert.equal(p.client.getError(1), SSL_ERROR_NONE);
}, TLS13_ONLY);

vtest("S-20 (TLS 1.2 side): the RFC 5077 ticket comes inside the handshake, so the client's session is resumable at once; a close without reading keeps it, and it resumes", (version) => {
  const p = connected({ version, server: { numTickets: 1 } });
  assert.equal(p.clientIn.pending(), 0, 'nothing waits after the handshake');
  const session = p.client.getSession()!;
  assert.equal(session.isResumable(), true);
  assert.ok(session.ticket12, 'the NewSessionTicket came before the server Finished');
  assert.equal(p.client.shutdown(), 0);
  assert.equal(p.server.shutdown(), 0);
  p.toClient();
  assert.equal(p.client.shutdown(), 1);
  assert.equal(p.client.getShutdown(), BOTH);
  const again = connectOnce(p.clientCtx, p.serverCtx, session);
  assert.equal(again.client.sessionReused(), true);
  assert.equal(again.server.sessionReused(), true);
}, TLS12_ONLY);
