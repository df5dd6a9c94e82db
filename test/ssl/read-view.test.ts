import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SSL_ERROR_WANT_READ, SSL_ERROR_ZERO_RETURN } from '../../src/ssl/constants.js';
import { memoryPair } from '../helpers/memory-pair.js';

test('Ssl.readView: hands out each record\'s bytes without a copy, split at max, in order, then WANT_READ and ZERO_RETURN', () => {
  const p = memoryPair();
  p.handshake();
  const a = new Uint8Array(3000).map((_, i) => i & 0xff);
  const b = new Uint8Array(10).fill(7);
  assert.equal(p.client.write(a), a.length);
  assert.equal(p.client.write(b), b.length);
  p.transfer();
  // At most `max` bytes, from one record at a time.
  const first = p.server.readView(1000);
  assert.ok(first instanceof Uint8Array);
  assert.deepEqual(first, a.subarray(0, 1000));
  assert.equal(p.server.pending(), 2000);
  const rest = p.server.readView(1 << 20);
  assert.ok(rest instanceof Uint8Array);
  assert.deepEqual(rest, a.subarray(1000), 'the rest of the first record, not joined with the next');
  // Mixing read() and readView() keeps the order.
  const one = new Uint8Array(4);
  assert.equal(p.server.read(one), 4);
  assert.deepEqual(one, b.subarray(0, 4));
  assert.deepEqual(p.server.readView(100), b.subarray(4));
  const none = p.server.readView(100);
  assert.equal(none, -1);
  assert.equal(p.server.getError(-1), SSL_ERROR_WANT_READ);
  // The views stay valid after more traffic (they belong to the caller now).
  assert.equal(p.client.write(new Uint8Array(50).fill(9)), 50);
  p.transfer();
  assert.deepEqual(p.server.readView(100), new Uint8Array(50).fill(9));
  assert.deepEqual(first, a.subarray(0, 1000));
  assert.equal(p.client.shutdown(), 0);
  p.transfer();
  assert.equal(p.server.readView(100), 0);
  assert.equal(p.server.getError(0), SSL_ERROR_ZERO_RETURN);
});

test('Ssl.readView(0) returns 0 and consumes nothing', () => {
  const p = memoryPair();
  p.handshake();
  assert.equal(p.client.write(new Uint8Array([1, 2, 3])), 3);
  p.transfer();
  const got = new Uint8Array(3);
  assert.equal(p.server.peek(got), 3);
  assert.equal(p.server.readView(0), 0);
  assert.equal(p.server.pending(), 3);
});

test('Ssl.read/peek: a queue emptied by reads takes new records again, through peek, partial reads and readView', () => {
  const p = memoryPair();
  p.handshake();
  for (let round = 0; round < 3; round++) {
    const data = new Uint8Array(700 + round).map((_, i) => (i + round) & 0xff);
    assert.equal(p.client.write(data), data.length);
    p.transfer();
    const peeked = new Uint8Array(1000);
    assert.equal(p.server.peek(peeked), data.length);
    assert.deepEqual(peeked.subarray(0, data.length), data);
    assert.equal(p.server.pending(), data.length);
    const part = new Uint8Array(300);
    assert.equal(p.server.read(part), 300);
    assert.deepEqual(part, data.subarray(0, 300));
    assert.deepEqual(p.server.readView(100), data.subarray(300, 400));
    const rest = new Uint8Array(1000);
    assert.equal(p.server.read(rest), data.length - 400);
    assert.deepEqual(rest.subarray(0, data.length - 400), data.subarray(400));
    assert.equal(p.server.pending(), 0);
    assert.equal(p.server.read(rest), -1);
    assert.equal(p.server.getError(-1), SSL_ERROR_WANT_READ);
  }
});
