import type { EngineConfig, Resumable12, Resumption12Offer, Session12Query, Ticket12ToSend } from '../engine/config.js';
import { tls12Enabled, tls12Suites } from '../engine/version-range.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { SSL_SESS_CACHE_NO_INTERNAL_LOOKUP, SSL_SESS_CACHE_NO_INTERNAL_STORE } from './constants.js';
import type { SslContext } from './context.js';
import type { Session } from './session.js';
import { sessionFromBytes, sessionToBytes } from './session-codec.js';

/**
 * TLS 1.2 session resumption for a typessl server (lookup by RFC 5077 ticket or session ID, and
 * ticket issuing) and the client's choice of what to offer.
 *
 * Tickets are sealed under the same ticket keys as TLS 1.3 tickets (ticket-keys.ts), with their
 * own format byte so a TLS 1.3 ticket never opens as a TLS 1.2 one or the other way round:
 * `format (2) | issued at (u64 ms) | lifetime (u32 s) | session bytes`. The session bytes carry
 * the version too, and both are checked.
 *
 * As in OpenSSL, a ClientHello with a non-empty ticket is resumed by that ticket or not at all;
 * one with a session ID only is looked up in the cache (and through the get-session callback).
 */

const TICKET12_FORMAT = 2;
/** Session IDs typessl servers give (RFC 5246 7.4.1.2 allows up to 32 bytes). */
const SESSION_ID_LENGTH = 32;
/** Clock skew allowed for a ticket issued "in the future" by another server of a fleet (ms). */
const CLOCK_SKEW = 60_000;

/** Server: an RFC 5077 ticket sealing `session`, or null when it must not outlive this connection. */
export function issueTicket12(ctx: SslContext, session: Session): Ticket12ToSend | null {
  const lifetime = session.timeout;
  if (!session.masterSecret || lifetime === 0 || session.markedNotResumable) return null;
  const now = ctx.clock();
  const sessionBytes = sessionToBytes(session, ctx.provider);
  // Sized for format, issued at, lifetime and the session's length prefix, so it never grows.
  const w = new Writer(1 + 8 + 4 + 3 + sessionBytes.length).u8(TICKET12_FORMAT);
  w.u32(Math.floor(now / 0x1_0000_0000)).u32(now % 0x1_0000_0000);
  w.u32(lifetime).bytes24(sessionBytes);
  // A view, not a copy: sealing reads the plaintext once into the sealed ticket.
  return { lifetimeHint: lifetime, ticket: ctx.ticketKeys.seal(w.view()) };
}

/**
 * Server: the session a TLS 1.2 ClientHello asks for, or null (unknown, foreign, altered,
 * truncated or expired ticket; unknown, expired or evicted session ID; another server name).
 * Never throws for bad input.
 */
export function lookupSession12(ctx: SslContext, query: Session12Query): Resumable12 | null {
  try {
    if (query.ticket && query.ticket.length > 0) return ctx.statefulTickets ? null : fromTicket(ctx, query.ticket, query.serverName);
    if (query.sessionId.length > 0) return fromCache(ctx, query.sessionId, query.serverName);
  } catch {
    // A damaged session from an external store is a miss, like any other.
  }
  return null;
}

function fromTicket(ctx: SslContext, ticket: Uint8Array, serverName: string | null): Resumable12 | null {
  const opened = ctx.ticketKeys.open(ticket);
  if (!opened) return null;
  const r = new Reader(opened.plaintext);
  if (r.u8() !== TICKET12_FORMAT) return null;
  const issuedAt = r.u32() * 0x1_0000_0000 + r.u32();
  const lifetime = r.u32();
  const session = sessionFromBytes(r.vec24(), ctx.provider);
  r.expectEnd();
  const age = ctx.clock() - issuedAt;
  if (age < -CLOCK_SKEW || age >= lifetime * 1000) return null;
  return resumable(session, serverName, opened.previousKey);
}

function fromCache(ctx: SslContext, id: Uint8Array, serverName: string | null): Resumable12 | null {
  if (id.length !== SESSION_ID_LENGTH) return null;
  const mode = ctx.getSessionCacheMode();
  const session = ctx.sessionCache.lookup(id, !(mode & SSL_SESS_CACHE_NO_INTERNAL_LOOKUP), !(mode & SSL_SESS_CACHE_NO_INTERNAL_STORE));
  if (!session || session.isExpired(ctx.clock()) || !session.hasServerSessionId) return null;
  return resumable(session, serverName, false);
}

function resumable(session: Session, serverName: string | null, renewTicket: boolean): Resumable12 | null {
  if (session.side !== 'server' || session.version !== 'TLSv1.2' || !session.masterSecret || session.markedNotResumable) return null;
  // RFC 6066 3: a session is resumed only for the server name it was made for.
  if (session.serverName !== serverName) return null;
  return {
    masterSecret: session.masterSecret,
    extendedMasterSecret: session.extendedMasterSecret,
    suite: session.suite,
    peerCertificates: session.peerCertificates.slice(),
    renewTicket,
    state: session,
  };
}

/**
 * Client: what to offer from `session` on a connection with `cfg`, or null. The session must be a
 * resumable, unexpired TLS 1.2 client session for the same server name, whose suite is enabled and
 * whose master secret is an extended one unless the configuration accepts legacy sessions. A
 * ticket (when tickets are on) goes with a fresh random session ID (RFC 5077 3.4), so the echo
 * tells whether it was accepted; otherwise the server's session ID is offered.
 */
export function resumption12Offer(session: Session | null, cfg: EngineConfig): Resumption12Offer | null {
  if (!session || session.side !== 'client' || session.version !== 'TLSv1.2' || !session.masterSecret) return null;
  if (!session.isResumable() || session.isExpired(cfg.now()) || !tls12Enabled(cfg)) return null;
  if (session.serverName !== (cfg.serverName ?? null)) return null;
  if (!tls12Suites(cfg).includes(session.suite.id)) return null;
  if (!session.extendedMasterSecret && cfg.requireExtendedMasterSecret !== false) return null;
  const base = { masterSecret: session.masterSecret, extendedMasterSecret: session.extendedMasterSecret, suite: session.suite, peerCertificates: session.peerCertificates.slice(), state: session };
  if (session.ticket12 && cfg.sessionTickets12) return { ...base, sessionId: cfg.provider.randomBytes(SESSION_ID_LENGTH), ticket: session.ticket12 };
  if (session.hasServerSessionId) return { ...base, sessionId: session.id, ticket: null };
  return null;
}
