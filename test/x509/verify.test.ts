/**
 * Path building and RFC 5280 validation against a test PKI that `openssl ca` generates at test
 * time (RSA, RSA-PSS, ECDSA P-256/P-384 and Ed25519 signatures): one test per rule, each good
 * chain accepted and each bad one rejected with OpenSSL's X509_V_ERR_* code.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../src/crypto/node.js';
import { portableCrypto } from '../../src/crypto/portable.js';
import { TrustStore } from '../../src/x509/anchors.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { serviceIdentity } from '../../src/x509/hostname.js';
import { verifyCertificateChain, type CertificateVerifyResult, type VerifyCallback, type VerifyPolicy, type CertificatePurpose } from '../../src/x509/verify.js';
import * as V from '../../src/x509/verify-result.js';
import { CertFactory, EXT, opensslTime } from '../helpers/cert-factory.js';

const f = new CertFactory();
after(() => f.cleanup());

const DAY = 86400_000;

before(() => {
  const ca = (name: string, subject: string, issuer: string | undefined, extra: Partial<Parameters<CertFactory['make']>[1]> = {}) =>
    f.make(name, { subject, ext: issuer ? EXT.intermediate : EXT.root, ...(issuer && { issuer }), ...extra });
  const leaf = (name: string, issuer: string, extra: Partial<Parameters<CertFactory['make']>[1]> = {}) =>
    f.make(name, { subject: `/O=typessl test/CN=${name}`, issuer, ext: EXT.leaf(), ...extra });

  ca('root', '/O=typessl test/CN=Root A', undefined);
  ca('int', '/O=typessl test/CN=Int A', 'root');
  leaf('leaf', 'int');
  ca('rootB', '/O=typessl test/CN=Root B', undefined);
  ca('intB', '/O=typessl test/CN=Int B', 'rootB');
  // Algorithms.
  ca('rsaRoot', '/O=typessl test/CN=RSA Root', undefined, { key: 'rsa' });
  leaf('rsaLeaf', 'rsaRoot');
  leaf('pssLeaf', 'rsaRoot', { sigopt: ['rsa_padding_mode:pss', 'rsa_pss_saltlen:32'] });
  ca('root384', '/O=typessl test/CN=P-384 Root', undefined, { key: 'ec384', md: 'sha384' });
  leaf('leaf384', 'root384', { md: 'sha384' });
  ca('edInt', '/O=typessl test/CN=Ed25519 Int', 'root');
  ca('edInt2', '/O=typessl test/CN=Ed25519 Int 2', 'root', { key: 'ed25519' });
  leaf('edLeaf', 'edInt2');
  // Candidate issuers: a second "Int A" with another key; a leaf without authorityKeyIdentifier.
  f.make('leafNoAki', { subject: '/O=typessl test/CN=leafNoAki', issuer: 'int', ext: EXT.leaf().filter((l) => !l.startsWith('authorityKeyIdentifier')) });
  ca('intDup', '/O=typessl test/CN=Int A', 'root');
  // The same intermediate (name and key) once expired, once current.
  ca('intOld', '/O=typessl test/CN=Int A', 'root', { reuseKeyOf: 'int', start: '20200101000000Z', end: '20200201000000Z' });
  // Dates.
  leaf('expired', 'int', { start: '20200101000000Z', end: '20200201000000Z' });
  leaf('future', 'int', { start: opensslTime(new Date(Date.now() + 2 * DAY)), end: opensslTime(new Date(Date.now() + 30 * DAY)) });
  // CA rules.
  f.make('intNotCa', { subject: '/O=typessl test/CN=Not a CA', issuer: 'root', ext: ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyCertSign', 'subjectKeyIdentifier=hash'] });
  leaf('underNotCa', 'intNotCa');
  ca('rootPl1', '/O=typessl test/CN=Root pathlen 1', undefined, { ext: ['basicConstraints=critical,CA:TRUE,pathlen:1', 'keyUsage=critical,keyCertSign', 'subjectKeyIdentifier=hash'] });
  ca('pl1', '/O=typessl test/CN=Pl 1', 'rootPl1');
  ca('pl2', '/O=typessl test/CN=Pl 2', 'pl1');
  leaf('underPl', 'pl2');
  leaf('underPlOk', 'pl1');
  ca('intNoKcs', '/O=typessl test/CN=No keyCertSign', 'root', { ext: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature,cRLSign', 'subjectKeyIdentifier=hash'] });
  leaf('underNoKcs', 'intNoKcs');
  // Purposes.
  leaf('clientOnly', 'int', { ext: EXT.leaf().map((l) => (l.startsWith('extendedKeyUsage') ? 'extendedKeyUsage=clientAuth' : l)) });
  leaf('keyEncOnly', 'int', { ext: EXT.leaf().map((l) => (l.startsWith('keyUsage') ? 'keyUsage=critical,keyEncipherment' : l)) });
  ca('intEmailEku', '/O=typessl test/CN=Email-only CA', 'root', { ext: [...EXT.intermediate, 'extendedKeyUsage=emailProtection'] });
  leaf('underEmailEku', 'intEmailEku');
  // Name constraints.
  ca('intNc', '/O=typessl test/CN=Constrained', 'root', {
    ext: [...EXT.intermediate, 'nameConstraints=critical,permitted;DNS:example.com,permitted;IP:10.0.0.0/255.0.0.0,excluded;DNS:bad.example.com'],
  });
  leaf('ncOk', 'intNc', { ext: EXT.leaf('DNS:www.example.com,IP:10.1.2.3') });
  leaf('ncOutside', 'intNc', { ext: EXT.leaf('DNS:evil.com') });
  leaf('ncExcluded', 'intNc', { ext: EXT.leaf('DNS:bad.example.com') });
  leaf('ncIpOutside', 'intNc', { ext: EXT.leaf('DNS:www.example.com,IP:192.168.1.1') });
  // Critical extensions.
  leaf('unknownCritical', 'int', { ext: [...EXT.leaf(), '1.3.6.1.4.1.55555.1=critical,ASN1:UTF8String:must understand'] });
  leaf('unknownNonCritical', 'int', { ext: [...EXT.leaf(), '1.3.6.1.4.1.55555.1=ASN1:UTF8String:may ignore'] });
  // Weak algorithms.
  leaf('sha1Leaf', 'int', { md: 'sha1' });
  leaf('md5Leaf', 'rsaRoot', { md: 'md5' });
  leaf('rsa1024Leaf', 'int', { key: 'rsa1024' });
  ca('int1024', '/O=typessl test/CN=Weak CA', 'root', { key: 'rsa1024' });
  leaf('under1024', 'int1024');
  // Names.
  leaf('wild', 'int', { ext: EXT.leaf('DNS:*.example.com') });
  leaf('partialWild', 'int', { ext: EXT.leaf('DNS:f*.example.com') });
  leaf('ipv6', 'int', { ext: EXT.leaf('IP:::1') });
  leaf('cnOnly', 'int', { ext: EXT.leaf().filter((l) => !l.startsWith('subjectAltName')), subject: '/O=typessl test/CN=localhost' });
  // Self-signed leaf.
  f.make('selfLeaf', { subject: '/CN=localhost', ext: EXT.leaf().filter((l) => !l.startsWith('authorityKeyIdentifier')) });
});

interface Check {
  anchors: string[];
  host?: string | null;
  purpose?: CertificatePurpose;
  time?: Date;
  policy?: Partial<VerifyPolicy>;
  callback?: VerifyCallback;
  /** Replaces the leaf's DER (tampering tests). */
  leafDer?: Uint8Array;
}

