/**
 * The node provider's randomBytes (a pooled CSPRNG block): right lengths, caller-owned copies, no
 * byte handed out twice, large requests served too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../src/crypto/node.js';

const pooledRandomBytes = (n: number): Uint8Array => nodeCrypto.randomBytes(n);

test('node randomBytes: lengths, including zero, across refills and above the pooled size', () => {
  for (const n of [0, 1, 4, 12, 32, 255, 256, 257, 5000]) assert.equal(pooledRandomBytes(n).length, n);
  // Enough draws to cross several refills of the block.
  for (let i = 0; i < 1000; i++) assert.equal(pooledRandomBytes(31).length, 31);
});

test('node randomBytes: invalid lengths are refused', () => {
  for (const n of [-1, 1.5, Number.NaN]) assert.throws(() => pooledRandomBytes(n), RangeError);
});

test('node randomBytes: outputs are distinct copies the caller owns', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const r = pooledRandomBytes(16);
    const hex = Buffer.from(r).toString('hex');
    // 128 random bits repeat only if bytes were handed out twice.
    assert.ok(!seen.has(hex), 'a 16-byte draw repeated');
    seen.add(hex);
  }
  const a = pooledRandomBytes(32);
  const keep = a.slice();
  a.fill(0);
  const b = pooledRandomBytes(32);
  assert.notDeepEqual(b, a);
  // Writing into one output never shows in another, or changes outputs already handed out.
  b.fill(0xff);
  assert.notDeepEqual(pooledRandomBytes(32), b);
  assert.notDeepEqual(keep, new Uint8Array(32));
  // Each output has its own memory, not a window on a shared block.
  assert.equal(pooledRandomBytes(8).buffer.byteLength, 8);
});

test('node randomBytes: output bytes look uniform (no zeroed or stuck pool regions)', () => {
  const counts = new Array<number>(256).fill(0);
  for (let i = 0; i < 512; i++) for (const b of pooledRandomBytes(32)) counts[b]!++;
  // 16384 bytes, 64 expected per value: a zeroed region would push counts[0] far above that.
  assert.ok(counts[0]! < 160, `byte 0 appeared ${counts[0]} times`);
  assert.ok(counts.every((c) => c > 0));
});
