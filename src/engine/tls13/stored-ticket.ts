import type { SuiteInfo } from '../../crypto/suites.js';
import type { ReceivedTicket } from '../connection.js';

/** Header of a stored ticket's buffer: lifetime, age_add, max_early_data, ticket length (u32 each), received at (f64). */
const LIFETIME = 0;
const AGE_ADD = 4;
const MAX_EARLY_DATA = 8;
const TICKET_LENGTH = 12;
const RECEIVED_AT = 16;
const HEADER = 24;

/**
 * A TLS 1.3 ticket as a client keeps it: its numbers, the ticket and its PSK copied into one
 * ArrayBuffer held without a view, and read through getters that make the views (when the ticket
 * is offered or saved). A client keeps a couple of tickets per connection, and its sessions keep
 * them for as long as they are cached: each field of an object costs 8 bytes of JS heap, a time in
 * milliseconds a 16-byte number of its own, a Uint8Array about 96 bytes, more than the PSK itself;
 * in the buffer they cost nothing on the heap.
 */
export class StoredTicket implements ReceivedTicket {
  readonly suite: SuiteInfo;
  readonly alpn: string | null;
  readonly serverName: string | null;
  /** The header (see above), the ticket, then the PSK. */
  private readonly bytes: ArrayBuffer;

  /** From a received ticket's fields (its ticket and PSK are copied). */
  constructor(init: ReceivedTicket) {
    this.suite = init.suite;
    this.alpn = init.alpn;
    this.serverName = init.serverName;
    // A copy: the decoded ticket is a view of the whole received record.
    const bytes = new Uint8Array(HEADER + init.ticket.length + init.psk.length);
    const header = new DataView(bytes.buffer);
    header.setUint32(LIFETIME, init.lifetime);
    header.setUint32(AGE_ADD, init.ageAdd);
    header.setUint32(MAX_EARLY_DATA, init.maxEarlyData);
    header.setUint32(TICKET_LENGTH, init.ticket.length);
    header.setFloat64(RECEIVED_AT, init.receivedAt);
    bytes.set(init.ticket, HEADER);
    bytes.set(init.psk, HEADER + init.ticket.length);
    this.bytes = bytes.buffer;
  }

  /** ticket_lifetime in seconds, as the server sent it. */
  get lifetime(): number {
    return new DataView(this.bytes).getUint32(LIFETIME);
  }

  /** ticket_age_add. */
  get ageAdd(): number {
    return new DataView(this.bytes).getUint32(AGE_ADD);
  }

  /** max_early_data_size from the early_data extension (0 without one). */
  get maxEarlyData(): number {
    return new DataView(this.bytes).getUint32(MAX_EARLY_DATA);
  }

  /** When the ticket was received, milliseconds since the epoch (the context's clock). */
  get receivedAt(): number {
    return new DataView(this.bytes).getFloat64(RECEIVED_AT);
  }

  /** The opaque ticket (the PSK identity); a new view at each read. */
  get ticket(): Uint8Array {
    return new Uint8Array(this.bytes, HEADER, this.ticketLength);
  }

  /** The ticket's PSK (RFC 8446 4.6.1); a new view at each read. */
  get psk(): Uint8Array {
    return new Uint8Array(this.bytes, HEADER + this.ticketLength);
  }

  private get ticketLength(): number {
    return new DataView(this.bytes).getUint32(TICKET_LENGTH);
  }
}