function verify(chain: string[], c: Check): CertificateVerifyResult {
  const parsed = chain.map((n, i) => parseCertificate(i === 0 && c.leafDer ? c.leafDer : f.get(n).der));
  const anchors = new TrustStore(c.anchors.map((n) => f.get(n).der));
  const host = c.host === undefined ? 'localhost' : c.host;
  return verifyCertificateChain(parsed, {
    provider: nodeCrypto,
    anchors,
    time: c.time ?? new Date(),
    purpose: c.purpose ?? 'serverAuth',
    identity: host === null ? null : serviceIdentity(host),
    ...(c.policy && { policy: c.policy }),
    ...(c.callback && { callback: c.callback }),
  });
}

function accepted(r: CertificateVerifyResult): void {
  assert.equal(r.code, V.X509_V_OK, r.message);
  assert.equal(r.ok, true);
}

function rejected(r: CertificateVerifyResult, code: number, depth?: number): void {
  assert.equal(r.ok, false, 'should be rejected');
  assert.equal(V.verifyErrorName(r.code), V.verifyErrorName(code), r.message);
  if (depth !== undefined) assert.equal(r.depth, depth, r.message);
}

describe('good chains are accepted', () => {
  test('ECDSA P-256 root -> intermediate -> leaf; the verified chain ends at the anchor', () => {
    const r = verify(['leaf', 'int'], { anchors: ['root'] });
    accepted(r);
    assert.deepEqual(r.chain.map((c) => c.commonName), ['leaf', 'Int A', 'Root A']);
  });
  test('RSA PKCS#1 v1.5 (sha256WithRSAEncryption)', () => accepted(verify(['rsaLeaf'], { anchors: ['rsaRoot'] })));
  test('RSA-PSS signature with SHA-256 parameters', () => {
    assert.equal(parseCertificate(f.get('pssLeaf').der).signatureAlgorithm.name, 'rsassaPss');
    accepted(verify(['pssLeaf'], { anchors: ['rsaRoot'] }));
  });
  test('ECDSA P-384 with SHA-384', () => accepted(verify(['leaf384'], { anchors: ['root384'] })));
  test('Ed25519 intermediate signing the leaf', () => {
    assert.equal(parseCertificate(f.get('edLeaf').der).signatureAlgorithm.name, 'ED25519');
    accepted(verify(['edLeaf', 'edInt2'], { anchors: ['root'] }));
  });
  test('out-of-order and unrelated extra certificates are tolerated', () => {
    const r = verify(['leaf', 'intB', 'root', 'rootB', 'int'], { anchors: ['root'] });
    accepted(r);
    assert.equal(r.chain.length, 3);
  });
  test('several candidate issuers of the same name: the one whose key verifies wins', () => {
    // leafNoAki has no authorityKeyIdentifier, so both "Int A" certificates are candidates.
    accepted(verify(['leafNoAki', 'intDup', 'int'], { anchors: ['root'] }));
    accepted(verify(['leafNoAki', 'int', 'intDup'], { anchors: ['root'] }));
  });
  test('an expired and a current copy of the intermediate: the current one is used', () => {
    accepted(verify(['leaf', 'intOld', 'int'], { anchors: ['root'] }));
  });
  test('an intermediate in the trust store is an anchor (partial chain), the root is not needed', () => {
    accepted(verify(['leaf'], { anchors: ['int'] }));
  });
  test('a self-signed leaf in the trust store is trusted directly', () => accepted(verify(['selfLeaf'], { anchors: ['selfLeaf'] })));
  test('a non-critical unknown extension is ignored', () => accepted(verify(['unknownNonCritical', 'int'], { anchors: ['root'] })));
  test('clientAuth purpose for a client-only certificate', () => accepted(verify(['clientOnly', 'int'], { anchors: ['root'], purpose: 'clientAuth', host: null })));
  test('a chain within the pathLenConstraint', () => accepted(verify(['underPlOk', 'pl1'], { anchors: ['rootPl1'] })));
  test('the same parsed certificates verify under one provider and then another (keys are not shared across providers)', () => {
    const parsed = ['leaf', 'int'].map((n) => parseCertificate(f.get(n).der));
    for (const provider of [nodeCrypto, portableCrypto, nodeCrypto]) {
      accepted(verifyCertificateChain(parsed, { provider, anchors: new TrustStore(f.get('root').der), time: new Date(), purpose: 'serverAuth', identity: serviceIdentity('localhost') }));
    }
  });
});

