import type { EngineConfig } from '../engine/config.js';
import type { Connection } from '../engine/connection.js';
import { SSL_SESS_CACHE_CLIENT, SSL_SESS_CACHE_NO_INTERNAL_STORE, SSL_SESS_CACHE_SERVER } from './constants.js';
import type { SslContext } from './context.js';
import { Session } from './session.js';
import { issueTickets, lookupPsk, resumptionOffer } from './tls13-tickets.js';
import { issueTicket12, lookupSession12, resumption12Offer } from './tls12-resumption.js';

// SessionKeeper.state bits.
/** `session` was made by this connection (rather than given with `set()`). */
const OWN = 1;
/** The current session has been evicted already (callbacks fire once). */
const EVICTED = 2;
/** The current session went to the cache (and the new-session callback) already. */
const ADDED = 4;

/**
 * The session side of one `Ssl`: offers the session given to `set()` (client), issues and redeems
 * tickets (server), makes the `Session` when the handshake completes, notices the TLS 1.3 tickets
 * that arrive later, puts resumable sessions in the context's cache, and applies OpenSSL's
 * keep-or-evict rules (S-46 to S-49, D-5):
 *
 * - a fatal alert sent or received evicts the session at once (RFC 5246 7.2.2, S-48);
 * - `free()`/`clear()` of an established connection whose `SENT_SHUTDOWN` flag is clear evicts it
 *   (OpenSSL's `ssl_clear_bad_session`), unless the context has SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE;
 * - a clean close keeps it.
 *
 * Kept apart from `Ssl` so the I/O state machine there stays readable.
 */
export class SessionKeeper {
  /** The connection's session, or the one set with `set()` before the handshake. */
  private session: Session | null = null;
  /** OWN, EVICTED and ADDED, one bit each (one field instead of three per connection). */
  private state = 0;
  /** Tickets issued by the server side of the current connection (counted as the engine asks for them). */
  private issued = 0;
  /** The engine connection the session is made from. */
  private conn: Connection | null = null;
  /** The session offered to the server on this connection (client), whatever its version. */
  private offered: Session | null = null;
  /**
   * Client whose context caches no client sessions: when the handshake completed (the context's
   * clock), the creation time of the session made later, on first use (see `defers`).
   */
  private completedAt: number | null = null;

  /**
   * The connection's certificate verification result (X509_V_OK, 0, when none was verified),
   * recorded in the sessions it makes. Set by the Ssl for each connection (reset when it makes one,
   * then when its verification ends): a field, not a callback, so no closure is kept per connection.
   */
  verifyResult = 0;

  /** @param ctx the context whose cache and ticket keys the sessions use */
  constructor(private readonly ctx: SslContext) {}

  /** SSL_get_session: the connection's session (after the handshake) or the one set to offer. */
  get(): Session | null {
    this.materialize();
    return this.session;
  }

  /**
   * SSL_set_session: the session a client offers on its next handshake. If the server does not
   * resume it, the handshake is a full one and `get()` then returns the new connection's session.
   */
  set(session: Session | null): void {
    this.session = session;
    this.state &= ~(OWN | EVICTED);
  }

