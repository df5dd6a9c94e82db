import type { SuiteInfo } from '../../crypto/suites.js';
import type { ReceivedTicket } from '../connection.js';

/**
 * A stored ticket's record in a buffer: lifetime, age_add, max_early_data, the ticket's length,
 * the PSK's length (u32 each), 4 bytes unused, received at (f64); then the ticket, then the PSK.
 */
const LIFETIME = 0;
const AGE_ADD = 4;
const MAX_EARLY_DATA = 8;
const TICKET_LENGTH = 12;
const PSK_LENGTH = 16;
const RECEIVED_AT = 24;
/** Bytes before a record's ticket. */
export const TICKET_RECORD_HEADER = 32;

/** What a ticket's record holds: all of a ReceivedTicket but what every ticket of a connection shares. */
export type TicketRecord = Omit<ReceivedTicket, 'suite' | 'alpn' | 'serverName'>;

function recordLength(t: TicketRecord): number {
  return TICKET_RECORD_HEADER + t.ticket.length + t.psk.length;
}

/** Writes `t` as a record at `offset` of `out`; returns the offset after it. */
function writeRecord(out: Uint8Array, offset: number, t: TicketRecord): number {
  const header = new DataView(out.buffer, out.byteOffset + offset, TICKET_RECORD_HEADER);
  header.setUint32(LIFETIME, t.lifetime);
  header.setUint32(AGE_ADD, t.ageAdd);
  header.setUint32(MAX_EARLY_DATA, t.maxEarlyData);
  header.setUint32(TICKET_LENGTH, t.ticket.length);
  header.setUint32(PSK_LENGTH, t.psk.length);
  header.setFloat64(RECEIVED_AT, t.receivedAt);
  out.set(t.ticket, offset + TICKET_RECORD_HEADER);
  out.set(t.psk, offset + TICKET_RECORD_HEADER + t.ticket.length);
  return offset + recordLength(t);
}

/** The length of the record at `offset` of `bytes`. */
function recordAt(bytes: Uint8Array, offset: number): number {
  const header = new DataView(bytes.buffer, bytes.byteOffset + offset, TICKET_RECORD_HEADER);
  return TICKET_RECORD_HEADER + header.getUint32(TICKET_LENGTH) + header.getUint32(PSK_LENGTH);
}

/**
 * Tickets a client received and nobody has asked for yet, kept as records one after another:
 * `records` (empty for none) with `t` appended, dropping the oldest while more than `max` would
 * remain, in a new array. The ticket and PSK are copied (the decoded ticket is a view of the whole
 * received record).
 */
export function appendTicketRecord(records: Uint8Array, t: TicketRecord, max: number): Uint8Array {
  const offsets: number[] = [];
  const end = records.length;
  for (let at = 0; at < end; at += recordAt(records, at)) offsets.push(at);
  // Keep the newest max - 1 of them (all of them go when max is 1).
  const from = offsets.length >= max ? (offsets[offsets.length - max + 1] ?? end) : 0;
  const out = new Uint8Array(end - from + recordLength(t));
  out.set(records.subarray(from));
  writeRecord(out, end - from, t);
  return out;
}

/**
 * The tickets whose records `records` holds, oldest first, as objects over one copy of them (so
 * they keep nothing else of the buffer `records` may be a view of).
 */
export function storedTickets(records: Uint8Array, suite: SuiteInfo, alpn: string | null, serverName: string | null): StoredTicket[] {
  const own = records.slice();
  const out: StoredTicket[] = [];
  for (let at = 0; at < own.length; at += recordAt(own, at)) out.push(new StoredTicket(own.buffer, at, suite, alpn, serverName));
  return out;
}

/**
 * A TLS 1.3 ticket as a client keeps it: its numbers, the ticket and its PSK in a record of an
 * ArrayBuffer held without a view (its own, or the one its connection kept its tickets in until
 * they were asked for), read through getters that make the views (when the ticket is offered or
 * saved). A client keeps a couple of tickets per connection, and its sessions keep them for as
 * long as they are cached: each field of an object costs 8 bytes of JS heap, a time in
 * milliseconds a 16-byte number of its own, a Uint8Array about 96 bytes, more than the PSK itself;
 * in the buffer they cost nothing on the heap.
 */
export class StoredTicket implements ReceivedTicket {
  /** A ticket in a buffer of its own, from a received ticket's fields (its ticket and PSK are copied). */
  static copy(init: ReceivedTicket): StoredTicket {
    const bytes = new Uint8Array(recordLength(init));
    writeRecord(bytes, 0, init);
    return new StoredTicket(bytes.buffer, 0, init.suite, init.alpn, init.serverName);
  }

  /** The ticket whose record starts at `offset` of `bytes` (see appendTicketRecord). */
  constructor(
    private readonly bytes: ArrayBuffer,
    private readonly offset: number,
    readonly suite: SuiteInfo,
    readonly alpn: string | null,
    readonly serverName: string | null,
  ) {}

  private header(): DataView {
    return new DataView(this.bytes, this.offset, TICKET_RECORD_HEADER);
  }

  /** ticket_lifetime in seconds, as the server sent it. */
  get lifetime(): number {
    return this.header().getUint32(LIFETIME);
  }

  /** ticket_age_add. */
  get ageAdd(): number {
    return this.header().getUint32(AGE_ADD);
  }

  /** max_early_data_size from the early_data extension (0 without one). */
  get maxEarlyData(): number {
    return this.header().getUint32(MAX_EARLY_DATA);
  }

  /** When the ticket was received, milliseconds since the epoch (the context's clock). */
  get receivedAt(): number {
    return this.header().getFloat64(RECEIVED_AT);
  }

  /** The opaque ticket (the PSK identity); a new view at each read. */
  get ticket(): Uint8Array {
    return new Uint8Array(this.bytes, this.offset + TICKET_RECORD_HEADER, this.header().getUint32(TICKET_LENGTH));
  }

  /** The ticket's PSK (RFC 8446 4.6.1); a new view at each read. */
  get psk(): Uint8Array {
    const h = this.header();
    return new Uint8Array(this.bytes, this.offset + TICKET_RECORD_HEADER + h.getUint32(TICKET_LENGTH), h.getUint32(PSK_LENGTH));
  }
}
