import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deframer, MAX_CIPHERTEXT_TLS13 } from '../../src/engine/record/deframer.js';
import { AlertDescription } from '../../src/wire/enums.js';
import { Reason, TlsFailure } from '../../src/wire/errors.js';

function record(type: number, body: Uint8Array): Uint8Array {
  const r = new Uint8Array(5 + body.length);
  r.set([type, 3, 3, body.length >> 8, body.length & 0xff]);
  r.set(body, 5);
  return r;
}

const body = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff);

test('Deframer.release keeps a partial record and drops only an empty buffer', () => {
  const d = new Deframer();
  const a = record(23, body(16000, 1));
  const b = record(23, body(300, 2));
  // Header then body, as the Ssl reads (exact sizes), with releases wherever the transport runs dry.
  d.release();
  d.push(a.subarray(0, 5));
  d.release();
  assert.equal(d.buffered, 5, 'a partial record survives release()');
  d.push(a.subarray(5, 9000));
  d.release();
  assert.equal(d.next(), null);
  d.push(a.subarray(9000));
  const ra = d.next();
  assert.ok(ra);
  assert.deepEqual(ra.fragment, a.subarray(5));
  d.release();
  assert.equal(d.buffered, 0);
  // After a release the next record (and bytes split across pushes) still frame correctly.
  d.push(b.subarray(0, 2));
  d.push(b.subarray(2));
  const rb = d.next();
  assert.ok(rb);
  assert.deepEqual(rb.header, b.subarray(0, 5));
  assert.deepEqual(rb.fragment, b.subarray(5));
  assert.equal(d.next(), null);
});

test('Deframer: several records in one push, with a bogus length after a release, are handled as before', () => {
  const d = new Deframer();
  const recs = [record(22, body(10, 3)), record(23, body(17000, 4)), record(21, body(2, 5))];
  const all = new Uint8Array(recs.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of recs) {
    all.set(r, at);
    at += r.length;
  }
  d.push(all);
  for (const r of recs) assert.deepEqual(d.next()?.fragment, r.subarray(5));
  d.release();
  // A length over the limit is refused as soon as the header is in, and nothing huge is allocated for it.
  d.push(new Uint8Array([23, 3, 3, 0xff, 0xff]));
  assert.throws(() => d.next(), /exceeds/);
});

test('Deframer: stable input is framed in place: header and body read from one chunk are not copied; anything else is', () => {
  const recs = [record(23, body(1000, 6)), record(23, body(300, 7)), record(21, body(2, 8))];
  const chunk = new Uint8Array(recs.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of recs) {
    chunk.set(r, at);
    at += r.length;
  }
  const d = new Deframer();
  // As the Ssl reads: exactly the header, then exactly the body, views of the same chunk.
  at = 0;
  for (const r of recs) {
    d.push(chunk.subarray(at, at + 5), true);
    assert.equal(d.next(), null);
    d.push(chunk.subarray(at + 5, at + r.length), true);
    const got = d.next();
    assert.ok(got);
    assert.deepEqual(got.fragment, r.subarray(5));
    assert.equal(got.fragment.buffer, chunk.buffer, 'the record is a view of the chunk');
    at += r.length;
  }
  assert.equal(d.buffered, 0);
  // A record split over two chunks is copied (the second chunk is other memory), and framed right.
  const r = recs[0]!;
  d.push(r.slice(0, 400), true);
  assert.equal(d.next(), null);
  d.push(r.slice(400), true);
  const split = d.next();
  assert.ok(split);
  assert.deepEqual(split.fragment, r.subarray(5));
  assert.notEqual(split.fragment.buffer, r.buffer);
  // A partial record borrowed when the transport runs dry is copied out, so the chunk is not kept.
  const big = new Uint8Array(r.length + 10);
  big.set(r);
  d.push(big.subarray(0, 100), true);
  d.release();
  big.fill(0);
  d.push(r.subarray(100), true);
  assert.deepEqual(d.next()?.fragment, r.subarray(5));
});

test('Deframer made again for a connection that has had records: the first record is no longer judged as a possible non-TLS peer, and the limit given holds', () => {
  const http = new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n');
  const fresh = new Deframer();
  fresh.push(http);
  assert.throws(() => fresh.next(), (e: TlsFailure) => e.reason === Reason.SSL_R_HTTP_REQUEST && e.alert === null);
  assert.equal(fresh.recordsSeen, false);
  const again = new Deframer(MAX_CIPHERTEXT_TLS13, true);
  assert.equal(again.recordsSeen, true);
  again.push(http);
  assert.throws(() => again.next(), (e: TlsFailure) => e.reason === Reason.SSL_R_WRONG_VERSION_NUMBER && e.alert === AlertDescription.protocol_version);
  const big = new Deframer(MAX_CIPHERTEXT_TLS13, true);
  big.push(Uint8Array.of(23, 3, 3, (MAX_CIPHERTEXT_TLS13 + 1) >> 8, (MAX_CIPHERTEXT_TLS13 + 1) & 0xff));
  assert.throws(() => big.next(), (e: TlsFailure) => e.alert === AlertDescription.record_overflow);
  const ok = new Deframer(MAX_CIPHERTEXT_TLS13, true);
  const r = record(23, body(MAX_CIPHERTEXT_TLS13, 3));
  ok.push(r);
  assert.deepEqual(ok.next()?.fragment, r.subarray(5));
  assert.equal(ok.recordsSeen, true);
});
