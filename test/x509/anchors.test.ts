import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { nodeCrypto } from '../../src/crypto/node.js';
import { TrustStore } from '../../src/x509/anchors.js';
import { certificateSubject, parseCertificate } from '../../src/x509/certificate.js';
import { serviceIdentity } from '../../src/x509/hostname.js';
import { pemDecode } from '../../src/x509/pem.js';
import { verifyCertificateChain } from '../../src/x509/verify.js';
import * as V from '../../src/x509/verify-result.js';
import { CertFactory, EXT } from '../helpers/cert-factory.js';

// Platform roots are indexed by subject when added and parsed only when a verification needs them
// (parsing Node's ~140 bundled roots took 190-360 ms). These tests check the index agrees with a
// full parse, that a root added this way really anchors a chain, and that a root which does not
// parse strictly is left out when used instead of failing the store.

const f = new CertFactory();
after(() => f.cleanup());
before(() => {
  f.make('root', { subject: '/O=typessl test/CN=Lazy Root', ext: EXT.root });
  f.make('leaf', { subject: '/O=typessl test/CN=localhost', issuer: 'root', ext: EXT.leaf() });
});

function verifyLeaf(anchors: TrustStore): number {
  const leaf = parseCertificate(f.get('leaf').der);
  return verifyCertificateChain([leaf], { provider: nodeCrypto, anchors, time: new Date(), purpose: 'serverAuth', identity: serviceIdentity('localhost') }).code;
}

test('certificateSubject finds the subject a full parse finds, for every one of Node\'s bundled roots', () => {
  const ders = tls.rootCertificates.flatMap((pem) => pemDecode(pem).map((b) => b.der));
  assert.ok(ders.length > 100);
  for (const der of ders) assert.deepEqual(certificateSubject(der), parseCertificate(der).subjectDer);
});

test('an anchor added as DER anchors a chain: it is parsed when the path builder asks for the issuer', () => {
  const anchors = new TrustStore();
  assert.equal(anchors.addDer(f.get('root').der), true);
  assert.equal(anchors.addDer(f.get('root').der), true, 'a duplicate is accepted and ignored');
  assert.equal(anchors.size, 1);
  assert.equal(verifyLeaf(anchors), V.X509_V_OK);
  assert.equal(anchors.certificates()[0]!.commonName, 'Lazy Root');
  // A copy shares the anchor and still anchors the chain.
  assert.equal(verifyLeaf(anchors.clone()), V.X509_V_OK);
});

test('an anchor that does not parse strictly is left out when used; bytes that are no certificate are refused at once', () => {
  const good = f.get('root').der;
  const root = parseCertificate(good);
  // The outer signatureAlgorithm follows the 4-byte Certificate header and the tbsCertificate:
  // change the hash of its ecdsa-with-SHA256 OID, so the outer and inner algorithms disagree.
  const bad = new Uint8Array(good);
  const outer = 4 + root.tbsDer.length;
  assert.deepEqual([...bad.subarray(outer, outer + 12)], [0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);
  bad[outer + 11] = 0x03;
  assert.throws(() => parseCertificate(bad), /signature algorithm/);
  const anchors = new TrustStore();
  assert.equal(anchors.addDer(bad), true, 'its structure is a certificate: indexed now, parsed later');
  assert.equal(verifyLeaf(anchors), V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  assert.deepEqual(anchors.certificates(), []);
  assert.equal(anchors.addDer(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)), false);
  assert.equal(anchors.addDer(new Uint8Array(0)), false);
  assert.equal(anchors.size, 1);
});
