import { suiteInfo } from '../crypto/suites.js';
import type { EngineConfig, PskQuery, ResumablePsk, ResumptionOffer, TicketToSend } from '../engine/config.js';
import { hkdfExpandLabel } from '../engine/tls13/key-schedule.js';
import { clientTicketAge } from '../engine/tls13/psk.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { SSL_SESS_CACHE_NO_INTERNAL_LOOKUP, SSL_SESS_CACHE_NO_INTERNAL_STORE, SSL_SESS_CACHE_SERVER } from './constants.js';
import type { SslContext } from './context.js';
import type { Session } from './session.js';
import { MAX_TICKET_LIFETIME } from '../wire/messages.js';
import { sessionFromBytes, sessionToBytes } from './session-codec.js';

/**
 * TLS 1.3 tickets of a typessl server, and the client's choice of what to offer.
 *
 * Stateless tickets (the default) carry the whole server session sealed under the context's
 * ticket keys (ticket-keys.ts): `format (1) | issued at (u64 ms) | lifetime (u32 s) | age_add (u32)
 * | nonce | session bytes`. Any server holding the keys can resume them; nothing is stored.
 *
 * Stateful tickets (SSL_OP_NO_TICKET, as OpenSSL) are `session ID (32) | nonce`: the session stays
 * in the cache, or in the external store the session callbacks reach, and evicting it (S-46..S-48)
 * makes every ticket of it useless at once.
 *
 * Either way a ticket's PSK is HKDF-Expand-Label(resumption_master_secret, "resumption", nonce).
 */

const TICKET_FORMAT = 1;
const SESSION_ID_LENGTH = 32;
/** Stateless ticket plaintext before the nonce and session: format, issued at, lifetime, age_add, and the two length prefixes. */
const TICKET_HEADER_LENGTH = 1 + 8 + 4 + 4 + 1 + 3;
/** Clock skew and round trip allowed between the age the client reports and our own (ms). */
const AGE_TOLERANCE = 60_000;

/** Server: `count` tickets for `session` (which must carry its resumption secret), nonces from `firstNonce`. */
export function issueTickets(ctx: SslContext, session: Session, count: number, firstNonce: number): TicketToSend[] {
  const rms = session.resumptionSecret;
  if (!rms || count <= 0) return [];
  const stateful = ctx.statefulTickets;
  // A stateful ticket is only as good as the cache behind it.
  if (stateful && !(ctx.getSessionCacheMode() & SSL_SESS_CACHE_SERVER)) return [];
  const lifetime = Math.min(session.timeout, MAX_TICKET_LIFETIME);
  if (lifetime === 0) return [];
  const now = ctx.clock();
  // Every ticket of one call seals the same session state (the issued count moves only after the
  // call), so the session is encoded, and its integrity digest computed, once for all of them.
  // Each ticket still gets its own nonce, age_add and sealing nonce.
  const sessionBytes = stateful ? null : sessionToBytes(session, ctx.provider);
  const ageAdds = ctx.provider.randomBytes(4 * count);
  const out: TicketToSend[] = [];
  for (let i = 0; i < count; i++) {
    const nonce = nonceBytes(firstNonce + i);
    const r = 4 * i;
    const ageAdd = ((ageAdds[r]! << 24) | (ageAdds[r + 1]! << 16) | (ageAdds[r + 2]! << 8) | ageAdds[r + 3]!) >>> 0;
    let ticket: Uint8Array;
    if (sessionBytes === null) {
      ticket = new Uint8Array(SESSION_ID_LENGTH + nonce.length);
      ticket.set(session.id);
      ticket.set(nonce, SESSION_ID_LENGTH);
    } else {
      const w = new Writer(TICKET_HEADER_LENGTH + nonce.length + sessionBytes.length).u8(TICKET_FORMAT);
      w.u32(Math.floor(now / 0x1_0000_0000)).u32(now % 0x1_0000_0000);
      w.u32(lifetime).u32(ageAdd).bytes8(nonce).bytes24(sessionBytes);
      // A view, not a copy: sealing reads the plaintext once into the sealed ticket.
      ticket = ctx.ticketKeys.seal(w.view());
    }
    out.push({ lifetime, ageAdd, nonce, ticket });
  }
  return out;
}

