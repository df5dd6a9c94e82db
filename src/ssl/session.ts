import type { SuiteInfo } from '../crypto/suites.js';
import { toHex } from '../engine/bytes.js';
import type { ReceivedTicket } from '../engine/connection.js';
import { MAX_TICKET_LIFETIME } from '../wire/messages.js';

/** What a `Session` is made from (see `Session.fromConnection` in the Ssl's session keeper). */
export interface SessionInit {
  /** Which side of the connection this session belongs to. */
  side: 'client' | 'server';
  /** Cache key (OpenSSL: the session ID). Random per session; opaque to callers. */
  id: Uint8Array;
  version: 'TLSv1.3' | 'TLSv1.2';
  suite: SuiteInfo;
  alpn: string | null;
  serverName: string | null;
  /** The peer's certificate chain as sent (leaf first, DER). */
  peerCertificates: Uint8Array[];
  /**
   * Client: the TLS 1.3 tickets of the connection, the engine's own list (not a copy). Tickets that
   * arrive later (for example while `shutdown()` waits) replace it (see Session.receivedTickets).
   */
  tickets: readonly ReceivedTicket[];
  /** Milliseconds since the epoch (the context's clock). */
  createdAt: number;
  /** Lifetime in seconds (OpenSSL SSL_SESSION_get_timeout). */
  timeout: number;
  /** Server, TLS 1.3: the resumption_master_secret its tickets' PSKs are derived from. */
  resumptionSecret?: Uint8Array | null;
  /**
   * TLS 1.2: whether the server gave the session a non-empty session ID (then `id` is that ID), which
   * makes it resumable by ID as in OpenSSL (`session_id_length > 0`).
   */
  hasServerSessionId?: boolean;
  /** TLS 1.2: the master secret. */
  masterSecret?: Uint8Array | null;
  /** TLS 1.2: whether the master secret is an extended one (RFC 7627). */
  extendedMasterSecret?: boolean;
  /** TLS 1.2 client: the server's RFC 5077 ticket, if one was issued. */
  ticket12?: Uint8Array | null;
  /** TLS 1.2 client: the ticket's lifetime hint in seconds. */
  ticketLifetimeHint?: number;
  /**
   * The result of verifying the peer's certificate (X509_V_OK or an X509_V_ERR_* code, as
   * SSL_get_verify_result), which a connection resuming the session reports again.
   */
  verifyResult?: number;
}

/**
 * The resumable state of one connection (OpenSSL `SSL_SESSION`): the negotiated parameters, the
 * peer's certificates, and what resuming it takes: for a TLS 1.3 client the server's tickets (each
 * with its PSK), for a TLS 1.3 server the resumption master secret its tickets derive from, for
 * TLS 1.2 the master secret (and the client's RFC 5077 ticket).
 *
 * `toBytes()` / `Session.fromBytes()` (see session-codec.ts) let an application keep sessions in
 * its own store. The bytes hold secrets: store them like keys.
 *
 * `isResumable()` follows OpenSSL's rules, including "an unclean close or a fatal alert makes the
 * session not resumable" (S-46 to S-48).
 */
export class Session {
  /** `client` or `server`. */
  readonly side: 'client' | 'server';
  /** Negotiated protocol version. */
  readonly version: 'TLSv1.3' | 'TLSv1.2';
  /** Negotiated cipher suite. */
  readonly suite: SuiteInfo;
  /** Negotiated ALPN protocol, if any. */
  readonly alpn: string | null;
  /** Server name (SNI) of the connection, if any. */
  readonly serverName: string | null;
  /** Peer certificate chain (leaf first, DER). */
  readonly peerCertificates: readonly Uint8Array[];
  private ticketList: readonly ReceivedTicket[];
  /** Creation time, milliseconds since the epoch. */
  readonly createdAt: number;
  /** Lifetime in seconds. */
  timeout: number;
  /** Server: how many tickets were issued for this session. */
  ticketsIssued = 0;
  /** TLS 1.2: the server gave this session a session ID (`id` is that ID). */
  readonly hasServerSessionId: boolean;
  /** TLS 1.2: extended master secret (RFC 7627) was used. */
  readonly extendedMasterSecret: boolean;
  /** TLS 1.2 client: RFC 5077 ticket from the server. */
  readonly ticket12: Uint8Array | null;
  /** TLS 1.2 client: lifetime hint of `ticket12`, seconds. */
  readonly ticketLifetimeHint: number;
  /** The peer certificate's verification result (SSL_SESSION_get_verify_result); resumed connections report it. */
  readonly verifyResult: number;
  private resumableFlag = true;
  /**
   * The ID, the resumption secret and the master secret, one after the other, in one buffer kept
   * without a view: a Uint8Array costs about 96 bytes of JS heap however short, and a TLS 1.3
   * server makes a session per connection and keeps it as long as the connection. The getters
   * below make the views when asked.
   */
  private readonly material: ArrayBuffer;
  private readonly idLength: number;
  /** Length of the resumption secret in `material`, -1 when there is none (as for the master secret). */
  private readonly resumptionSecretLength: number;
  private readonly masterSecretLength: number;
  /**
   * Tickets already offered by a client (each is offered once while unused ones remain, RFC 8446
   * C.4); made on the first offer, so the sessions a server holds do not each carry an empty set.
   */
  private offered: Set<ReceivedTicket> | null = null;

