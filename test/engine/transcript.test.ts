import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { nodeCrypto } from '../../src/crypto/node.js';
import { RELEASED_TRANSCRIPT, Transcript } from '../../src/engine/transcript.js';

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const msg = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

test('Transcript.current: the same digest until a message is added, then the new one (also across a HelloRetryRequest)', () => {
  const t = new Transcript(nodeCrypto);
  const a = msg(40, 1);
  const b = msg(70, 2);
  const c = msg(9, 3);
  t.add(a);
  t.start('sha256');
  const first = t.current();
  assert.deepEqual(new Uint8Array(first), sha256(a));
  // Asked again with nothing added: the same answer (the memo), still the right one.
  assert.deepEqual(new Uint8Array(t.current()), sha256(a));
  t.add(b);
  assert.deepEqual(new Uint8Array(t.current()), sha256(a, b));
  // hashWith does not add, so the memo stays valid.
  assert.deepEqual(new Uint8Array(t.hashWith(c, 'sha256')), sha256(a, b, c));
  assert.deepEqual(new Uint8Array(t.current()), sha256(a, b));
  // RFC 8446 4.4.1: message_hash replaces what came before.
  t.replaceWithMessageHash();
  const header = new Uint8Array([254, 0, 0, 32]);
  assert.deepEqual(new Uint8Array(t.current()), sha256(header, sha256(a, b)));
  t.add(c);
  assert.deepEqual(new Uint8Array(t.current()), sha256(header, sha256(a, b), c));
  t.release();
  assert.throws(() => t.current(), /released/);
  assert.throws(() => t.start('sha256'), /released/);
  assert.throws(() => t.hashWith(c, 'sha256'), /released/);
});

test('RELEASED_TRANSCRIPT, shared by every finished connection, stays empty whatever is done to it', () => {
  const t = RELEASED_TRANSCRIPT;
  t.add(msg(10, 1));
  t.keepMessages();
  t.add(msg(10, 2));
  assert.equal(t.keptMessages().length, 0);
  assert.equal(t.started, false);
  assert.throws(() => t.current(), /released/);
  assert.throws(() => t.start('sha256'), /released/);
  assert.throws(() => t.hashWith(msg(1, 0), 'sha256'), /released/);
  t.release();
  assert.equal(t.started, false);
});