describe('bad chains are rejected with the OpenSSL code', () => {
  test('unknown root, root not sent: X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY', () => {
    rejected(verify(['leaf', 'int'], { anchors: ['rootB'] }), V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1);
  });
  test('unknown root sent by the peer: X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN', () => {
    rejected(verify(['leaf', 'int', 'root'], { anchors: ['rootB'] }), V.X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 2);
  });
  test('missing intermediate: X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY at depth 0', () => {
    rejected(verify(['leaf'], { anchors: ['root'] }), V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0);
  });
  test('untrusted self-signed leaf: X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT', () => {
    rejected(verify(['selfLeaf'], { anchors: ['root'] }), V.X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0);
  });
  test('expired leaf: X509_V_ERR_CERT_HAS_EXPIRED', () => rejected(verify(['expired', 'int'], { anchors: ['root'] }), V.X509_V_ERR_CERT_HAS_EXPIRED, 0));
  test('not yet valid leaf: X509_V_ERR_CERT_NOT_YET_VALID', () => rejected(verify(['future', 'int'], { anchors: ['root'] }), V.X509_V_ERR_CERT_NOT_YET_VALID, 0));
  test('validity is judged at the injected time', () => {
    // The not-yet-valid leaf is fine three days from now.
    accepted(verify(['future', 'int'], { anchors: ['root'], time: new Date(Date.now() + 3 * DAY) }));
    // At a time after everything expired, the root is the first certificate found expired (top down).
    rejected(verify(['leaf', 'int'], { anchors: ['root'], time: new Date(Date.now() + 365 * DAY) }), V.X509_V_ERR_CERT_HAS_EXPIRED, 2);
  });
  test('issuer that is not a CA: X509_V_ERR_INVALID_CA', () => rejected(verify(['underNotCa', 'intNotCa'], { anchors: ['root'] }), V.X509_V_ERR_INVALID_CA, 1));
  test('pathLenConstraint 1 with two intermediates below: X509_V_ERR_PATH_LENGTH_EXCEEDED', () => {
    rejected(verify(['underPl', 'pl2', 'pl1'], { anchors: ['rootPl1'] }), V.X509_V_ERR_PATH_LENGTH_EXCEEDED, 3);
  });
  test('CA keyUsage without keyCertSign: X509_V_ERR_KEYUSAGE_NO_CERTSIGN', () => {
    rejected(verify(['underNoKcs', 'intNoKcs'], { anchors: ['root'] }), V.X509_V_ERR_KEYUSAGE_NO_CERTSIGN, 1);
  });
  test('leaf extendedKeyUsage clientAuth only, used as a server: X509_V_ERR_INVALID_PURPOSE', () => {
    rejected(verify(['clientOnly', 'int'], { anchors: ['root'] }), V.X509_V_ERR_INVALID_PURPOSE, 0);
  });
  test('CA restricted to emailProtection by extendedKeyUsage: X509_V_ERR_INVALID_PURPOSE', () => {
    rejected(verify(['underEmailEku', 'intEmailEku'], { anchors: ['root'] }), V.X509_V_ERR_INVALID_PURPOSE, 1);
  });
  test('leaf keyUsage without digitalSignature: X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE', () => {
    rejected(verify(['keyEncOnly', 'int'], { anchors: ['root'] }), V.X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE, 0);
  });
  test('unknown critical extension: X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION', () => {
    rejected(verify(['unknownCritical', 'int'], { anchors: ['root'] }), V.X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION, 0);
  });
  test('SHA-1 signature refused by default (X509_V_ERR_CA_MD_TOO_WEAK), accepted with allowSha1', () => {
    rejected(verify(['sha1Leaf', 'int'], { anchors: ['root'] }), V.X509_V_ERR_CA_MD_TOO_WEAK, 0);
    accepted(verify(['sha1Leaf', 'int'], { anchors: ['root'], policy: { allowSha1: true } }));
  });
  test('MD5 signature refused even with allowSha1', () => {
    rejected(verify(['md5Leaf'], { anchors: ['rsaRoot'], policy: { allowSha1: true } }), V.X509_V_ERR_CA_MD_TOO_WEAK, 0);
  });
  test('RSA-1024 leaf: X509_V_ERR_EE_KEY_TOO_SMALL; RSA-1024 CA: X509_V_ERR_CA_KEY_TOO_SMALL; minRsaBits lowers the bar', () => {
    rejected(verify(['rsa1024Leaf', 'int'], { anchors: ['root'] }), V.X509_V_ERR_EE_KEY_TOO_SMALL, 0);
    rejected(verify(['under1024', 'int1024'], { anchors: ['root'] }), V.X509_V_ERR_CA_KEY_TOO_SMALL, 1);
    accepted(verify(['rsa1024Leaf', 'int'], { anchors: ['root'], policy: { minRsaBits: 1024 } }));
  });
  test('tampered signature: X509_V_ERR_CERT_SIGNATURE_FAILURE', () => {
    const der = f.get('leaf').der.slice();
    der[der.length - 1] ^= 0x01;
    rejected(verify(['leaf', 'int'], { anchors: ['root'], leafDer: der }), V.X509_V_ERR_CERT_SIGNATURE_FAILURE, 0);
  });
  test('tampered body (a SAN byte): the signature no longer verifies', () => {
    const der = f.get('leaf').der.slice();
    const at = Buffer.from(der).indexOf('localhost');
    der[at] = 'L'.charCodeAt(0);
    rejected(verify(['leaf', 'int'], { anchors: ['root'], leafDer: der, host: 'Localhost' }), V.X509_V_ERR_CERT_SIGNATURE_FAILURE, 0);
  });
  test("chain longer than the verify depth: X509_V_ERR_CERT_CHAIN_TOO_LONG (OpenSSL's depth counts neither the leaf nor the anchor)", () => {
    accepted(verify(['leaf', 'int'], { anchors: ['root'], policy: { maxDepth: 2 } }));
    // Depth 1: leaf, one intermediate, anchor (X509_VERIFY_PARAM_set_depth).
    accepted(verify(['leaf', 'int'], { anchors: ['root'], policy: { maxDepth: 1 } }));
    rejected(verify(['leaf', 'int'], { anchors: ['root'], policy: { maxDepth: 0 } }), V.X509_V_ERR_CERT_CHAIN_TOO_LONG);
    // Depth 0: a leaf issued by the anchor itself.
    accepted(verify(['rsaLeaf'], { anchors: ['rsaRoot'], policy: { maxDepth: 0 } }));
  });
});