  /**
   * Adds the session pieces to a new connection's engine settings: the client's offer; the
   * server's ticket issuer (built in unless the context was given its own) and PSK lookup.
   */
  instrument(cfg: EngineConfig, role: 'client' | 'server'): EngineConfig {
    // TLS 1.2 tickets (RFC 5077) unless SSL_OP_NO_TICKET, as OpenSSL.
    const tickets12 = !this.ctx.statefulTickets;
    if (role === 'client') {
      if (tickets12) cfg.sessionTickets12 = true;
      const offer = (this.state & OWN) !== 0 ? null : resumptionOffer(this.session, cfg);
      if (offer) cfg.resumption = offer;
      const offer12 = (this.state & OWN) !== 0 ? null : resumption12Offer(this.session, cfg);
      if (offer12) cfg.resumption12 = offer12;
      this.offered = offer || offer12 ? this.session : null;
    } else {
      // Each closure is made first and then stored, never as `cfg.x = () => ...`: V8 puts a
      // function literal assigned straight to a property in the old generation, where it keeps
      // the connection alive through every young-generation GC (test/ssl/young-closures.test.ts).
      const psk: EngineConfig['lookupPsk'] = (query) => lookupPsk(this.ctx, query);
      cfg.lookupPsk = psk;
      if (this.ctx.allowPskKe) cfg.allowPskKe = true;
      const session12: EngineConfig['lookupSession12'] = (query) => lookupSession12(this.ctx, query);
      cfg.lookupSession12 = session12;
      // Without a server cache a session ID could not be found again (OpenSSL sends none then).
      if (!(this.ctx.getSessionCacheMode() & SSL_SESS_CACHE_SERVER)) cfg.omitSessionId12 = true;
      if (tickets12) {
        const ticket12: EngineConfig['issueTicket12'] = () => {
          const s = this.conn ? this.ensureSession(this.conn) : null;
          return s ? issueTicket12(this.ctx, s) : null;
        };
        cfg.issueTicket12 = ticket12;
      }
    }
    const inner =
      cfg.issueTickets ??
      (role === 'server'
        ? () => {
            const s = this.conn ? this.ensureSession(this.conn) : null;
            // As OpenSSL: at most one ticket after a resumption (the client holds tickets
            // already; one replaces the one it used), numTickets after a full handshake.
            const count = this.reused() ? Math.min(1, this.ctx.getNumTickets()) : this.ctx.getNumTickets();
            return s ? issueTickets(this.ctx, s, count, this.issued) : [];
          }
        : undefined);
    if (inner) {
      const counted: EngineConfig['issueTickets'] = (secret) => {
        const tickets = inner(secret);
        this.issued += tickets.length;
        if ((this.state & OWN) !== 0 && this.session) this.session.ticketsIssued = this.issued;
        return tickets;
      };
      cfg.issueTickets = counted;
    }
    return cfg;
  }

  /** The connection the session will be made from (set right after it is created). */
  attach(conn: Connection): void {
    this.conn = conn;
  }

  /** Whether the connection's handshake resumed a session (SSL_session_reused). */
  reused(): boolean {
    return this.conn?.negotiated.resumed === true;
  }

  /** The session the handshake resumed (null after a full handshake). */
  resumedSession(): Session | null {
    if (!this.reused()) return null;
    const from = this.conn?.resumedFrom;
    return from instanceof Session ? from : this.offered;
  }

  /**
   * Called after each record the engine processed: makes the session once the handshake is
   * complete, and caches it as soon as it is resumable (a server that issued a ticket; a client
   * that received one, which may only happen during the second `shutdown()` stage, S-20).
   */
  observe(conn: Connection): void {
    if (!conn.handshakeComplete) return;
    if ((this.state & OWN) === 0 && this.defers(conn)) {
      this.completedAt ??= conn.config.now();
      return;
    }
    const s = this.ensureSession(conn);
    // Tickets that arrived since: the engine made a new list (a TLS 1.3 client's only).
    if (conn.tickets.length > 0 && s.tickets !== conn.tickets && s.side === 'client') s.receivedTickets(conn.tickets);
    if ((this.state & (EVICTED | ADDED)) !== 0 || !s.isResumable()) return;
    const mode = this.ctx.getSessionCacheMode();
    const wanted = s.side === 'client' ? mode & SSL_SESS_CACHE_CLIENT : mode & SSL_SESS_CACHE_SERVER;
    if (wanted) this.ctx.sessionCache.add(s, !(mode & SSL_SESS_CACHE_NO_INTERNAL_STORE) && this.needsInternalStore(s));
    this.state |= ADDED;
  }

  /**
   * Whether the connection's session is made only when something asks for it (get(), clear(), an
   * eviction) rather than when the handshake completes: a client whose context caches no client
   * sessions (OpenSSL's default mode) never hands it to the cache, and an idle connection would
   * otherwise keep it for nobody (the Session and its buffer, about 280 bytes of JS heap).
   */
  private defers(conn: Connection): boolean {
    return conn.role === 'client' && (this.ctx.getSessionCacheMode() & SSL_SESS_CACHE_CLIENT) === 0;
  }

  /** Makes the connection's session if its making was deferred (see `defers`). */
  private materialize(): void {
    const conn = this.conn;
    if ((this.state & OWN) === 0 && conn !== null && conn.handshakeComplete) this.ensureSession(conn);
  }

