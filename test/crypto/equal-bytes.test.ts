import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { equalBytes } from '../../src/crypto/equal-bytes.js';

test('equalBytes: equal contents only, whatever the views and lengths', () => {
  assert.equal(equalBytes(new Uint8Array(0), new Uint8Array(0)), true);
  const a = new Uint8Array(randomBytes(48));
  assert.equal(equalBytes(a, a.slice()), true);
  // Views into larger buffers compare their own bytes only.
  const big = new Uint8Array(64);
  big.set(a, 8);
  assert.equal(equalBytes(a, big.subarray(8, 56)), true);
  assert.equal(equalBytes(a, a.subarray(0, 47)), false, 'a prefix is not equal');
  for (const i of [0, 23, 47]) {
    const b = a.slice();
    b[i]! ^= 0x01;
    assert.equal(equalBytes(a, b), false, `one bit changed at ${i}`);
  }
});