describe('name constraints', () => {
  test('names inside the permitted subtrees pass', () => {
    accepted(verify(['ncOk', 'intNc'], { anchors: ['root'], host: 'www.example.com' }));
    accepted(verify(['ncOk', 'intNc'], { anchors: ['root'], host: '10.1.2.3' }));
  });
  test('a DNS name outside: X509_V_ERR_PERMITTED_VIOLATION', () => rejected(verify(['ncOutside', 'intNc'], { anchors: ['root'], host: 'evil.com' }), V.X509_V_ERR_PERMITTED_VIOLATION, 0));
  test('a DNS name in an excluded subtree: X509_V_ERR_EXCLUDED_VIOLATION', () => {
    rejected(verify(['ncExcluded', 'intNc'], { anchors: ['root'], host: 'bad.example.com' }), V.X509_V_ERR_EXCLUDED_VIOLATION, 0);
  });
  test('an IP address outside the permitted range: X509_V_ERR_PERMITTED_VIOLATION', () => {
    rejected(verify(['ncIpOutside', 'intNc'], { anchors: ['root'], host: 'www.example.com' }), V.X509_V_ERR_PERMITTED_VIOLATION, 0);
  });
});

describe('host name and IP address (RFC 9525)', () => {
  test('the DNS SAN matches case-insensitively, with a trailing dot', () => {
    accepted(verify(['leaf', 'int'], { anchors: ['root'], host: 'LocalHost.' }));
  });
  test('wrong name: X509_V_ERR_HOSTNAME_MISMATCH', () => rejected(verify(['leaf', 'int'], { anchors: ['root'], host: 'example.com' }), V.X509_V_ERR_HOSTNAME_MISMATCH, 0));
  test('IPv4 SAN matches; another address: X509_V_ERR_IP_ADDRESS_MISMATCH', () => {
    accepted(verify(['leaf', 'int'], { anchors: ['root'], host: '127.0.0.1' }));
    rejected(verify(['leaf', 'int'], { anchors: ['root'], host: '127.0.0.2' }), V.X509_V_ERR_IP_ADDRESS_MISMATCH, 0);
  });
  test('IPv6 SAN matches in any spelling, and only as an address', () => {
    accepted(verify(['ipv6', 'int'], { anchors: ['root'], host: '0:0:0:0:0:0:0:1' }));
    accepted(verify(['ipv6', 'int'], { anchors: ['root'], host: '[::1]' }));
    rejected(verify(['leaf', 'int'], { anchors: ['root'], host: '::1' }), V.X509_V_ERR_IP_ADDRESS_MISMATCH, 0);
  });
  test('a wildcard matches one whole leftmost label only', () => {
    accepted(verify(['wild', 'int'], { anchors: ['root'], host: 'www.example.com' }));
    rejected(verify(['wild', 'int'], { anchors: ['root'], host: 'a.b.example.com' }), V.X509_V_ERR_HOSTNAME_MISMATCH);
    rejected(verify(['wild', 'int'], { anchors: ['root'], host: 'example.com' }), V.X509_V_ERR_HOSTNAME_MISMATCH);
  });
  test('a partial wildcard (f*.example.com) matches nothing', () => {
    rejected(verify(['partialWild', 'int'], { anchors: ['root'], host: 'foo.example.com' }), V.X509_V_ERR_HOSTNAME_MISMATCH);
  });
  test('the subject CN is never used', () => rejected(verify(['cnOnly', 'int'], { anchors: ['root'], host: 'localhost' }), V.X509_V_ERR_HOSTNAME_MISMATCH));
});

