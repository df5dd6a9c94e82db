import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExtensionType } from '../../src/wire/enums.js';
import { decodeOfferedPsks } from '../../src/wire/extensions.js';
import { SSL_OP_NO_TICKET, SSL_SENT_SHUTDOWN, SSL_RECEIVED_SHUTDOWN } from '../../src/ssl/constants.js';
import type { Session } from '../../src/ssl/session.js';
import { assertFull, assertResumed, connectOnce, contexts, memoryPairFrom } from '../helpers/resumption.js';

test('TLS 1.3 stateless tickets: the second connection resumes; both sides agree; peer certificates carried over', () => {
  const { clientCtx, serverCtx } = contexts();
  const first = connectOnce(clientCtx, serverCtx);
  assertFull(first);
  const session = first.client.getSession()!;
  assert.ok(session.isResumable());
  assert.equal(session.tickets.length, 2, 'OpenSSL default: two tickets');
  const second = connectOnce(clientCtx, serverCtx, session);
  assertResumed(second);
  const resumed = second.client.getSession()!;
  assert.equal(resumed.tickets.length, 1, 'OpenSSL: at most one ticket after a resumption');
  assert.notEqual(resumed, session);
  assert.deepEqual(resumed.peerCertificates, session.peerCertificates);
  assert.ok(resumed.isResumable(), 'the resumed connection has tickets of its own');
  // And again from the resumed connection's session.
  assertResumed(connectOnce(clientCtx, serverCtx, resumed));
});

test('TLS 1.3 server with sealed tickets keeps its sessions out of the internal cache unless a remove callback watches (OpenSSL ssl_update_cache)', () => {
  const { clientCtx, serverCtx } = contexts();
  const announced: Session[] = [];
  serverCtx.sessionCache.onNewSession = (s) => announced.push(s);
  const first = connectOnce(clientCtx, serverCtx);
  assert.equal(serverCtx.sessionCache.size, 0, 'nothing the server would ever look up');
  assert.deepEqual(announced, [first.server.getSession()], 'the new-session callback still hears of it');
  assert.equal(first.server.getSession()!.isResumable(), true);
  assertResumed(connectOnce(clientCtx, serverCtx, first.client.getSession()!));
  // With a remove callback the application follows the cache, so the session is kept in it.
  const watched = contexts();
  const removed: Session[] = [];
  watched.serverCtx.sessionCache.onRemoveSession = (s) => removed.push(s);
  const run = connectOnce(watched.clientCtx, watched.serverCtx);
  assert.equal(watched.serverCtx.sessionCache.size, 1);
  watched.serverCtx.sessionCache.flush(Infinity);
  assert.deepEqual(removed, [run.server.getSession()]);
  // Stateful tickets and TLS 1.2 sessions live in the cache (tests below and in resumption12).
});

test('TLS 1.3 stateful tickets (SSL_OP_NO_TICKET): resumed from the server cache; eviction kills them', () => {
  const { clientCtx, serverCtx } = contexts({}, { options: SSL_OP_NO_TICKET });
  const first = connectOnce(clientCtx, serverCtx);
  assert.equal(serverCtx.sessionCache.size, 1);
  const session = first.client.getSession()!;
  assert.equal(session.tickets[0]!.ticket.length, 33, 'session ID and a one-byte nonce');
  assertResumed(connectOnce(clientCtx, serverCtx, session));
  serverCtx.sessionCache.flush(Infinity);
  assertFull(connectOnce(clientCtx, serverCtx, session));
});

test('TLS 1.3: each ticket is offered once while unused ones remain, then reused (RFC 8446 C.4)', () => {
  const offered: string[] = [];
  const { clientCtx, serverCtx } = contexts({
    hooks: {
      clientHello(hello) {
        const psk = hello.extensions.find((e) => e.type === ExtensionType.pre_shared_key);
        if (psk) offered.push(Buffer.from(decodeOfferedPsks(psk.data).identities[0]!.identity).toString('hex'));
        return hello;
      },
    },
  });
  const session = connectOnce(clientCtx, serverCtx).client.getSession()!;
  for (let i = 0; i < 3; i++) assertResumed(connectOnce(clientCtx, serverCtx, session));
  assert.equal(offered.length, 3);
  assert.notEqual(offered[0], offered[1], 'the second connection uses the other ticket');
  assert.ok(offered[2] === offered[0] || offered[2] === offered[1], 'with none unused left, one is offered again');
  assert.deepEqual(new Set(offered.slice(0, 2)), new Set(session.tickets.map((t) => Buffer.from(t.ticket).toString('hex'))));
});

