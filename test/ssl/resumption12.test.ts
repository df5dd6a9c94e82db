/**
 * TLS 1.2 session resumption over memory BIOs (RFC 5246 7.3, RFC 5077, RFC 7627 5.3): session IDs
 * and tickets, the refusals that fall back to a full handshake, the mismatches that abort, ticket
 * key rotation, damaged tickets, and two servers sharing one store.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HandshakeType, ExtensionType } from '../../src/wire/enums.js';
import {
  SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE,
  SSL_OP_NO_TICKET,
  SSL_SESS_CACHE_NO_INTERNAL,
  SSL_SESS_CACHE_OFF,
  SSL_SESS_CACHE_SERVER,
  SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
  SSL_VERIFY_PEER,
} from '../../src/ssl/constants.js';
import { SslContext, type SslContextOptions } from '../../src/ssl/context.js';
import type { Session } from '../../src/ssl/session.js';
import type { ClientHello } from '../../src/wire/messages.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { TLS12_SUITES, suiteInfo } from '../../src/crypto/suites.js';
import { testCertificate } from '../helpers/memory-pair.js';
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

/** Options of a TLS 1.2 server with the shared test certificate and session IDs only. */
function serverOptions(): SslContextOptions {
  const cert = testCertificate();
  return { ...TLS12, provider: nodeCrypto, certificate: cert.certificatePem, privateKey: cert.privateKeyPem, options: SSL_OP_NO_TICKET };
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

test('TLS 1.2 ticket key rotation: a ticket under the previous key resumes and is renewed; two rotations later a full handshake', () => {
  const { clientCtx, serverCtx } = contexts12();
  const session = connectOnce(clientCtx, serverCtx).client.getSession()!;
  serverCtx.rotateTicketKeys();
  const second = connectOnce(clientCtx, serverCtx, session);
  assertResumed(second);
  assert.ok(second.clientSaw.includes(HandshakeType.new_session_ticket), 'a renewed ticket before the server CCS');
  const renewed = second.client.getSession()!;
  assert.notEqual(renewed, session, 'the renewed ticket makes a new client session');
  assert.notDeepEqual(ticketOf(renewed), ticketOf(session));
  assert.deepEqual(renewed.peerCertificates, session.peerCertificates);
  const third = connectOnce(clientCtx, serverCtx, renewed);
  assertResumed(third);
  assert.ok(!third.clientSaw.includes(HandshakeType.new_session_ticket), 'a current-key ticket is not renewed');
  serverCtx.rotateTicketKeys();
  serverCtx.rotateTicketKeys();
  assertFull(connectOnce(clientCtx, serverCtx, session));
  assertFull(connectOnce(clientCtx, serverCtx, renewed));
});

test('TLS 1.2: tampered, truncated, foreign, random and TLS 1.3 tickets give a full handshake, never an error', () => {
  // The server also speaks TLS 1.3, so one of its TLS 1.3 tickets can be offered as a TLS 1.2 one.
  const { clientCtx, serverCtx } = contexts(TLS12, {});
  const session = connectOnce(clientCtx, serverCtx).client.getSession()!;
  const good = ticketOf(session);
  const { clientCtx: client13 } = contexts();
  const tls13Ticket = connectOnce(client13, serverCtx).client.getSession()!.tickets[0]!.ticket;
  const { clientCtx: otherClient, serverCtx: otherServer } = contexts12();
  const foreign = ticketOf(connectOnce(otherClient, otherServer).client.getSession()!);
  const tampered = good.slice();
  tampered[good.length >> 1]! ^= 0x40;
  const renamed = good.slice();
  renamed[0]! ^= 1;
  const cases: [string, Uint8Array][] = [
    ['tampered', tampered],
    ['other key name', renamed],
    ['truncated', good.subarray(0, good.length - 1)],
    ['name only', good.subarray(0, 16)],
    ['one byte', good.subarray(0, 1)],
    ['foreign', foreign],
    ['random', new Uint8Array(good.length).fill(0xa5)],
    ['TLS 1.3 ticket of the same server', tls13Ticket],
  ];
  for (const [what, ticket] of cases) {
    const run = connectOnce(clientCtx, serverCtx, withTicket(clientCtx, session, ticket));
    assert.equal(run.client.sessionReused(), false, what);
    assertFull(run);
  }
  assertResumed(connectOnce(clientCtx, serverCtx, session));
});

test('TLS 1.2: expired sessions are neither offered nor resumed (tickets and session IDs)', () => {
  let now = Date.now();
  for (const options of [0, SSL_OP_NO_TICKET]) {
    // The client keeps sessions longer than the server: the server's refusal is what is tested.
    const { clientCtx, serverCtx } = contexts12({ now: () => now }, { now: () => now, sessionTimeout: 100, options });
    const session = connectOnce(clientCtx, serverCtx).client.getSession()!;
    now += 99_000;
    assertResumed(connectOnce(clientCtx, serverCtx, session));
    now += 2_000;
    assertFull(connectOnce(clientCtx, serverCtx, session));
    // A client whose own sessions expired does not offer them.
    const rec = helloRecorder();
    const shortLived = contexts12({ now: () => now, sessionTimeout: 100, hooks: rec.hooks }, { now: () => now, options });
    const mine = connectOnce(shortLived.clientCtx, shortLived.serverCtx).client.getSession()!;
    now += 101_000;
    assertFull(connectOnce(shortLived.clientCtx, shortLived.serverCtx, mine));
    assert.equal(rec.hellos[1]!.sessionId.length, 0, 'no session ID offered');
    assert.ok(!rec.hellos[1]!.ticket?.length, 'no ticket offered');
  }
});

test('TLS 1.2: a session is resumed only for its server name (RFC 6066 3) and its still-enabled cipher suite', () => {
  // The certificate names localhost only: this client skips verification to reach the other name.
  const { clientCtx, serverCtx } = contexts12({ dangerouslySkipCertificateVerification: true }, { options: SSL_OP_NO_TICKET });
  const session = connectOnce(clientCtx, serverCtx).client.getSession()!;
  assertFull(connectOnce(clientCtx, serverCtx, session, 'other.example'));
  const suite = session.suite.name;
  // A server sharing the cache whose cipher list no longer has the suite: full handshake.
  const narrowed = new SslContext({ ...serverOptions(), cipherList: TLS12_SUITES.filter((id) => id !== session.suite.id) });
  narrowed.setSessionCallbacks({ getSession: (id) => serverCtx.sessionCache.get(id) });
  const run = connectOnce(clientCtx, narrowed, session);
  assertFull(run);
  assert.notEqual(run.client.getSession()!.suite.name, suite);
  // The same server with the suite still enabled resumes it (the lookup path works).
  const same = new SslContext(serverOptions());
  same.setSessionCallbacks({ getSession: (id) => serverCtx.sessionCache.get(id) });
  assertResumed(connectOnce(clientCtx, same, session));
});

/** A hook that drops one extension type from a hello (a legacy or misbehaving peer), when `when()` says so. */
function dropExtension<T extends { extensions: { type: number }[] }>(type: number, when: () => boolean = () => true): (m: T) => T {
  return (m) => (when() ? { ...m, extensions: m.extensions.filter((e) => e.type !== type) } : m);
}

/** Runs a handshake that must fail; returns both sides' reasons. */
function failingHandshake(clientCtx: SslContext, serverCtx: SslContext, session: Session): { client: string | undefined; server: string | undefined } {
  const p = memoryPairFrom(clientCtx, serverCtx);
  p.client.setSession(session);
  let c = -1;
  let s = -1;
  for (let i = 0; i < 20; i++) {
    c = p.client.doHandshake();
    s = p.server.doHandshake();
  }
  assert.notEqual(c, 1, 'the client handshake must fail');
  assert.notEqual(s, 1, 'the server handshake must fail');
  return { client: p.client.getErrorInfo()?.reason ?? undefined, server: p.server.getErrorInfo()?.reason ?? undefined };
}

test('RFC 7627 5.3 on the server: a session without EMS is not resumed (full handshake); an EMS session asked for without EMS aborts', () => {
  // A legacy client: no extended_master_secret on its first connection.
  let legacy = true;
  const { clientCtx, serverCtx } = contexts12(
    { requireExtendedMasterSecret: false, hooks: { clientHello: dropExtension(ExtensionType.extended_master_secret, () => legacy) } },
    { requireExtendedMasterSecret: false },
  );
  const old = connectOnce(clientCtx, serverCtx).client.getSession()!;
  assert.equal(old.extendedMasterSecret, false);
  legacy = false;
  // Original without EMS, new ClientHello with it: full handshake (for tickets and session IDs alike).
  assertFull(connectOnce(clientCtx, serverCtx, old));
  const withEms = connectOnce(clientCtx, serverCtx).client.getSession()!;
  assert.equal(withEms.extendedMasterSecret, true);
  assertResumed(connectOnce(clientCtx, serverCtx, withEms));
  // Original with EMS, new ClientHello without it: handshake_failure.
  legacy = true;
  const reasons = failingHandshake(clientCtx, serverCtx, withEms);
  assert.equal(reasons.server, 'SSL_R_INCONSISTENT_EXTMS');
  assert.equal(reasons.client, 'SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE');
});

test('TLS 1.2 client: a server that resumes with another cipher suite or another EMS status gets illegal_parameter', () => {
  let tamper: 'suite' | 'ems' | null = null;
  const { clientCtx, serverCtx } = contexts12(
    {},
    {
      hooks: {
        serverHello(sh) {
          if (tamper === 'ems') return dropExtension<typeof sh>(ExtensionType.extended_master_secret)(sh);
          if (tamper === 'suite') return { ...sh, cipherSuite: TLS12_SUITES.find((id) => id !== sh.cipherSuite && suiteInfo(id)!.auth === suiteInfo(sh.cipherSuite)!.auth)! };
          return sh;
        },
      },
    },
  );
  const session = connectOnce(clientCtx, serverCtx).client.getSession()!;
  tamper = 'suite';
  const a = failingHandshake(clientCtx, serverCtx, session);
  assert.equal(a.client, 'SSL_R_OLD_SESSION_CIPHER_NOT_RETURNED');
  assert.equal(a.server, 'SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER');
  tamper = 'ems';
  const b = failingHandshake(clientCtx, serverCtx, session);
  assert.equal(b.client, 'SSL_R_INCONSISTENT_EXTMS');
  assert.equal(b.server, 'SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER');
});

test('TLS 1.2: two server contexts sharing one external store through the session callbacks (session IDs)', () => {
  const store = new Map<string, Uint8Array>();
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const fleet = () => {
    const ctx = new SslContext({ ...serverOptions(), sessionCacheMode: SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL });
    ctx.setSessionCallbacks({
      newSession: (s) => store.set(s.idHex, ctx.sessionToBytes(s)),
      getSession: (id) => {
        const bytes = store.get(hex(id));
        return bytes ? ctx.sessionFromBytes(bytes) : null;
      },
      removeSession: (s) => store.delete(s.idHex),
    });
    return ctx;
  };
  const a = fleet();
  const b = fleet();
  const { clientCtx } = contexts12();
  const first = connectOnce(clientCtx, a);
  assert.equal(store.size, 1, 'the new session went to the store');
  assert.equal(a.sessionCache.size, 0, 'and not to the internal cache');
  const session = first.client.getSession()!;
  const onB = connectOnce(clientCtx, b, session);
  assertResumed(onB);
  assert.equal(onB.server.getSession()!.idHex, session.idHex);
  // An unclean close on B evicts the session from the shared store: A no longer resumes it.
  const p = memoryPairFrom(clientCtx, b);
  p.client.setSession(session);
  p.handshake();
  assert.equal(p.server.sessionReused(), true);
  p.server.free();
  assert.equal(store.size, 0, 'the remove callback deleted it');
  assertFull(connectOnce(clientCtx, a, session));
});

test("TLS 1.2: two servers sharing ticket keys resume each other's tickets", () => {
  const a = new SslContext({ ...serverOptions(), options: 0 });
  const b = new SslContext({ ...serverOptions(), options: 0 });
  const keys = a.ticketKeys.exportKeys();
  b.ticketKeys.setKeys(keys.current, keys.previous);
  const { clientCtx } = contexts12();
  const session = connectOnce(clientCtx, a).client.getSession()!;
  assertResumed(connectOnce(clientCtx, b, session));
});

test('TLS 1.2 keep-or-evict: an unclean close or a fatal alert evicts (full handshake after), a clean close or NO_EVICT keeps (resumed)', () => {
  const { clientCtx, serverCtx } = contexts12({}, { options: SSL_OP_NO_TICKET });
  // Server freed without shutdown(): its session ID is evicted.
  const p = memoryPairFrom(clientCtx, serverCtx);
  p.handshake();
  const s1 = p.client.getSession()!;
  p.server.free();
  assert.equal(serverCtx.sessionCache.size, 0);
  assertFull(connectOnce(clientCtx, serverCtx, s1));
  // Client freed without shutdown(): it does not offer the session again.
  const q = memoryPairFrom(clientCtx, serverCtx);
  q.handshake();
  const s2 = q.client.getSession()!;
  q.client.free();
  assert.equal(s2.isResumable(), false);
  assertFull(connectOnce(clientCtx, serverCtx, s2));
  // A resumed connection closed uncleanly evicts the session it resumed.
  const s3 = connectOnce(clientCtx, serverCtx).client.getSession()!;
  const r = memoryPairFrom(clientCtx, serverCtx);
  r.client.setSession(s3);
  r.handshake();
  assert.equal(r.server.sessionReused(), true);
  r.server.free();
  assertFull(connectOnce(clientCtx, serverCtx, s3));
  // A fatal alert evicts on both sides.
  const s4Run = memoryPairFrom(clientCtx, serverCtx);
  s4Run.handshake();
  const s4 = s4Run.client.getSession()!;
  s4Run.serverIn.write(Uint8Array.of(23, 3, 3, 0, 40, ...new Uint8Array(40)));
  assert.equal(s4Run.server.read(new Uint8Array(8)), -1);
  assert.equal(s4Run.server.getErrorInfo()?.reason, 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
  assert.equal(s4Run.client.read(new Uint8Array(8)), 0);
  assert.equal(s4.isResumable(), false);
  assertFull(connectOnce(clientCtx, serverCtx, s4));
  // SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE keeps it.
  const keep = contexts12({}, { options: SSL_OP_NO_TICKET | SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE });
  const k = memoryPairFrom(keep.clientCtx, keep.serverCtx);
  k.handshake();
  const s5 = k.client.getSession()!;
  k.server.free();
  assertResumed(connectOnce(keep.clientCtx, keep.serverCtx, s5));
});

test('a resumed connection reports the verification result its session recorded (both versions); format 1 session bytes still read', () => {
  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    // No trust anchors: verification fails (self-signed) and is skipped, so the result is an error code.
    const skipping = new SslContext({ provider: nodeCrypto, maxVersion, dangerouslySkipCertificateVerification: true });
    const { clientCtx, serverCtx } = contexts({ maxVersion });
    const first = connectOnce(skipping, serverCtx);
    const code = first.client.getVerifyResult();
    assert.notEqual(code, 0, maxVersion);
    const session = first.client.getSession()!;
    assert.equal(session.verifyResult, code);
    const again = connectOnce(skipping, serverCtx, session);
    assertResumed(again);
    assert.equal(again.client.getVerifyResult(), code, `${maxVersion}: the resumed connection reports the original result`);
    assert.equal(again.client.getSession()!.verifyResult, code);
    const verified = connectOnce(clientCtx, serverCtx);
    assert.equal(verified.client.getVerifyResult(), 0);
    const resumedVerified = connectOnce(clientCtx, serverCtx, verified.client.getSession()!);
    assertResumed(resumedVerified);
    assert.equal(resumedVerified.client.getVerifyResult(), 0);
    assert.equal(clientCtx.sessionFromBytes(clientCtx.sessionToBytes(session)).verifyResult, code, 'kept in the session bytes');
  }
  // Format 1 (before the verification result): a TLS 1.2 session has no TLS 1.3 tickets, so its
  // body ends with the verification result (u32) and a zero ticket count.
  const { clientCtx, serverCtx } = contexts12();
  const session = connectOnce(clientCtx, serverCtx).client.getSession()!;
  const v2 = clientCtx.sessionToBytes(session);
  const body = v2.subarray(0, v2.length - 32);
  const v1body = new Uint8Array([...body.subarray(0, body.length - 5), ...body.subarray(body.length - 1)]);
  v1body[3] = 1;
  const v1 = new Uint8Array([...v1body, ...nodeCrypto.digest('sha256', v1body)]);
  const back = clientCtx.sessionFromBytes(v1);
  assert.equal(back.verifyResult, 0);
  assert.deepEqual(back.ticket12, session.ticket12);
  assertResumed(connectOnce(clientCtx, serverCtx, back));
});

test('TLS 1.2 with client certificates: the resumed connection needs no certificate from either side and keeps the client chain and its verification result', () => {
  const cert = testCertificate();
  for (const options of [0, SSL_OP_NO_TICKET]) {
    const { clientCtx, serverCtx } = contexts12(
      { certificate: cert.certificatePem, privateKey: cert.privateKeyPem },
      { ca: cert.certificatePem, verifyMode: SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, options },
    );
    const first = connectOnce(clientCtx, serverCtx);
    assertFull(first);
    assert.ok(first.serverSaw.includes(HandshakeType.certificate), 'the client sent its certificate');
    const clientChain = first.server.getPeerCertificates();
    assert.equal(clientChain.length, 1);
    const again = connectOnce(clientCtx, serverCtx, first.client.getSession()!);
    assertResumed(again);
    assert.ok(!again.serverSaw.includes(HandshakeType.certificate), 'no client Certificate either');
    assert.ok(!again.serverSaw.includes(HandshakeType.certificate_verify));
    const hex = (chain: Uint8Array[]) => chain.map((c) => Buffer.from(c).toString('hex'));
    assert.deepEqual(hex(again.server.getPeerCertificates()), hex(clientChain));
    assert.equal(again.server.getVerifyResult(), first.server.getVerifyResult());
  }
});

/**
 * A node:crypto provider that counts key block derivations: the first HMAC of each
 * PRF(master_secret, "key expansion", seed) (RFC 5246 6.3) takes the label and seed as its input.
 * The PRF makes its HMACs under a prepared key (hmacKey), plain `hmac` is watched as well.
 */
function keyBlockCounter(): { provider: CryptoProvider; derivations: () => number } {
  const label = new TextEncoder().encode('key expansion');
  let n = 0;
  const count = (data: Uint8Array): void => {
    if (data.length > label.length && label.every((b, i) => data[i] === b)) n++;
  };
  const provider = Object.create(nodeCrypto) as CryptoProvider;
  provider.hmac = (hash, key, data) => {
    count(data);
    return nodeCrypto.hmac(hash, key, data);
  };
  provider.hmacKey = (hash, key) => {
    const prepared = nodeCrypto.hmacKey!(hash, key);
    return {
      mac: (data) => {
        count(data);
        return prepared.mac(data);
      },
      expand: (info, length) => prepared.expand(info, length),
    };
  };
  return { provider, derivations: () => n };
}

test('TLS 1.2: each side derives the key block once per handshake, full or resumed (by session ID or ticket)', () => {
  for (const options of [0, SSL_OP_NO_TICKET]) {
    const c = keyBlockCounter();
    const s = keyBlockCounter();
    const { clientCtx, serverCtx } = contexts12({ provider: c.provider }, { provider: s.provider, options });
    const first = connectOnce(clientCtx, serverCtx);
    assertFull(first);
    assert.equal(c.derivations(), 1, 'client, full handshake');
    assert.equal(s.derivations(), 1, 'server, full handshake');
    assertResumed(connectOnce(clientCtx, serverCtx, first.client.getSession()!));
    assert.equal(c.derivations(), 2, 'client, resumed handshake');
    assert.equal(s.derivations(), 2, 'server, resumed handshake');
  }
});
