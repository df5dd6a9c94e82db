/**
 * The node:crypto provider: the shared conformance suite, plus what only this provider has (its
 * key wrappers hold node KeyObjects).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { NodePrivateKey, NodePublicKey, nodeCrypto } from '../../src/crypto/node.js';
import { schemesForKey } from '../../src/crypto/schemes.js';
import { runProviderConformance } from './provider-conformance.js';

runProviderConformance(nodeCrypto);

test('node provider: keys wrap node KeyObjects of the right kind', () => {
  const key = nodeCrypto.generatePrivateKey('ec-p256');
  assert.ok(key instanceof NodePrivateKey && key.keyObject.type === 'private');
  const pub = nodeCrypto.importPublicKey(nodeCrypto.publicKeyOf(key));
  assert.ok(pub instanceof NodePublicKey && pub.keyObject.type === 'public');
  // A KeyObject made elsewhere can be wrapped directly (the pinned-digest details come along).
  const pinned = new NodePrivateKey(generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha512', mgf1HashAlgorithm: 'sha512' }).privateKey);
  assert.equal(pinned.pssHash, 'sha512');
  assert.equal(schemesForKey(pinned).length, 1);
  assert.throws(() => new NodePrivateKey(pub.keyObject), TypeError);
});

test('node provider: an AEAD key used for many records gives node:crypto\'s results before and after it becomes a KeyObject (the eighth cipher on)', async () => {
  const { createCipheriv, createDecipheriv, randomBytes } = await import('node:crypto');
  for (const [algorithm, keyLength] of [['aes-128-gcm', 16], ['aes-256-gcm', 32], ['chacha20-poly1305', 32]] as const) {
    const key = randomBytes(keyLength);
    const aead = nodeCrypto.createAead(algorithm, key);
    // The key lives in as many integer fields as it has words (an AES-128-GCM key carries no spare ones).
    assert.equal(Object.keys(aead).filter((k) => /^k\d$/.test(k)).length, keyLength / 4, algorithm);
    const aad = randomBytes(13);
    for (let i = 0; i < 20; i++) {
      const nonce = randomBytes(12);
      const plaintext = randomBytes(100 + i);
      const c = createCipheriv(algorithm as 'aes-128-gcm', key, nonce, { authTagLength: 16 }).setAAD(aad);
      const expected = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
      const sealed = i % 2 === 0 ? aead.seal(nonce, aad, plaintext) : Buffer.concat(aead.sealParts!(nonce, aad, plaintext.subarray(0, 50), plaintext.subarray(50)));
      assert.deepEqual(Buffer.from(sealed), expected, `${algorithm}, record ${i}`);
      assert.deepEqual(Buffer.from(aead.open(nonce, aad, sealed)!), plaintext, `${algorithm}, record ${i}`);
      const d = createDecipheriv(algorithm as 'aes-128-gcm', key, nonce, { authTagLength: 16 }).setAAD(aad).setAuthTag(expected.subarray(-16));
      assert.deepEqual(Buffer.concat([d.update(expected.subarray(0, -16)), d.final()]), plaintext);
      const tampered = Buffer.from(sealed);
      tampered[0]! ^= 1;
      assert.equal(aead.open(nonce, aad, tampered), null, `${algorithm}, tampered record ${i}`);
    }
  }
});
