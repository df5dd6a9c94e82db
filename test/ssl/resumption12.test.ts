/**
 * TLS 1.2 session resumption over memory BIOs (RFC 5246 7.3, RFC 5077, RFC 7627 5.3): session IDs
 * and tickets, the refusals that fall back to a full handshake, the mismatches that abort, ticket
 * key rotation, damaged tickets, and two servers sharing one store.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HandshakeType, ExtensionType } from '../../src/wire/enums.js';
import { SSL_OP_NO_TICKET, SSL_SESS_CACHE_OFF } from '../../src/ssl/constants.js';
import { SslContext, type SslContextOptions } from '../../src/ssl/context.js';
import type { Session } from '../../src/ssl/session.js';
import type { ClientHello } from '../../src/wire/messages.js';
import { assertFull, assertResumed, connectOnce, contexts, memoryPairFrom } from '../helpers/resumption.js';

const TLS12: SslContextOptions = { maxVersion: 'TLSv1.2' };

function contexts12(client: SslContextOptions = {}, server: SslContextOptions = {}) {
  return contexts({ ...TLS12, ...client }, { ...TLS12, ...server });
}

/** A client hook that records each ClientHello's session ID and session_ticket extension. */
function helloRecorder(): { hooks: SslContextOptions['hooks']; hellos: { sessionId: Uint8Array; ticket: Uint8Array | null }[] } {
  const hellos: { sessionId: Uint8Array; ticket: Uint8Array | null }[] = [];
  return {
    hellos,
    hooks: {
      clientHello(hello: ClientHello) {
        const t = hello.extensions.find((e) => e.type === ExtensionType.session_ticket);
        hellos.push({ sessionId: hello.legacySessionId, ticket: t ? t.data : null });
        return hello;
      },
    },
  };
}

function ticketOf(session: Session): Uint8Array {
  assert.ok(session.ticket12, 'the session holds a ticket');
  return session.ticket12;
}

/** A copy of `session` (through its bytes) whose ticket is replaced. */
function withTicket(ctx: SslContext, session: Session, ticket: Uint8Array): Session {
  const copy = ctx.sessionFromBytes(ctx.sessionToBytes(session));
  (copy as { ticket12: Uint8Array | null }).ticket12 = ticket;
  return copy;
}

test('TLS 1.2 tickets (RFC 5077): issued in the full handshake, resumed without certificates; random session ID echoed', () => {
  const rec = helloRecorder();
  const { clientCtx, serverCtx } = contexts12({ hooks: rec.hooks });
  const first = connectOnce(clientCtx, serverCtx);
  assertFull(first);
  assert.ok(first.clientSaw.includes(HandshakeType.new_session_ticket), 'NewSessionTicket before the server Finished');
  assert.deepEqual(rec.hellos[0]!.ticket, new Uint8Array(0), 'an empty session_ticket asks for a ticket');
  const session = first.client.getSession()!;
  assert.equal(session.version, 'TLSv1.2');
  assert.ok(session.isResumable());
  ticketOf(session);
  assert.equal(session.extendedMasterSecret, true);
  const second = connectOnce(clientCtx, serverCtx, session);
  assertResumed(second);
  assert.deepEqual(rec.hellos[1]!.ticket, session.ticket12, 'the ticket is offered');
  assert.equal(rec.hellos[1]!.sessionId.length, 32, 'with a random session ID (RFC 5077 3.4)');
  assert.notDeepEqual(rec.hellos[1]!.sessionId, session.id);
  assert.ok(!second.clientSaw.includes(HandshakeType.new_session_ticket), 'a ticket under the current key is not renewed');
  assert.deepEqual(second.client.getPeerCertificates(), first.client.getPeerCertificates(), 'peer certificates come from the session');
  assert.equal(second.client.getSession(), session, 'the resumed connection keeps the session');
  assert.equal(second.client.exportKeyingMaterial('EXPORTER-test', new Uint8Array(0), 16).length, 16);
  assert.deepEqual(second.client.exportKeyingMaterial('EXPORTER-test', new Uint8Array(0), 16), second.server.exportKeyingMaterial('EXPORTER-test', new Uint8Array(0), 16));
  // Again: a session may be resumed more than once.
  assertResumed(connectOnce(clientCtx, serverCtx, session));
});

test('TLS 1.2 session IDs (SSL_OP_NO_TICKET on the server): resumed from the server cache; flushed -> full handshake', () => {
  const rec = helloRecorder();
  const { clientCtx, serverCtx } = contexts12({ hooks: rec.hooks }, { options: SSL_OP_NO_TICKET });
  const first = connectOnce(clientCtx, serverCtx);
  assert.ok(!first.clientSaw.includes(HandshakeType.new_session_ticket));
  const session = first.client.getSession()!;
  assert.equal(session.ticket12, null);
  assert.equal(session.hasServerSessionId, true);
  assert.equal(serverCtx.sessionCache.size, 1);
  const second = connectOnce(clientCtx, serverCtx, session);
  assertResumed(second);
  assert.deepEqual(rec.hellos[1]!.sessionId, session.id, 'the server session ID is offered');
  assert.equal(second.server.getSession(), serverCtx.sessionCache.get(session.id), "the server's session is the cached one");
  serverCtx.sessionCache.flush(Infinity);
  assertFull(connectOnce(clientCtx, serverCtx, session));
});

test('TLS 1.2: a client with SSL_OP_NO_TICKET sends no session_ticket and resumes by session ID', () => {
  const rec = helloRecorder();
  const { clientCtx, serverCtx } = contexts12({ hooks: rec.hooks, options: SSL_OP_NO_TICKET });
  const first = connectOnce(clientCtx, serverCtx);
  assert.equal(rec.hellos[0]!.ticket, null);
  assert.equal(first.client.getSession()!.ticket12, null);
  assertResumed(connectOnce(clientCtx, serverCtx, first.client.getSession()!));
});

test('TLS 1.2: a server without a session cache gives no session ID; tickets still resume', () => {
  const { clientCtx, serverCtx } = contexts12({}, { sessionCacheMode: SSL_SESS_CACHE_OFF });
  const session = connectOnce(clientCtx, serverCtx).client.getSession()!;
  assert.equal(session.hasServerSessionId, false);
  assertResumed(connectOnce(clientCtx, serverCtx, session));
  const noTickets = contexts12({}, { sessionCacheMode: SSL_SESS_CACHE_OFF, options: SSL_OP_NO_TICKET });
  const none = connectOnce(noTickets.clientCtx, noTickets.serverCtx).client.getSession()!;
  assert.equal(none.isResumable(), false, 'neither a session ID nor a ticket: nothing to resume');
});

test('TLS 1.2 via a TLS 1.3-capable client: the ClientHello offering both versions carries the session; a TLS 1.2 server resumes it', () => {
  const { clientCtx, serverCtx } = contexts({}, TLS12);
  const session = connectOnce(clientCtx, serverCtx).client.getSession()!;
  assert.equal(session.version, 'TLSv1.2');
  assertResumed(connectOnce(clientCtx, serverCtx, session));
  const byId = contexts({}, { ...TLS12, options: SSL_OP_NO_TICKET });
  const s2 = connectOnce(byId.clientCtx, byId.serverCtx).client.getSession()!;
  assertResumed(connectOnce(byId.clientCtx, byId.serverCtx, s2));
  // A server that now speaks TLS 1.3 does a full TLS 1.3 handshake instead.
  const { serverCtx: upgraded } = contexts();
  const third = connectOnce(clientCtx, upgraded, session);
  assertFull(third);
  assert.equal(third.client.getSession()!.version, 'TLSv1.3');
});
