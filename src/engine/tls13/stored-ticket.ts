import type { SuiteInfo } from '../../crypto/suites.js';
import type { ReceivedTicket } from '../connection.js';

/**
 * A TLS 1.3 ticket as a client keeps it: the ticket and its PSK copied into one ArrayBuffer held
 * without a view, and read through getters that make the views (when the ticket is offered or
 * saved). A client keeps a couple of tickets per connection, and its sessions keep them for as
 * long as they are cached; each Uint8Array would cost about 96 bytes of JS heap, more than the
 * PSK itself.
 */
export class StoredTicket implements ReceivedTicket {
  readonly lifetime: number;
  readonly ageAdd: number;
  readonly maxEarlyData: number;
  readonly suite: SuiteInfo;
  readonly receivedAt: number;
  readonly alpn: string | null;
  readonly serverName: string | null;
  /** The ticket, then the PSK. */
  private readonly bytes: ArrayBuffer;
  private readonly ticketLength: number;

  /** From a received ticket's fields (its ticket and PSK are copied). */
  constructor(init: ReceivedTicket) {
    this.lifetime = init.lifetime;
    this.ageAdd = init.ageAdd;
    this.maxEarlyData = init.maxEarlyData;
    this.suite = init.suite;
    this.receivedAt = init.receivedAt;
    this.alpn = init.alpn;
    this.serverName = init.serverName;
    // A copy: the decoded ticket is a view of the whole received record.
    const bytes = new Uint8Array(init.ticket.length + init.psk.length);
    bytes.set(init.ticket);
    bytes.set(init.psk, init.ticket.length);
    this.bytes = bytes.buffer;
    this.ticketLength = init.ticket.length;
  }

  /** The opaque ticket (the PSK identity); a new view at each read. */
  get ticket(): Uint8Array {
    return new Uint8Array(this.bytes, 0, this.ticketLength);
  }

  /** The ticket's PSK (RFC 8446 4.6.1); a new view at each read. */
  get psk(): Uint8Array {
    return new Uint8Array(this.bytes, this.ticketLength);
  }
}
