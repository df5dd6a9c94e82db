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