  constructor(init: SessionInit) {
    this.side = init.side;
    const rms = init.resumptionSecret ?? null;
    const ms = init.masterSecret ?? null;
    this.idLength = init.id.length;
    this.resumptionSecretLength = rms ? rms.length : -1;
    this.masterSecretLength = ms ? ms.length : -1;
    // A copy: the values given may be views of buffers the session must not pin or share.
    const material = new Uint8Array(init.id.length + (rms?.length ?? 0) + (ms?.length ?? 0));
    material.set(init.id);
    if (rms) material.set(rms, init.id.length);
    if (ms) material.set(ms, init.id.length + (rms?.length ?? 0));
    this.material = material.buffer;
    this.version = init.version;
    this.suite = init.suite;
    this.alpn = init.alpn;
    this.serverName = init.serverName;
    this.peerCertificates = init.peerCertificates;
    this.ticketList = init.tickets;
    this.createdAt = init.createdAt;
    this.timeout = init.timeout;
    this.hasServerSessionId = init.hasServerSessionId === true;
    this.extendedMasterSecret = init.extendedMasterSecret ?? false;
    this.ticket12 = init.ticket12 ?? null;
    this.ticketLifetimeHint = init.ticketLifetimeHint ?? 0;
    this.verifyResult = init.verifyResult ?? 0;
  }

  /** TLS 1.3 tickets received (client side; empty on the server). */
  get tickets(): readonly ReceivedTicket[] {
    return this.ticketList;
  }

  /**
   * The connection's ticket list, when tickets arrived after the session was made: the engine
   * makes a new list for each ticket instead of growing one (SessionKeeper.observe).
   */
  receivedTickets(list: readonly ReceivedTicket[]): void {
    this.ticketList = list;
  }

  /** Cache key (OpenSSL: session ID); a new view of the session's bytes at each read. */
  get id(): Uint8Array {
    return new Uint8Array(this.material, 0, this.idLength);
  }

  /** Server, TLS 1.3: resumption_master_secret of the connection (the tickets' PSKs derive from it); a new view at each read. */
  get resumptionSecret(): Uint8Array | null {
    return this.resumptionSecretLength < 0 ? null : new Uint8Array(this.material, this.idLength, this.resumptionSecretLength);
  }

  /** TLS 1.2: the master secret; a new view at each read. */
  get masterSecret(): Uint8Array | null {
    return this.masterSecretLength < 0 ? null : new Uint8Array(this.material, this.idLength + Math.max(this.resumptionSecretLength, 0), this.masterSecretLength);
  }

  /**
   * The cache key as hex, made on each call: not kept on the session, where every TLS 1.3 server
   * session (never stored when tickets carry it) would hold its string as long as its connection.
   */
  get idHex(): string {
    return toHex(this.id);
  }

  /**
   * SSL_SESSION_is_resumable: not marked unresumable, and there is something to resume with. A
   * TLS 1.3 client needs at least one ticket (S-20: a client that never reads the server's
   * NewSessionTicket has nothing to resume); a TLS 1.3 server needs to have issued one; TLS 1.2
   * needs the master secret (and, on the client, a session ID or a ticket).
   */
  isResumable(): boolean {
    if (!this.resumableFlag) return false;
    // TLS 1.2: resumable by the server's session ID (OpenSSL: session_id_length > 0) or a ticket.
    if (this.version === 'TLSv1.2') return this.hasServerSessionId || this.ticket12 !== null;
    return this.side === 'client' ? this.tickets.length > 0 : this.ticketsIssued > 0;
  }

  /** Whether `notResumable()` has been called (for the codec). */
  get markedNotResumable(): boolean {
    return !this.resumableFlag;
  }

  /**
   * Marks the session as never to be resumed (OpenSSL sets `not_resumable` when it removes a
   * session from the cache). Cannot be undone: RFC 5246 7.2.2 forbids resuming after a fatal alert.
   */
  notResumable(): void {
    this.resumableFlag = false;
  }

  /** Whether the session's lifetime has passed at `now` (milliseconds). */
  isExpired(now: number): boolean {
    return now >= this.createdAt + this.timeout * 1000;
  }

  /**
   * Client, TLS 1.3: the ticket to offer at `now` among those whose PSK hash is in `hashes`: the
   * newest one not yet offered, else the newest (as OpenSSL, a session may be resumed more than
   * once). Expired tickets (their own lifetime, at most seven days) are never offered. The chosen
   * ticket is remembered as offered.
   */
  pickTicket(now: number, hashes: ReadonlySet<string>): ReceivedTicket | null {
    if (!this.isResumable()) return null;
    let fresh: ReceivedTicket | null = null;
    let any: ReceivedTicket | null = null;
    for (const t of this.tickets) {
      const lifetime = Math.min(t.lifetime, MAX_TICKET_LIFETIME) * 1000;
      if (now - t.receivedAt >= lifetime || now < t.receivedAt - 60_000 || !hashes.has(t.suite.hash)) continue;
      any = t;
      if (!this.offered?.has(t)) fresh = t;
    }
    const pick = fresh ?? any;
    if (pick) (this.offered ??= new Set()).add(pick);
    return pick;
  }
}
