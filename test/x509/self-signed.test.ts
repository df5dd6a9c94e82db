import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SigningKeyKind } from '../../src/crypto/provider.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { pemDecode } from '../../src/x509/pem.js';
import { createSelfSignedCertificate } from '../../src/x509/self-signed.js';

const dir = mkdtempSync(join(tmpdir(), 'typessl-selfsigned-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const kinds: { kind: SigningKeyKind; sigAlg: string; keyAlg: string; curve?: string }[] = [
  { kind: 'ec-p256', sigAlg: 'ecdsa-with-SHA256', keyAlg: 'ec', curve: 'P-256' },
  { kind: 'ec-p384', sigAlg: 'ecdsa-with-SHA384', keyAlg: 'ec', curve: 'P-384' },
  { kind: 'rsa-2048', sigAlg: 'sha256WithRSAEncryption', keyAlg: 'rsa' },
  { kind: 'ed25519', sigAlg: 'ED25519', keyAlg: 'ed25519' },
];

for (const { kind, sigAlg, keyAlg, curve } of kinds) {
  test(`${kind}: openssl and node accept the certificate, and the fields round-trip`, () => {
    const now = new Date();
    const made = createSelfSignedCertificate({ provider: nodeCrypto, keyKind: kind, now });
    const path = join(dir, `${kind}.pem`);
    writeFileSync(path, made.certificatePem);

    // OpenSSL builds and checks a one-certificate chain with it as the trust anchor.
    assert.match(openssl('verify', '-CAfile', path, path), /: OK/);
    const text = openssl('x509', '-in', path, '-noout', '-text');
    assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature\n/);
    assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(text, /X509v3 Subject Key Identifier/);
    assert.ok(text.includes(`Signature Algorithm: ${sigAlg}`));
    assert.ok(text.includes('Version: 3 (0x2)'));

    // node:crypto agrees the signature is good.
    const x = new X509Certificate(made.certificatePem);
    assert.equal(x.verify(x.publicKey), true);
    assert.equal(x.subject, 'CN=localhost');
    assert.equal(x.checkHost('localhost'), 'localhost');
    assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(x.ca, false);

    // The private key PEM is PKCS#8 and belongs to the certificate.
    const blocks = pemDecode(made.privateKeyPem);
    assert.equal(blocks.length, 1);
    assert.equal(blocks[0]!.label, 'PRIVATE KEY');
    const nodeKey = createPrivateKey(made.privateKeyPem);
    assert.deepEqual(
      new Uint8Array(createPublicKey(nodeKey).export({ format: 'der', type: 'spki' })),
      new Uint8Array(x.publicKey.export({ format: 'der', type: 'spki' })),
    );

    // Our own parse of it.
    const cert = parseCertificate(made.certificateDer);
    assert.deepEqual(cert.der, made.certificateDer);
    assert.deepEqual(made.certificate.der, made.certificateDer);
    assert.deepEqual(cert.der, pemDecode(made.certificatePem)[0]!.der);
    assert.equal(cert.version, 3);
    assert.equal(cert.subject, 'CN=localhost');
    assert.equal(cert.issuer, 'CN=localhost');
    assert.equal(cert.commonName, 'localhost');
    assert.ok(cert.isSelfIssued());
    assert.deepEqual(cert.subjectAltNames, { dns: ['localhost'], ip: ['127.0.0.1', '::1'], email: [], uri: [] });
    assert.equal(cert.isCA, false);
    assert.equal(cert.pathLength, undefined);
    assert.deepEqual(cert.keyUsage, ['digitalSignature']);
    assert.deepEqual(cert.extKeyUsage, [SERVER_AUTH, CLIENT_AUTH]);
    assert.deepEqual(
      cert.extensions.map((e) => [e.oid, e.critical]),
      [
        ['2.5.29.19', true],
        ['2.5.29.15', true],
        ['2.5.29.37', false],
        ['2.5.29.17', false],
        ['2.5.29.14', false],
      ],
    );
    assert.equal(cert.signatureAlgorithm.name, sigAlg);
    // RSA PKCS#1 identifiers carry NULL parameters; ECDSA and Ed25519 ones carry none.
    assert.deepEqual(cert.signatureAlgorithm.parameters, keyAlg === 'rsa' ? Uint8Array.of(0x05, 0x00) : undefined);
    assert.equal(cert.publicKeyAlgorithm, keyAlg);
    assert.equal(cert.publicKeyCurve, curve);
    assert.deepEqual(cert.spki, new Uint8Array(nodeCrypto.publicKeyOf(made.privateKey)));
    assert.equal(cert.subjectKeyIdentifier?.length, 20);
    const whole = Math.floor(now.getTime() / 1000) * 1000;
    assert.equal(cert.notBefore.getTime(), whole - 5 * 60 * 1000);
    assert.equal(cert.notAfter.getTime(), whole + 86400 * 1000);
    assert.ok(cert.isValidAt(now));
    assert.match(cert.serialNumber, /^[0-7][0-9A-F]{31}$/);
    assert.notEqual(cert.serialNumber.slice(0, 2), '00');
    assert.equal(cert.serialNumber, openssl('x509', '-in', path, '-noout', '-serial').trim().slice('serial='.length));
  });
}