test('TLS 1.3: a session is not offered to another server name, nor after its tickets expired', () => {
  let now = Date.now();
  // The certificate names localhost only: this client skips verification to reach the other name.
  const { clientCtx, serverCtx } = contexts({ now: () => now, dangerouslySkipCertificateVerification: true }, { now: () => now, sessionTimeout: 100 });
  const session = connectOnce(clientCtx, serverCtx).client.getSession()!;
  assertFull(connectOnce(clientCtx, serverCtx, session, 'other.example'));
  now += 101_000;
  assertFull(connectOnce(clientCtx, serverCtx, session));
});

test('TLS 1.3: numTickets 0 issues none; the client session is then not resumable', () => {
  const { clientCtx, serverCtx } = contexts({}, { numTickets: 0 });
  const first = connectOnce(clientCtx, serverCtx);
  assert.equal(first.client.getSession()!.isResumable(), false);
});

test('TLS 1.3: after HelloRetryRequest the binder is recomputed and the session still resumes', () => {
  const { clientCtx, serverCtx } = contexts({ groups: 'X25519:P-256' }, { groups: 'P-256' });
  const first = connectOnce(clientCtx, serverCtx);
  assert.equal(first.client.getNegotiated()!.helloRetry, true);
  const second = connectOnce(clientCtx, serverCtx, first.client.getSession()!);
  assert.equal(second.client.getNegotiated()!.helloRetry, true);
  assertResumed(second);
});

