import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../src/crypto/node.js';
import { certificatePublicKey, PeerKeyCache } from '../../src/engine/peer-key-cache.js';
import { createSelfSignedCertificate } from '../../src/x509/self-signed.js';

test('certificatePublicKey parses a certificate once and returns the same key for the same DER', () => {
  const a = createSelfSignedCertificate({ provider: nodeCrypto });
  const first = certificatePublicKey(nodeCrypto, a.certificateDer);
  // A copy of the bytes (a new array, as each handshake brings) still hits.
  const again = certificatePublicKey(nodeCrypto, a.certificateDer.slice());
  assert.equal(again, first);
  assert.equal(first.type, 'ec');
  assert.equal(first.curve, 'P-256');
});

test('certificatePublicKey keeps different certificates apart', () => {
  const a = createSelfSignedCertificate({ provider: nodeCrypto });
  const b = createSelfSignedCertificate({ provider: nodeCrypto, keyKind: 'ed25519' });
  const ka = certificatePublicKey(nodeCrypto, a.certificateDer);
  const kb = certificatePublicKey(nodeCrypto, b.certificateDer);
  assert.notEqual(ka, kb);
  assert.equal(kb.type, 'ed25519');
  // A one-byte change is a different certificate: parsed afresh (and here, refused).
  const bad = a.certificateDer.slice();
  bad[0] = 0x31;
  assert.throws(() => certificatePublicKey(nodeCrypto, bad));
  // Failures are not remembered: the same bad input fails again, the good one still hits.
  assert.throws(() => certificatePublicKey(nodeCrypto, bad));
  assert.equal(certificatePublicKey(nodeCrypto, a.certificateDer), ka);
});

test('PeerKeyCache stays bounded, dropping the least recently used certificate', () => {
  const cache = new PeerKeyCache(2);
  const [a, b, c] = [0, 1, 2].map(() => createSelfSignedCertificate({ provider: nodeCrypto }).certificateDer);
  const ka = cache.publicKey(nodeCrypto, a!);
  const kb = cache.publicKey(nodeCrypto, b!);
  assert.equal(cache.publicKey(nodeCrypto, a!), ka); // a is now the most recent
  cache.publicKey(nodeCrypto, c!); // evicts b
  assert.equal(cache.publicKey(nodeCrypto, a!), ka);
  const kb2 = cache.publicKey(nodeCrypto, b!);
  assert.notEqual(kb2, kb, 'b was evicted and parsed again');
  assert.equal(kb2.curve, 'P-256');
});
