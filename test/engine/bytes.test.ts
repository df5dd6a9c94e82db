/** The engine's byte helpers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, toHex } from '../../src/engine/bytes.js';

test('toHex: lowercase, two digits per byte, every byte value', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(toHex(all), Buffer.from(all).toString('hex'));
  assert.equal(toHex(new Uint8Array(0)), '');
  assert.equal(toHex(Uint8Array.of(0, 0x0a, 0xff)), '000aff');
});

test('concatBytes: joins into a new array', () => {
  const a = Uint8Array.of(1, 2);
  const joined = concatBytes(a, new Uint8Array(0), Uint8Array.of(3));
  assert.deepEqual(joined, Uint8Array.of(1, 2, 3));
  joined[0] = 9;
  assert.equal(a[0], 1);
});
