import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suiteInfo } from '../../src/crypto/suites.js';
import { StoredTicket, TICKET_RECORD_HEADER, appendTicketRecord, storedTickets } from '../../src/engine/tls13/stored-ticket.js';

test('StoredTicket copies ticket and PSK into one buffer and hands out views of it', () => {
  const record = new Uint8Array(64).fill(7);
  const ticket = record.subarray(10, 40);
  const psk = new Uint8Array(32).fill(5);
  const t = StoredTicket.copy({ lifetime: 7200, ageAdd: 0xfedcba98, ticket, maxEarlyData: 0, psk, suite: suiteInfo(0x1301)!, receivedAt: 1_700_000_000_000, alpn: 'h2', serverName: 'localhost' });
  record.fill(0);
  psk.fill(0);
  assert.deepEqual(t.ticket, new Uint8Array(30).fill(7), 'a copy, not a view of the record');
  assert.deepEqual(t.psk, new Uint8Array(32).fill(5));
  assert.equal(t.ticket.buffer, t.psk.buffer);
  assert.notEqual(t.ticket.buffer, record.buffer);
  assert.equal(t.ageAdd, 0xfedcba98);
  assert.equal(t.lifetime, 7200);
  assert.equal(t.alpn, 'h2');
  assert.equal(t.serverName, 'localhost');
  assert.equal(t.suite.id, 0x1301);
});

test('StoredTicket keeps its numbers in the buffer: the largest u32 values, a fractional time, an empty PSK and a one-byte ticket read back as given', () => {
  for (const [lifetime, ageAdd, maxEarlyData, receivedAt, ticketLength, pskLength] of [
    [0, 0, 0, 0, 1, 0],
    [604800, 0xffffffff, 0xffffffff, 1_700_000_000_123.5, 65535, 48],
  ] as const) {
    const ticket = new Uint8Array(ticketLength).fill(3);
    const psk = new Uint8Array(pskLength).fill(9);
    const t = StoredTicket.copy({ lifetime, ageAdd, ticket, maxEarlyData, psk, suite: suiteInfo(0x1302)!, receivedAt, alpn: null, serverName: null });
    assert.deepEqual([t.lifetime, t.ageAdd, t.maxEarlyData, t.receivedAt], [lifetime, ageAdd, maxEarlyData, receivedAt]);
    assert.deepEqual(t.ticket, ticket);
    assert.deepEqual(t.psk, psk);
    assert.deepEqual(Object.keys(t).sort(), ['alpn', 'bytes', 'offset', 'serverName', 'suite'], 'five fields; the rest lives in the buffer');
  }
});

test('ticket records: appended one after another (copies), the oldest dropped beyond the limit, read back as objects over one copy of them', () => {
  const suite = suiteInfo(0x1301)!;
  const record = (n: number) => {
    const received = new Uint8Array(40).fill(n);
    return { lifetime: 100 * n, ageAdd: 0xfffffff0 + n, ticket: received.subarray(5, 5 + n), maxEarlyData: n, psk: new Uint8Array(32).fill(0x80 + n), receivedAt: 1_700_000_000_000 + n + 0.5 };
  };
  let records: Uint8Array = new Uint8Array(0);
  for (let n = 1; n <= 4; n++) records = appendTicketRecord(records, record(n), 3);
  assert.equal(records.length, 3 * (TICKET_RECORD_HEADER + 32) + 2 + 3 + 4, 'the newest three, nothing else');
  // The records may be a view into a larger buffer (a connection keeps them after its values).
  const host = new Uint8Array(7 + records.length).fill(0xee);
  host.set(records, 7);
  const tickets = storedTickets(host.subarray(7), suite, 'h2', 'example.com');
  host.fill(0);
  assert.deepEqual(tickets.map((t) => t.ticket), [2, 3, 4].map((n) => new Uint8Array(n).fill(n)));
  const own = tickets[0]!.ticket.buffer;
  assert.notEqual(own, host.buffer, 'the tickets keep a copy, not the buffer they were read from');
  assert.equal(own.byteLength, records.length);
  for (const [i, t] of tickets.entries()) {
    const n = i + 2;
    assert.deepEqual([t.lifetime, t.ageAdd, t.maxEarlyData, t.receivedAt], [100 * n, 0xfffffff0 + n, n, 1_700_000_000_000 + n + 0.5]);
    assert.deepEqual(t.psk, new Uint8Array(32).fill(0x80 + n));
    assert.equal(t.ticket.buffer, own, 'one copy for all of them');
    assert.equal(t.suite, suite);
    assert.equal(t.alpn, 'h2');
    assert.equal(t.serverName, 'example.com');
  }
  // A limit of one keeps only the newest.
  const one = appendTicketRecord(appendTicketRecord(new Uint8Array(0), record(1), 1), record(2), 1);
  assert.deepEqual(storedTickets(one, suite, null, null).map((t) => t.ticket), [new Uint8Array(2).fill(2)]);
});