describe('verify callback (OpenSSL model)', () => {
  test('a callback that accepts the error lets the chain pass, and the result keeps the code', () => {
    const seen: string[] = [];
    const r = verify(['leaf', 'int'], {
      anchors: ['root'],
      host: 'example.com',
      callback: (ok, ctx) => {
        seen.push(`${ok ? 1 : 0}:${ctx.errorDepth}:${ctx.error}`);
        return ok || ctx.error === V.X509_V_ERR_HOSTNAME_MISMATCH;
      },
    });
    assert.equal(r.ok, true);
    assert.equal(r.code, V.X509_V_ERR_HOSTNAME_MISMATCH);
    assert.deepEqual(seen, ['0:0:62', '1:2:0', '1:1:0', '1:0:0']);
  });
  test('a callback that refuses a good chain fails it with X509_V_ERR_APPLICATION_VERIFICATION', () => {
    const r = verify(['leaf', 'int'], { anchors: ['root'], callback: (ok, ctx) => ok && ctx.certificate.commonName !== 'Int A' });
    rejected(r, V.X509_V_ERR_APPLICATION_VERIFICATION, 1);
  });
  test('a callback returning false on an error stops at that error', () => {
    rejected(verify(['expired', 'int'], { anchors: ['root'], callback: (ok) => ok }), V.X509_V_ERR_CERT_HAS_EXPIRED, 0);
  });
});

