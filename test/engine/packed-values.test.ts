import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packValues, packedTail, packedValue, replacePackedTail, replacePackedValue } from '../../src/engine/packed-values.js';

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

test('packed values come back as they went in, absent ones as null', () => {
  const values = [bytes(12, 1), null, bytes(32, 2), bytes(48, 3), new Uint8Array(0), bytes(255, 4)];
  const packed = packValues(values);
  assert.equal(packed.byteLength, values.length + 12 + 32 + 48 + 255);
  values.forEach((v, slot) => assert.deepEqual(packedValue(packed, values.length, slot), v && v.length > 0 ? v : null));
  // Views of the one buffer, not copies.
  assert.equal(packedValue(packed, values.length, 2)!.buffer, packed);
});

test('packing copies: later changes to the inputs do not reach the packed values', () => {
  const a = bytes(16, 7);
  const packed = packValues([a]);
  a.fill(0);
  assert.deepEqual(packedValue(packed, 1, 0), bytes(16, 7));
});

test('a value longer than a length byte is refused', () => {
  assert.throws(() => packValues([bytes(256, 0)]), RangeError);
});

test('a replacement of the same length is written in place over the old value', () => {
  const packed = packValues([bytes(12, 1), bytes(32, 2), bytes(32, 3)]);
  const before = packedValue(packed, 3, 1)!;
  const after = replacePackedValue(packed, 3, 1, bytes(32, 9));
  assert.equal(after, packed);
  assert.deepEqual(before, bytes(32, 9), 'the old secret is overwritten, not left behind');
  assert.deepEqual(packedValue(after, 3, 0), bytes(12, 1));
  assert.deepEqual(packedValue(after, 3, 2), bytes(32, 3));
});

test('a replacement of another length repacks and zeroes the old buffer', () => {
  const packed = packValues([bytes(12, 1), null, bytes(32, 3)]);
  const after = replacePackedValue(packed, 3, 1, bytes(20, 5));
  assert.notEqual(after, packed);
  assert.deepEqual(packedValue(after, 3, 0), bytes(12, 1));
  assert.deepEqual(packedValue(after, 3, 1), bytes(20, 5));
  assert.deepEqual(packedValue(after, 3, 2), bytes(32, 3));
  assert.ok(new Uint8Array(packed).every((b) => b === 0));
  const cleared = replacePackedValue(after, 3, 2, null);
  assert.equal(packedValue(cleared, 3, 2), null);
  assert.deepEqual(packedValue(cleared, 3, 1), bytes(20, 5));
});

test('a tail after the values: kept through replacements of either kind, replaced alone (earlier views stay valid)', () => {
  const tail = bytes(50, 0x77);
  const packed = packValues([bytes(12, 1), null, bytes(32, 3)], tail);
  assert.deepEqual(packedTail(packed, 3), tail);
  assert.deepEqual(packedValue(packed, 3, 2), bytes(32, 3));
  // In place (same length) and repacked (another length): the tail stays.
  const inPlace = replacePackedValue(packed, 3, 2, bytes(32, 4));
  assert.equal(inPlace, packed);
  assert.deepEqual(packedTail(inPlace, 3), tail);
  const repacked = replacePackedValue(inPlace, 3, 1, bytes(20, 5));
  assert.deepEqual(packedTail(repacked, 3), tail);
  assert.deepEqual(packedValue(repacked, 3, 1), bytes(20, 5));
  // The tail replaced: the values stay, and so do views of them read from the old buffer.
  const view = packedValue(repacked, 3, 2)!;
  const longer = replacePackedTail(repacked, 3, bytes(70, 0x66));
  assert.notEqual(longer, repacked);
  assert.deepEqual(packedTail(longer, 3), bytes(70, 0x66));
  assert.deepEqual([0, 1, 2].map((i) => packedValue(longer, 3, i)), [bytes(12, 1), bytes(20, 5), bytes(32, 4)]);
  assert.deepEqual(view, bytes(32, 4));
  const none = replacePackedTail(longer, 3, null);
  assert.equal(packedTail(none, 3).length, 0);
  assert.equal(none.byteLength, 3 + 12 + 20 + 32);
  // Without a tail there is none.
  assert.equal(packedTail(packValues([bytes(3, 1)]), 1).length, 0);
});
