import type { SuiteInfo } from '../crypto/suites.js';
import type { ReceivedTicket } from '../engine/connection.js';

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
   * Client: the TLS 1.3 tickets of the connection. This is the engine's own list (not a copy), so
   * tickets that arrive after the handshake (for example while `shutdown()` waits) show up here.
   */
  tickets: readonly ReceivedTicket[];
  /** Milliseconds since the epoch (the context's clock). */
  createdAt: number;
  /** Lifetime in seconds (OpenSSL SSL_SESSION_get_timeout). */
  timeout: number;
  /**
   * TLS 1.2: whether the server gave the session a non-empty session ID (then `id` is that ID), which
   * makes it resumable by ID as in OpenSSL (`session_id_length > 0`).
   */
  hasServerSessionId?: boolean;
}

/**
 * The resumable state of one connection (OpenSSL `SSL_SESSION`): the negotiated parameters, the
 * peer's certificates and, for a TLS 1.3 client, the server's tickets.
 *
 * Resumption itself (offering a ticket and accepting a PSK) lands with the sessions issue; until
 * then a `Session` is what OpenSSL-style code inspects and caches: `isResumable()` follows
 * OpenSSL's rules, including "an unclean close or a fatal alert makes the session not resumable"
 * (S-46 to S-48).
 */
export class Session {
  /** `client` or `server`. */
  readonly side: 'client' | 'server';
  /** Cache key (OpenSSL: session ID). */
  readonly id: Uint8Array;
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
  /** TLS 1.3 tickets received (client side; empty on the server). */
  readonly tickets: readonly ReceivedTicket[];
  /** Creation time, milliseconds since the epoch. */
  readonly createdAt: number;
  /** Lifetime in seconds. */
  timeout: number;
  /** Server: how many tickets were issued for this session. */
  ticketsIssued = 0;
  /** TLS 1.2: the server gave this session a session ID (`id` is that ID). */
  readonly hasServerSessionId: boolean;
  private resumableFlag = true;

  constructor(init: SessionInit) {
    this.side = init.side;
    this.id = init.id;
    this.version = init.version;
    this.suite = init.suite;
    this.alpn = init.alpn;
    this.serverName = init.serverName;
    this.peerCertificates = init.peerCertificates;
    this.tickets = init.tickets;
    this.createdAt = init.createdAt;
    this.timeout = init.timeout;
    this.hasServerSessionId = init.hasServerSessionId === true;
  }

  /** The cache key as hex. */
  get idHex(): string {
    let s = '';
    for (const b of this.id) s += b.toString(16).padStart(2, '0');
    return s;
  }

  /**
   * SSL_SESSION_is_resumable: not marked unresumable, and there is something to resume with. A
   * TLS 1.3 client needs at least one ticket (S-20: a client that never reads the server's
   * NewSessionTicket has nothing to resume); a server needs to have issued one.
   */
  isResumable(): boolean {
    if (!this.resumableFlag) return false;
    // TLS 1.2: resumable by the server's session ID, as OpenSSL (session_id_length > 0).
    if (this.version === 'TLSv1.2') return this.hasServerSessionId;
    return this.side === 'client' ? this.tickets.length > 0 : this.ticketsIssued > 0;
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
}
