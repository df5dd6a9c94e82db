/** The per-chain Certificate message cache: built once per chain, rebuilt when the chain changes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChainMessageCache } from '../../src/engine/chain-message-cache.js';
import { certificateMessage } from '../../src/engine/tls13/common.js';
import { encodeCertificate } from '../../src/wire/handshake.js';

test('chain message cache: one encoding per chain, a new one when the chain changes in place', () => {
  const cache = new ChainMessageCache();
  let encodings = 0;
  const encode = (chain: readonly Uint8Array[]): Uint8Array => {
    encodings++;
    return Uint8Array.of(chain.length, ...chain.flatMap((c) => [...c]));
  };
  const chain = [Uint8Array.of(1, 2), Uint8Array.of(3)];
  const first = cache.get(chain, encode);
  assert.equal(cache.get(chain, encode), first);
  assert.equal(encodings, 1);
  chain[1] = Uint8Array.of(4);
  assert.deepEqual(cache.get(chain, encode), Uint8Array.of(2, 1, 2, 4));
  chain.push(Uint8Array.of(5));
  assert.deepEqual(cache.get(chain, encode), Uint8Array.of(3, 1, 2, 4, 5));
  assert.equal(encodings, 3);
  // Another array with the same certificates is another chain.
  assert.notEqual(cache.get(chain.slice(), encode), cache.get(chain, encode));
});

test('chain message cache: the TLS 1.3 Certificate message matches a fresh encoding, with or without a context', () => {
  const chain = [new Uint8Array(600).fill(7), new Uint8Array(300).fill(9)];
  const fresh = (context: Uint8Array): Uint8Array => encodeCertificate({ context, entries: chain.map((data) => ({ data, extensions: [] })) });
  assert.deepEqual(certificateMessage(chain), fresh(new Uint8Array(0)));
  assert.equal(certificateMessage(chain), certificateMessage(chain));
  assert.deepEqual(certificateMessage(chain, Uint8Array.of(1, 2)), fresh(Uint8Array.of(1, 2)));
});
