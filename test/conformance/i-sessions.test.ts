/**
 * Section I of the shutdown contract: clear(), free() and the session cache (S-46 .. S-52).
 * These tests observe what OpenSSL code observes: `isResumable()`, the cache contents and the
 * new/remove callbacks; and, with real tickets (TLS 1.3) and session IDs or RFC 5077 tickets
 * (TLS 1.2), whether a kept session really resumes and an evicted one really does not.
 */
import assert from 'node:assert/strict';
import { AlertDescription, AlertLevel } from '../../src/wire/enums.js';
import {
  SSL_ERROR_SSL,
  SSL_OP_IGNORE_UNEXPECTED_EOF,
  SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE,
  SSL_OP_NO_TICKET,
  SSL_SESS_CACHE_BOTH,
  SSL_SESS_CACHE_CLIENT,
  SSL_SESS_CACHE_OFF,
  SSL_SESS_CACHE_SERVER,
} from '../../src/ssl/constants.js';
import type { Session } from '../../src/ssl/session.js';
import { connectOnce } from '../helpers/resumption.js';
import { assertFailure, craft, makePair, quiet, type Pair, vtest, type TlsVersion } from './harness.js';

/**
 * A connected pair whose server issued one real ticket that the client has read (TLS 1.3), or
 * gave a session ID and an RFC 5077 ticket (TLS 1.2): both sessions resumable.
 */
function withSessions(version: TlsVersion, client = {}, server = {}): Pair & { removed: Session[] } {
  const removed: Session[] = [];
  // Remove callbacks set at startup, as applications do (with one, a TLS 1.3 server also keeps
  // its sealed-ticket sessions in the internal cache, as OpenSSL's ssl_update_cache).
  const p = quiet({
    version,
    client,
    server: { numTickets: 1, ...server },
    setup: (serverCtx, clientCtx) => {
      serverCtx.sessionCache.onRemoveSession = (s) => removed.push(s);
      clientCtx.sessionCache.onRemoveSession = (s) => removed.push(s);
    },
  });
  assert.equal(p.server.getSession()?.isResumable(), true);
  assert.equal(p.client.getSession()?.isResumable(), true);
  return Object.assign(p, { removed });
}

/**
 * Whether the client offering `session` on a new connection between the pair's contexts gets it
 * resumed (both sides must agree); false means a full handshake.
 */
function resumes(p: Pair, session: Session): boolean {
  const run = connectOnce(p.clientCtx, p.serverCtx, session);
  assert.equal(run.client.sessionReused(), run.server.sessionReused(), 'both sides agree');
  return run.client.sessionReused();
}

vtest('S-46: free() and clear() of an established connection without SENT_SHUTDOWN evict its session', (version) => {
  for (const how of ['free', 'clear'] as const) {
    const p = withSessions(version);
    const s = p.server.getSession()!;
    assert.equal(p.serverCtx.sessionCache.size, 1);
    if (how === 'free') p.server.free();
    else assert.equal(p.server.clear(), 1);
    assert.equal(s.isResumable(), false, how);
    assert.equal(p.serverCtx.sessionCache.size, 0, how);
    assert.deepEqual(p.removed, [s], `${how}: the remove callback fired once`);
  }
  // With sessions that live only in the server cache (TLS 1.2 session IDs, TLS 1.3 stateful
  // tickets), the eviction is what the next connection sees: a full handshake. (Stateless tickets
  // cannot be revoked by the server, as in OpenSSL.)
  const kept = withSessions(version, {}, { options: SSL_OP_NO_TICKET });
  assert.equal(resumes(kept, kept.client.getSession()!), true, 'a cached session resumes');
  const evicted = withSessions(version, {}, { options: SSL_OP_NO_TICKET });
  evicted.server.free();
  assert.equal(resumes(evicted, evicted.client.getSession()!), false, 'an evicted one does not');
  // A connection freed in the middle of its handshake has no session to evict.
  const q = makePair({ version, tickets: 1 });
  let removals = 0;
  q.serverCtx.sessionCache.onRemoveSession = () => removals++;
  q.client.connect();
  q.toServer();
  q.server.accept();
  q.server.free();
  assert.equal(removals, 0);
});

vtest('S-47: eviction marks the session not resumable even when it was never in the cache (a client that kept it)', (version) => {
  const p = withSessions(version);
  assert.equal(p.clientCtx.getSessionCacheMode(), SSL_SESS_CACHE_SERVER, "OpenSSL's default: clients do not cache");
  const kept = p.client.getSession()!;
  assert.equal(p.clientCtx.sessionCache.size, 0);
  p.client.free();
  assert.equal(kept.isResumable(), false);
  assert.deepEqual(p.removed, [kept], 'the remove callback fired for it anyway');
  assert.equal(resumes(p, kept), false, 'the client no longer offers it');
});

