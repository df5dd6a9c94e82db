import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../src/wire/reader.js';

test('Reader over a Node Buffer hands out plain Uint8Array views, whose slice() copies', () => {
  const whole = Buffer.from([0, 0, 3, 1, 2, 3, 9, 9]);
  const r = new Reader(whole.subarray(1), 0, 6);
  const field = r.vec16('field');
  assert.equal(Object.getPrototypeOf(field), Uint8Array.prototype);
  assert.deepEqual(field, new Uint8Array([1, 2, 3]));
  assert.equal(field.buffer, whole.buffer, 'still a view: decoding copies nothing');
  const kept = field.slice();
  assert.notEqual(kept.buffer, whole.buffer, 'slice() copies, as the engine expects when it keeps a field');
  whole[3] = 7;
  assert.deepEqual(kept, new Uint8Array([1, 2, 3]));
  assert.deepEqual(field, new Uint8Array([7, 2, 3]));
});

test('Reader over a plain Uint8Array reads it as it is', () => {
  const bytes = new Uint8Array([2, 5, 6]);
  const r = new Reader(bytes);
  assert.deepEqual(r.vec8('v'), new Uint8Array([5, 6]));
  r.expectEnd('v');
});