  /**
   * As OpenSSL's ssl_update_cache: a TLS 1.3 server that seals the whole session into its tickets
   * never looks it up again, so it keeps it out of the internal cache (no memory for thousands of
   * sessions nobody asks for), unless an application watches removals (a remove callback), issues
   * its own tickets, or the tickets are stateful (SSL_OP_NO_TICKET). The new-session callback is
   * called either way.
   */
  private needsInternalStore(s: Session): boolean {
    if (s.side !== 'server' || s.version !== 'TLSv1.3') return true;
    return !this.ctx.sealsSessionsInTickets || this.ctx.sessionCache.onRemoveSession !== null;
  }

  /** The connection's own session, made on first use after the handshake completed. */
  private ensureSession(conn: Connection): Session {
    if ((this.state & OWN) === 0) {
      const n = conn.negotiated;
      // TLS 1.2: the session's ID is the one the server chose (the cache key OpenSSL uses); an
      // empty one leaves nothing to resume by ID. TLS 1.3: a random cache key.
      const t12 = n.version === 'TLSv1.2' ? conn.tls12 : null;
      // A resumed TLS 1.2 session stays the connection's session (as OpenSSL's SSL->session), so
      // evicting it after an unclean close takes it out of the cache; a client that received a
      // renewed ticket gets a new session holding it.
      const resumed12 = t12 && n.resumed && conn.resumedFrom instanceof Session ? conn.resumedFrom : null;
      if (resumed12 && !(conn.role === 'client' && conn.ticket12)) {
        this.session = resumed12;
        this.state = OWN | ADDED;
        return resumed12;
      }
      const serverId = t12 && t12.sessionId.length > 0 && !resumed12 ? t12.sessionId : null;
      // The session copies what it keeps into one buffer of its own (after the handshake the
      // connection's secret is a view of the buffer it keeps its traffic secrets in).
      const resumptionSecret = conn.role === 'server' && !t12 ? conn.resumptionSecret : null;
      const id = serverId ?? conn.config.provider.randomBytes(32);
      this.session = new Session({
        side: conn.role,
        id,
        hasServerSessionId: serverId !== null,
        version: n.version ?? 'TLSv1.3',
        suite: n.suite!,
        alpn: n.alpn,
        serverName: conn.role === 'client' ? conn.requestedServerName : n.serverName,
        // After resumption the engine carries the original session's peer certificates over.
        peerCertificates: n.peerCertificates,
        tickets: conn.tickets,
        createdAt: this.completedAt ?? conn.config.now(),
        timeout: this.ctx.sessionCache.timeout,
        resumptionSecret,
        masterSecret: t12 ? t12.masterSecret : null,
        extendedMasterSecret: t12?.extendedMasterSecret ?? false,
        ticket12: conn.role === 'client' ? (conn.ticket12?.ticket ?? null) : null,
        ticketLifetimeHint: conn.ticket12?.lifetimeHint ?? 0,
        // A resumed connection verified nothing: it carries the original verification over.
        verifyResult: this.resumedSession()?.verifyResult ?? this.verifyResult,
      });
      this.session.ticketsIssued = this.issued;
      this.state = OWN;
    }
    return this.session!;
  }

  /** A fatal alert was sent or received: the session must never be resumed (S-48). */
  fatalAlert(): void {
    this.evict();
  }

  /**
   * `free()` / `clear()`: evicts the session of an established connection that was not closed
   * with SENT_SHUTDOWN set (S-46, S-47), unless the context opted out (S-52). Returns whether it
   * evicted.
   */
  teardown(established: boolean, sentShutdown: boolean): boolean {
    if (!established || sentShutdown || this.ctx.noEvictOnUncleanClose) return false;
    return this.evict();
  }

  /**
   * `clear()`: forgets the per-connection counters. The session stays, so a client can offer it
   * on its next connect (S-49), unless `dropSession` (it was just evicted).
   */
  reset(dropSession: boolean): void {
    if (dropSession) this.session = null;
    else this.materialize();
    this.state &= ~(OWN | EVICTED);
    this.issued = 0;
    this.conn = null;
    this.offered = null;
    this.completedAt = null;
  }

  /** Evicts the connection's own session (made now if it was deferred: it must not stay resumable). */
  private evict(): boolean {
    this.materialize();
    if ((this.state & OWN) === 0 || !this.session || (this.state & EVICTED) !== 0) return false;
    this.state |= EVICTED;
    this.ctx.sessionCache.remove(this.session);
    return true;
  }
}