test('options: own key, names, addresses, validity and CA', () => {
  const key = nodeCrypto.generatePrivateKey('ec-p256');
  const now = new Date('2030-06-01T12:34:56.789Z');
  const made = createSelfSignedCertificate({
    provider: nodeCrypto,
    key,
    commonName: 'typessl test CA',
    dnsNames: ['example.test', '*.example.test'],
    ipAddresses: ['10.1.2.3', '2001:0DB8:0:0:0:0:0:1', '::ffff:192.0.2.1'],
    now,
    days: 10,
    isCA: true,
  });
  assert.equal(made.privateKey, key);
  const cert = made.certificate;
  assert.equal(cert.subject, 'CN=typessl test CA');
  assert.equal(cert.commonName, 'typessl test CA');
  assert.deepEqual(cert.subjectAltNames.dns, ['example.test', '*.example.test']);
  assert.deepEqual(cert.subjectAltNames.ip, ['10.1.2.3', '2001:db8::1', '::ffff:c000:201']);
  assert.equal(cert.isCA, true);
  assert.deepEqual(cert.keyUsage, ['digitalSignature', 'keyCertSign']);
  assert.equal(cert.notBefore.toISOString(), '2030-06-01T12:29:56.000Z');
  assert.equal(cert.notAfter.toISOString(), '2030-06-11T12:34:56.000Z');
  assert.ok(!cert.isValidAt(new Date('2030-06-11T12:34:57Z')));

  const path = join(dir, 'ca.pem');
  writeFileSync(path, made.certificatePem);
  const text = openssl('x509', '-in', path, '-noout', '-text');
  assert.match(text, /CA:TRUE/);
  assert.match(text, /Digital Signature, Certificate Sign/);
  assert.match(text, /IP Address:2001:DB8:0:0:0:0:0:1/);
  // The validity lies in the future, so verify at a time inside it.
  assert.match(openssl('verify', '-attime', String(Date.parse('2030-06-02T00:00:00Z') / 1000), '-CAfile', path, path), /: OK/);
});

test('no SAN extension when there are no names; certificates past 2049 use GeneralizedTime', () => {
  const made = createSelfSignedCertificate({
    provider: nodeCrypto,
    dnsNames: [],
    ipAddresses: [],
    now: new Date('2049-12-31T00:00:00Z'),
    days: 2,
  });
  assert.equal(made.certificate.extension('2.5.29.17'), undefined);
  assert.deepEqual(made.certificate.subjectAltNames, { dns: [], ip: [], email: [], uri: [] });
  assert.equal(made.certificate.notAfter.toISOString(), '2050-01-02T00:00:00.000Z');
  const path = join(dir, 'y2050.pem');
  writeFileSync(path, made.certificatePem);
  assert.match(openssl('asn1parse', '-in', path), /UTCTIME\s+:491230235500Z[\s\S]*GENERALIZEDTIME\s+:20500102000000Z/);
});

test('serials are random and distinct', () => {
  const key = nodeCrypto.generatePrivateKey('ed25519');
  const serials = new Set(Array.from({ length: 20 }, () => createSelfSignedCertificate({ provider: nodeCrypto, key }).certificate.serialNumber));
  assert.equal(serials.size, 20);
});

test('bad options are refused', () => {
  const key = nodeCrypto.generatePrivateKey('ec-p256');
  const base = { provider: nodeCrypto, key };
  assert.throws(() => createSelfSignedCertificate({ ...base, commonName: '' }), RangeError);
  assert.throws(() => createSelfSignedCertificate({ ...base, days: 0 }), RangeError);
  assert.throws(() => createSelfSignedCertificate({ ...base, days: Number.NaN }), RangeError);
  assert.throws(() => createSelfSignedCertificate({ ...base, now: new Date('nope') }), RangeError);
  assert.throws(() => createSelfSignedCertificate({ ...base, ipAddresses: ['localhost'] }), /invalid IP address/);
  assert.throws(() => createSelfSignedCertificate({ ...base, ipAddresses: ['1.2.3.256'] }), /invalid IP address/);
  assert.throws(() => createSelfSignedCertificate({ ...base, dnsNames: ['bücher.example'] }), /invalid DNS name/);
  assert.throws(() => createSelfSignedCertificate({ ...base, dnsNames: [''] }), /invalid DNS name/);
  const pss = nodeCrypto.importPrivateKey(execFileSync('openssl', ['genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:1024']).toString());
  assert.equal(pss.type, 'rsa-pss');
  assert.throws(() => createSelfSignedCertificate({ provider: nodeCrypto, key: pss }), /cannot sign a certificate with a rsa-pss key/);
});
