import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesKey } from '../../src/x509/bytes-key.js';

test('bytesKey: one distinct char per byte value, so equal keys mean equal bytes', () => {
  const keys = new Set<string>();
  for (let b = 0; b < 256; b++) {
    const k = bytesKey(Uint8Array.of(b));
    assert.equal(k.length, 1, `byte ${b}`);
    keys.add(k);
  }
  assert.equal(keys.size, 256);
  const all = Uint8Array.from({ length: 512 }, (_, i) => i & 0xff);
  assert.equal(bytesKey(all).length, 512);
  assert.equal(bytesKey(all), bytesKey(all.slice()));
  assert.notEqual(bytesKey(all), bytesKey(all.subarray(1)));
  assert.notEqual(bytesKey(Uint8Array.of(0x80, 0x81)), bytesKey(Uint8Array.of(0x81, 0x80)));
});