describe('failure messages say what to fix', () => {
  test('unknown issuer names the missing CA and how to trust it', () => {
    const r = verify(['leaf', 'int'], { anchors: ['rootB'] });
    assert.match(r.message, /"CN=Int A, O=typessl test" was issued by "CN=Root A, O=typessl test"/);
    assert.match(r.message, /add the CA certificate \(PEM\) to the trust store/);
  });
  test('expired names the certificate, the date and the remedy', () => {
    const r = verify(['expired', 'int'], { anchors: ['root'] });
    assert.match(r.message, /certificate "CN=expired, O=typessl test" expired at 2020-02-01T00:00:00Z/);
    assert.match(r.message, /renew the certificate, or check the clock/);
  });
  test('hostname mismatch lists the names the certificate is for', () => {
    const r = verify(['leaf', 'int'], { anchors: ['root'], host: 'db.example' });
    assert.match(r.message, /is valid for DNS:localhost, IP:127\.0\.0\.1, not for "db\.example"/);
    assert.match(r.message, /reissue the certificate with subjectAltName DNS:db\.example/);
  });
  test('weak key gives the size found and the size required', () => {
    assert.match(verify(['rsa1024Leaf', 'int'], { anchors: ['root'] }).message, /has a 1024-bit RSA key; at least 2048 bits are required/);
  });
});