/**
 * Server: the PSK for an offered identity, or null (unknown, foreign, altered, expired, of another
 * server name, or from a session that may no longer be resumed). Never throws for bad input.
 */
export function lookupPsk(ctx: SslContext, query: PskQuery): ResumablePsk | null {
  return lookupStateless(ctx, query) ?? lookupStateful(ctx, query);
}

function lookupStateless(ctx: SslContext, query: PskQuery): ResumablePsk | null {
  const opened = ctx.ticketKeys.open(query.identity);
  if (!opened) return null;
  try {
    const r = new Reader(opened.plaintext);
    if (r.u8() !== TICKET_FORMAT) return null;
    const issuedAt = r.u32() * 0x1_0000_0000 + r.u32();
    const lifetime = r.u32();
    const ageAdd = r.u32();
    const nonce = r.vec8();
    const session = sessionFromBytes(r.vec24(), ctx.provider);
    r.expectEnd();
    const age = ctx.clock() - issuedAt;
    if (age < -AGE_TOLERANCE || age >= lifetime * 1000) return null;
    // The age the client reports cannot be much more than our own (RFC 8446 4.2.11.1, 8.3).
    if (clientTicketAge(query.obfuscatedTicketAge, ageAdd) > Math.max(age, 0) + AGE_TOLERANCE) return null;
    return resumable(ctx, session, nonce, query);
  } catch {
    return null;
  }
}

function lookupStateful(ctx: SslContext, query: PskQuery): ResumablePsk | null {
  const id = query.identity;
  if (id.length <= SESSION_ID_LENGTH || id.length > SESSION_ID_LENGTH + 8) return null;
  const mode = ctx.getSessionCacheMode();
  const session = ctx.sessionCache.lookup(id.subarray(0, SESSION_ID_LENGTH), !(mode & SSL_SESS_CACHE_NO_INTERNAL_LOOKUP), !(mode & SSL_SESS_CACHE_NO_INTERNAL_STORE));
  if (!session || session.isExpired(ctx.clock())) return null;
  return resumable(ctx, session, id.subarray(SESSION_ID_LENGTH), query);
}

function resumable(ctx: SslContext, session: Session, nonce: Uint8Array, query: PskQuery): ResumablePsk | null {
  // (A sealed session was written while its first ticket was being made, so its ticket count
  // may read 0: what matters is that it was never marked not resumable.)
  if (session.side !== 'server' || session.version !== 'TLSv1.3' || !session.resumptionSecret || session.markedNotResumable) return null;
  // RFC 8446 4.6.1: a session is resumed only for the server name it was made for.
  if (session.serverName !== query.serverName) return null;
  const suite = session.suite;
  const psk = hkdfExpandLabel(ctx.provider, suite.hash, session.resumptionSecret, 'resumption', nonce, ctx.provider.hashLength(suite.hash));
  return { psk, suite, peerCertificates: session.peerCertificates.slice(), state: session };
}

/**
 * Client: what to offer from `session` on a connection with `cfg`, or null. The session must be a
 * resumable TLS 1.3 client session for the same server name, with a live ticket whose hash one of
 * the configured suites uses.
 */
export function resumptionOffer(session: Session | null, cfg: EngineConfig): ResumptionOffer | null {
  if (!session || session.side !== 'client' || session.version !== 'TLSv1.3') return null;
  if ((cfg.maxVersion ?? 'TLSv1.3') !== 'TLSv1.3') return null;
  if (session.serverName !== (cfg.serverName ?? null)) return null;
  const hashes = new Set<string>();
  for (const id of cfg.cipherSuites) {
    const s = suiteInfo(id);
    if (s?.version === 'TLSv1.3') hashes.add(s.hash);
  }
  const ticket = session.pickTicket(cfg.now(), hashes);
  return ticket ? { ticket, peerCertificates: session.peerCertificates.slice() } : null;
}

/** A ticket nonce: the counter in as few bytes as it needs (RFC 8446 4.6.1 nonces are per connection). */
function nonceBytes(n: number): Uint8Array {
  const out: number[] = [];
  do {
    out.unshift(n & 0xff);
    n = Math.floor(n / 256);
  } while (n > 0);
  return Uint8Array.from(out);
}