test('TLS 1.3: setShutdown(SENT|RECEIVED) before free() keeps the session (S-46 idiom)', () => {
  const { clientCtx, serverCtx } = contexts({}, { options: SSL_OP_NO_TICKET });
  const run = connectOnce(clientCtx, serverCtx);
  run.client.setShutdown(SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  run.client.free();
  assertResumed(connectOnce(clientCtx, serverCtx, run.client.getSession()));
});

test('TLS 1.3: a fatal alert evicts both sides\' sessions; the server no longer honours its stateful tickets (S-48)', () => {
  const { clientCtx, serverCtx } = contexts({}, { options: SSL_OP_NO_TICKET });
  const removed: Session[] = [];
  serverCtx.setSessionCallbacks({ removeSession: (s) => removed.push(s) });
  const p = memoryPairFrom(clientCtx, serverCtx);
  p.handshake();
  // The client reads the tickets, then the server receives a record it cannot open.
  assert.equal(p.client.read(new Uint8Array(16)), -1);
  const clientSession = p.client.getSession()!;
  assert.ok(clientSession.isResumable());
  p.serverIn.write(Uint8Array.of(23, 3, 3, 0, 20, ...new Uint8Array(20)));
  assert.equal(p.server.read(new Uint8Array(16)), -1);
  assert.equal(p.server.getErrorInfo()?.reason, 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
  assert.equal(removed.length, 1, 'remove callback fired');
  assert.equal(removed[0]!.isResumable(), false);
  assert.equal(serverCtx.sessionCache.size, 0);
  // The client still holds its tickets, but the server's half is gone: full handshake.
  assertFull(connectOnce(clientCtx, serverCtx, clientSession));
});


test('S-20 with real tickets: not resumable before the read side completes, resumable and resumed after', () => {
  const { clientCtx, serverCtx } = contexts();
  const p = memoryPairFrom(clientCtx, serverCtx);
  p.handshake();
  // The server's tickets wait unread in the client's rbio.
  assert.ok(p.clientIn.pending() > 0);
  const session = p.client.getSession()!;
  assert.equal(session.isResumable(), false);
  assert.equal(p.client.shutdown(), 0);
  assert.equal(session.isResumable(), false, 'sending close_notify reads nothing');
  assert.equal(p.server.shutdown(), 0);
  assert.equal(p.server.shutdown(), 1);
  assert.equal(p.client.shutdown(), 1, 'the second stage reads the tickets, then the close_notify');
  assert.equal(session.isResumable(), true);
  assert.equal(session.tickets.length, 2);
  assertResumed(connectOnce(clientCtx, serverCtx, session));
});

test('D-5 / S-46: free() without shutdown() evicts the client session too: it is not offered again', () => {
  const { clientCtx, serverCtx } = contexts();
  const p = memoryPairFrom(clientCtx, serverCtx);
  p.handshake();
  assert.equal(p.client.read(new Uint8Array(8)), -1, 'reads the tickets');
  const session = p.client.getSession()!;
  assert.ok(session.isResumable());
  p.client.free();
  assert.equal(session.isResumable(), false);
  assertFull(connectOnce(clientCtx, serverCtx, session));
});

test("TLS 1.3 server session: its ID and resumption secret are copies in one buffer of their own, not views of the connection's secrets", () => {
  const { clientCtx, serverCtx } = contexts();
  const first = connectOnce(clientCtx, serverCtx);
  const s = first.server.getSession()!;
  assert.equal(s.id.length, 32);
  const secret = s.resumptionSecret!;
  assert.equal(secret.length, 32, 'SHA-256 suite');
  assert.equal(s.id.buffer, secret.buffer);
  assert.equal(secret.buffer.byteLength, 64, 'nothing else in that buffer (no traffic secrets)');
  assert.deepEqual(secret, first.server.connection!.resumptionSecret);
  // Resumption works from it, and again from the resumed connection's session.
  const second = connectOnce(clientCtx, serverCtx, first.client.getSession()!);
  assertResumed(second);
  assertResumed(connectOnce(clientCtx, serverCtx, second.client.getSession()!));
});

test('TLS 1.3 client: a session taken before the tickets arrived gets them; ticket lists are replaced, never changed in place', () => {
  const { clientCtx, serverCtx } = contexts();
  const p = memoryPairFrom(clientCtx, serverCtx);
  p.handshake();
  // The client finished its handshake before the server's tickets (sent after its Finished) were read.
  const early = p.client.getSession()!;
  const before = early.tickets;
  assert.equal(before.length, 0);
  assert.equal(early.isResumable(), false);
  assert.equal(p.client.read(new Uint8Array(8)), -1);
  const session = p.client.getSession()!;
  assert.equal(session, early, 'the same session object');
  assert.equal(session.tickets.length, 2);
  assert.ok(session.isResumable());
  assert.equal(before.length, 0, 'a list taken earlier is not changed');
  assert.notEqual(session.tickets, before);
  assertResumed(connectOnce(clientCtx, serverCtx, session));
});

test('TLS 1.3 client whose context caches no client sessions (the default): the session is made when asked for, dated at the handshake; clear() and fatal alerts treat it as before', () => {
  let now = Date.now();
  const { clientCtx, serverCtx } = contexts({ now: () => now }, { now: () => now });
  const established = () => {
    const p = memoryPairFrom(clientCtx, serverCtx);
    p.handshake();
    assert.equal(p.client.read(new Uint8Array(8)), -1, 'reads the tickets');
    now += 5_000;
    return p;
  };
  // Asked for after the tickets: dated when the handshake completed, not when asked; made once.
  const asked = established();
  const session = asked.client.getSession()!;
  assert.equal(session.createdAt, now - 5_000);
  assert.ok(session.isResumable());
  assert.equal(session.tickets.length, 2);
  assert.equal(asked.client.getSession(), session);
  // clear() after a clean close keeps the session nobody asked for: the next connection offers it.
  const clean = established();
  assert.equal(clean.client.shutdown(), 0);
  assert.equal(clean.server.read(new Uint8Array(8)), 0);
  assert.equal(clean.server.shutdown(), 1);
  assert.equal(clean.client.shutdown(), 1);
  assert.equal(clean.client.clear(), 1);
  const kept = clean.client.getSession()!;
  assert.ok(kept.isResumable());
  assert.equal(kept.createdAt, now - 5_000);
  assertResumed(connectOnce(clientCtx, serverCtx, kept));
  // clear() without shutdown() evicts it (S-46) even though it was never made: nothing is offered.
  const unclean = established();
  assert.equal(unclean.client.clear(), 1);
  assert.equal(unclean.client.getSession(), null);
  // After a fatal alert the session asked for later is not resumable (S-48).
  const failed = established();
  failed.clientIn.write(Uint8Array.of(23, 3, 3, 0, 20, ...new Uint8Array(20)));
  assert.equal(failed.client.read(new Uint8Array(16)), -1);
  assert.equal(failed.client.getErrorInfo()?.reason, 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
  assert.equal(failed.client.getSession()!.isResumable(), false);
});