vtest('S-48: a fatal alert sent or received evicts at once', (version) => {
  // Received: the peer aborts.
  const p = withSessions(version);
  const s = p.client.getSession()!;
  craft(p.server, p.serverOut, (conn) => conn.sendAlert(AlertLevel.fatal, AlertDescription.internal_error));
  p.toClient();
  assert.equal(p.client.read(new Uint8Array(4)), 0);
  assert.equal(s.isResumable(), false, 'received fatal alert');
  assert.equal(resumes(p, s), false);
  // Sent: we abort on a bad record.
  const q = withSessions(version);
  const t = q.server.getSession()!;
  q.serverIn.inject(new Uint8Array([23, 3, 3, 0, 20, ...new Uint8Array(20)]));
  assertFailure(q.server, q.server.read(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
  assert.equal(t.isResumable(), false, 'sent fatal alert');
  assert.equal(q.serverCtx.sessionCache.size, 0);
  // Later free() does not report it a second time.
  q.server.free();
  assert.equal(q.removed.filter((x) => x === t).length, 1);
});

vtest('S-49: clear() resets the flags to 0, keeps a cleanly closed session to offer again, keeps the quiet setting', (version) => {
  const p = withSessions(version);
  const s = p.client.getSession()!;
  p.client.setQuietShutdown(true);
  assert.equal(p.client.shutdown(), 1);
  assert.notEqual(p.client.getShutdown(), 0);
  assert.equal(p.client.clear(), 1);
  assert.equal(p.client.getShutdown(), 0);
  assert.equal(p.client.getSession(), s, 'the session stays for the next connect');
  assert.equal(s.isResumable(), true);
  assert.equal(resumes(p, s), true, 'and it resumes');
  assert.equal(p.client.getQuietShutdown(), true);
  assert.equal(p.client.isInitFinished(), false, 'ready for a new handshake');
});

vtest('S-50: typessl evicts on unclean close like OpenSSL by default; SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE gives BoringSSL behaviour', (version) => {
  const p = withSessions(version);
  const s = p.server.getSession()!;
  p.server.free();
  assert.equal(s.isResumable(), false, 'OpenSSL default');
  const q = withSessions(version, {}, { options: SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE });
  const t = q.server.getSession()!;
  q.server.free();
  assert.equal(t.isResumable(), true, 'BoringSSL-style: kept');
  assert.equal(q.serverCtx.sessionCache.size, 1);
  assert.deepEqual(q.removed, []);
  const n = withSessions(version, {}, { options: SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE | SSL_OP_NO_TICKET });
  n.server.free();
  assert.equal(resumes(n, n.client.getSession()!), true, 'the kept session resumes from the server cache');
});

vtest('S-51: a fatal alert evicts even with SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE (RFC 5246 7.2.2 MUST NOT resume)', (version) => {
  const p = withSessions(version, {}, { options: SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE });
  const s = p.server.getSession()!;
  craft(p.client, p.clientOut, (conn) => conn.sendAlert(AlertLevel.fatal, AlertDescription.access_denied));
  p.toServer();
  assertFailure(p.server, p.server.read(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_TLSV1_ALERT_ACCESS_DENIED', (r) => r === 0);
  assert.equal(s.isResumable(), false);
  assert.deepEqual(p.removed, [s]);
});

vtest('S-52: the eviction rule is a documented context option next to the others, with cache modes on and off', (version) => {
  const p = withSessions(version);
  const ctx = p.serverCtx;
  assert.notEqual(SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE, SSL_OP_IGNORE_UNEXPECTED_EOF);
  assert.equal(ctx.getOptions(), 0);
  assert.equal(ctx.setOptions(SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE | SSL_OP_IGNORE_UNEXPECTED_EOF), SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE | SSL_OP_IGNORE_UNEXPECTED_EOF);
  assert.equal(ctx.clearOptions(SSL_OP_IGNORE_UNEXPECTED_EOF), SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE);
  assert.equal(ctx.noEvictOnUncleanClose, true);
  // The option is read at free() time: set after the handshake, it still keeps the session.
  const s = p.server.getSession()!;
  p.server.free();
  assert.equal(s.isResumable(), true);
  assert.equal(resumes(p, p.client.getSession()!), true);
  // Cache modes: OFF keeps sessions out of the cache; CLIENT/BOTH put the client's in.
  const off = quiet({ version, tickets: 1, server: { sessionCacheMode: SSL_SESS_CACHE_OFF } });
  assert.equal(off.serverCtx.sessionCache.size, 0);
  const added: Session[] = [];
  const both = makePair({ version, tickets: 1, client: { sessionCacheMode: SSL_SESS_CACHE_BOTH } });
  both.clientCtx.sessionCache.onNewSession = (x) => added.push(x);
  both.handshake();
  // TLS 1.3: the session becomes resumable (and is cached) once the ticket is read; TLS 1.2: at once.
  assert.equal(both.client.read(new Uint8Array(1)), -1);
  assert.equal(both.clientCtx.sessionCache.size, 1);
  assert.deepEqual(added, [both.client.getSession()]);
  assert.equal(both.clientCtx.setSessionCacheMode(SSL_SESS_CACHE_CLIENT), SSL_SESS_CACHE_BOTH);
});
