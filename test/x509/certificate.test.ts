import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, Extension, Extensions, Version } from '@peculiar/asn1-x509';
import { nodeCrypto } from '../../src/crypto/node.js';
import { AlertDescription, SignatureScheme } from '../../src/wire/enums.js';
import { Reason, TlsFailure } from '../../src/wire/errors.js';
import {
  ParsedCertificate,
  fingerprint,
  formatIpAddress,
  parseCertificate,
  parseCertificatesPem,
  parseIpAddress,
} from '../../src/x509/certificate.js';
import { pemDecode } from '../../src/x509/pem.js';
import { createSelfSignedCertificate } from '../../src/x509/self-signed.js';
import { makeTestPki } from '../helpers/pki.js';
import type { PkiCredential } from '../helpers/pki.js';

const pki = makeTestPki();
after(() => pki.cleanup());

/** Runs openssl and returns its stdout. */
function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { cwd: pki.dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** What `openssl x509 -noout -<field>` prints after `<name>=`. */
function opensslField(certPath: string, field: string, ...extra: string[]): string {
  const out = openssl('x509', '-in', certPath, '-noout', `-${field}`, ...extra).trim();
  return out.slice(out.indexOf('=') + 1);
}

/** OpenSSL's RFC 2253 output with ", " between RDNs: our string format (OpenSSL writes " + " inside RDNs). */
const NAMEOPT = 'esc_2253,esc_ctrl,utf8,dump_nostr,dump_unknown,dump_der,sep_comma_plus_space,dn_rev,sname';
function opensslName(certPath: string, which: 'subject' | 'issuer'): string {
  return opensslField(certPath, which, '-nameopt', NAMEOPT).replaceAll(' + ', '+');
}

function opensslDate(certPath: string, which: 'startdate' | 'enddate'): Date {
  return new Date(opensslField(certPath, which, '-dateopt', 'iso_8601').replace(' ', 'T'));
}

function certOf(cred: PkiCredential): ParsedCertificate {
  const blocks = pemDecode(cred.certPem);
  assert.equal(blocks.length, 1);
  return parseCertificate(blocks[0]!.der);
}

/** The TLS scheme that checks an X.509 signature made with `sigAlg` by a key of `issuer`. */
function schemeFor(cert: ParsedCertificate, issuer: ParsedCertificate): number {
  if (cert.signatureAlgorithm.name === 'sha256WithRSAEncryption') return SignatureScheme.rsa_pkcs1_sha256;
  if (cert.signatureAlgorithm.name === 'ecdsa-with-SHA256' && issuer.publicKeyCurve === 'P-256') return SignatureScheme.ecdsa_secp256r1_sha256;
  throw new Error(`no scheme for ${cert.signatureAlgorithm.name}`);
}

function signedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  return nodeCrypto.verify(schemeFor(cert, issuer), nodeCrypto.importPublicKey(issuer.spki), cert.tbsDer, cert.signature);
}

function expectBadCertificate(fn: () => unknown, detail?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TlsFailure, `expected TlsFailure, got ${String(err)}`);
    assert.equal(err.alert, AlertDescription.bad_certificate);
    assert.equal(err.reason, Reason.SSL_R_BAD_CERTIFICATE);
    if (detail) assert.match(err.message, detail);
    return true;
  });
}

/** The fields every openssl-made certificate must agree on with `openssl x509`. */
function checkAgainstOpenssl(cred: PkiCredential, cert: ParsedCertificate): void {
  const path = cred.certPath;
  assert.deepEqual(cert.der, new Uint8Array(execFileSync('openssl', ['x509', '-in', path, '-outform', 'DER'])));
  assert.equal(cert.subject, opensslName(path, 'subject'));
  assert.equal(cert.issuer, opensslName(path, 'issuer'));
  assert.equal(cert.serialNumber, opensslField(path, 'serial'));
  assert.equal(cert.notBefore.getTime(), opensslDate(path, 'startdate').getTime());
  assert.equal(cert.notAfter.getTime(), opensslDate(path, 'enddate').getTime());
  assert.equal(fingerprint(nodeCrypto, cert), opensslField(path, 'fingerprint', '-sha256'));
  assert.equal(fingerprint(nodeCrypto, cert, 'sha384'), opensslField(path, 'fingerprint', '-sha384'));
  const pubkey = pemDecode(openssl('x509', '-in', path, '-noout', '-pubkey'));
  assert.equal(pubkey[0]!.label, 'PUBLIC KEY');
  assert.deepEqual(cert.spki, pubkey[0]!.der);
  const text = openssl('x509', '-in', path, '-noout', '-text');
  assert.ok(text.includes(`Signature Algorithm: ${cert.signatureAlgorithm.name}`), cert.signatureAlgorithm.name);
  assert.equal(cert.version, 3);
  assert.ok(text.includes('Version: 3 (0x2)'));
  // node's view of the same certificate, as a second opinion.
  const x = new X509Certificate(cred.certPem);
  assert.equal(cert.notAfter.getTime(), new Date(x.validTo).getTime());
  assert.equal(cert.isCA, x.ca);
  const nodeSan = (x.subjectAltName ?? '').split(', ').filter((s) => s !== '');
  assert.deepEqual(
    nodeSan,
    [...cert.subjectAltNames.dns.map((d) => `DNS:${d}`), ...cert.subjectAltNames.ip.map((i) => `IP Address:${i}`)],
  );
}

test('self-signed RSA leaf made by openssl', () => {
  const cert = certOf(pki.rsa);
  checkAgainstOpenssl(pki.rsa, cert);
  assert.equal(cert.subject, 'CN=localhost');
  assert.equal(cert.issuer, 'CN=localhost');
  assert.equal(cert.commonName, 'localhost');
  assert.equal(cert.publicKeyAlgorithm, 'rsa');
  assert.equal(cert.publicKeyCurve, undefined);
  assert.deepEqual(cert.signatureAlgorithm, {
    oid: '1.2.840.113549.1.1.11',
    name: 'sha256WithRSAEncryption',
    parameters: Uint8Array.of(0x05, 0x00),
  });
  assert.deepEqual(cert.subjectAltNames, { dns: ['localhost'], ip: ['127.0.0.1'], email: [], uri: [] });
  assert.equal(cert.isCA, false);
  assert.equal(cert.pathLength, undefined);
  assert.deepEqual(cert.keyUsage, ['digitalSignature', 'keyEncipherment']);
  assert.deepEqual(cert.extKeyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.ok(cert.isSelfIssued());
  assert.deepEqual(cert.subjectDer, cert.issuerDer);
  assert.ok(signedBy(cert, cert), 'the signature verifies over tbsDer');
  assert.equal(cert.toPem(), pki.rsa.certPem);
});

test('self-signed ECDSA P-256 leaf made by openssl', () => {
  const cert = certOf(pki.ec);
  checkAgainstOpenssl(pki.ec, cert);
  assert.equal(cert.subject, 'CN=localhost');
  assert.equal(cert.publicKeyAlgorithm, 'ec');
  assert.equal(cert.publicKeyCurve, 'P-256');
  assert.deepEqual(cert.signatureAlgorithm, { oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256' });
  assert.deepEqual(cert.subjectAltNames, { dns: ['localhost'], ip: ['127.0.0.1'], email: [], uri: [] });
  assert.ok(signedBy(cert, cert));
  // The extension list mirrors the certificate, in order.
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
  assert.deepEqual(cert.extension('2.5.29.19')?.valueDer, Uint8Array.of(0x30, 0x00));
  const ski = opensslField(pki.ec.certPath, 'ext', 'subjectKeyIdentifier').trim().split('\n').pop()!.trim();
  assert.equal(Array.from(cert.subjectKeyIdentifier!, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':'), ski);
});

for (const kind of ['ec', 'rsa'] as const) {
  test(`${kind} chain made by openssl: names, constraints, key identifiers and signatures link up`, () => {
    const chain = kind === 'ec' ? pki.ecChain : pki.rsaChain;
    const root = certOf(chain.root);
    const intermediate = certOf(chain.intermediate);
    const leaf = certOf(chain.leaf);
    for (const [cred, cert] of [
      [chain.root, root],
      [chain.intermediate, intermediate],
      [chain.leaf, leaf],
    ] as const) {
      checkAgainstOpenssl(cred, cert);
    }
    openssl('verify', '-CAfile', chain.caPath, '-untrusted', chain.intermediate.certPath, chain.leaf.certPath);

    const label = kind === 'ec' ? 'EC' : 'RSA';
    assert.equal(leaf.subject, 'CN=localhost, O=typessl test');
    assert.equal(leaf.commonName, 'localhost');
    assert.equal(leaf.issuer, `CN=typessl test intermediate ${label}, O=typessl test`);
    assert.equal(intermediate.issuer, `CN=typessl test root ${label}, O=typessl test`);
    assert.equal(root.issuer, root.subject);
    assert.deepEqual(leaf.issuerDer, intermediate.subjectDer);
    assert.deepEqual(intermediate.issuerDer, root.subjectDer);
    assert.ok(!leaf.isSelfIssued() && !intermediate.isSelfIssued() && root.isSelfIssued());

    assert.equal(root.isCA, true);
    assert.equal(root.pathLength, undefined);
    assert.deepEqual(root.keyUsage, ['keyCertSign', 'cRLSign']);
    assert.equal(intermediate.isCA, true);
    assert.equal(intermediate.pathLength, 0);
    assert.equal(leaf.isCA, false);
    assert.deepEqual(leaf.keyUsage, ['digitalSignature', 'keyEncipherment']);
    assert.deepEqual(leaf.authorityKeyIdentifier, intermediate.subjectKeyIdentifier);
    assert.deepEqual(intermediate.authorityKeyIdentifier, root.subjectKeyIdentifier);
    assert.equal(root.authorityKeyIdentifier, undefined);

    assert.ok(signedBy(leaf, intermediate));
    assert.ok(signedBy(intermediate, root));
    assert.ok(signedBy(root, root));
    assert.ok(!signedBy(leaf, root), 'a signature does not verify under the wrong key');
    const tampered = new ParsedCertificate({ ...leaf, tbsDer: Uint8Array.from(leaf.tbsDer, (b, i) => (i === 20 ? b ^ 1 : b)) });
    assert.ok(!signedBy(tampered, intermediate), 'tbsDer is what the signature covers');

    const parsed = parseCertificatesPem(chain.leaf.chainPem);
    assert.deepEqual(
      parsed.map((c) => c.subject),
      [leaf.subject, intermediate.subject],
    );
    // Keys and other blocks in the same file are skipped.
    assert.equal(parseCertificatesPem(chain.leaf.keyPem + chain.leaf.certPem + chain.root.certPem).length, 2);
    assert.deepEqual(parseCertificatesPem(chain.leaf.keyPem), []);
  });
}

test('names with special characters, multi-valued RDNs and every SAN kind', () => {
  const path = join(pki.dir, 'odd.pem');
  openssl(
    'req', '-config', 'openssl.cnf', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(pki.dir, 'odd.key'), '-out', path, '-days', '2',
    '-subj', '/C=DE/O=Foo, Inc./OU=a\\+b/CN=x<y>;"q"\\\\ z+UID=42/emailAddress=me@example.com/DC=#lead/serialNumber=12 /CN=second',
    '-addext', 'subjectAltName=DNS:a.example,DNS:*.b.example,IP:2001:db8:0:0:1:0:0:1,IP:::ffff:1.2.3.4,IP:10.0.0.1,email:x@y.z,URI:https://example.com/',
  );
  const cert = parseCertificatesPem(openssl('x509', '-in', path))[0]!;
  assert.equal(cert.subject, opensslName(path, 'subject'));
  assert.equal(
    cert.subject,
    'CN=second, serialNumber=12\\ , DC=\\#lead, emailAddress=me@example.com, CN=x\\<y\\>\\;\\"q\\"\\\\ z+UID=42, OU=a\\+b, O=Foo\\, Inc., C=DE',
  );
  assert.equal(cert.commonName, 'x<y>;"q"\\ z', 'the first CN in encoding order');
  assert.deepEqual(cert.subjectAltNames, {
    dns: ['a.example', '*.b.example'],
    ip: ['2001:db8::1:0:0:1', '::ffff:102:304', '10.0.0.1'],
    email: ['x@y.z'],
    uri: ['https://example.com/'],
  });
  assert.equal(cert.keyUsage, undefined);
  assert.equal(cert.extKeyUsage, undefined);
});

test('parseIpAddress and formatIpAddress follow RFC 4291 / RFC 5952', () => {
  const cases: [string, string][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['::', '::'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1::', '1::'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['fe80::1:2:3:4:5:6', 'fe80:0:1:2:3:4:5:6'],
  ];
  for (const [input, canonical] of cases) {
    const b = parseIpAddress(input);
    assert.ok(b, input);
    assert.equal(formatIpAddress(b), canonical, input);
  }
  for (const bad of ['', 'localhost', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1:2:3:4:5:6:7:8:9', '1::2::3', ':::', '12345::', '1:2:3:4:5:6:7', '[::1]', '::1%eth0', '1.2.3.4::', '::1.2.3.4:5', 'g::1', '1:2:3:4:5:6:7::8']) {
    assert.equal(parseIpAddress(bad), null, bad);
  }
  assert.throws(() => formatIpAddress(new Uint8Array(5)), RangeError);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      const text = formatIpAddress(b);
      assert.deepEqual(parseIpAddress(text), b);
    }),
  );
});

// ---------------------------------------------------------------------------------------------
// Malformed input.

/** A certificate re-serialized after `edit` changed its structure (the signature no longer matters here). */
function edited(der: Uint8Array, edit: (c: Certificate) => void): Uint8Array {
  const c = AsnConvert.parse(der, Certificate);
  edit(c);
  return new Uint8Array(AsnConvert.serialize(c));
}

function withExtension(der: Uint8Array, oid: string, valueDer: number[], critical = false): Uint8Array {
  return edited(der, (c) => {
    const exts = c.tbsCertificate.extensions ?? new Extensions();
    exts.push(new Extension({ extnID: oid, critical, extnValue: new OctetString(Uint8Array.from(valueDer)) }));
    c.tbsCertificate.extensions = exts;
  });
}

test('structural defects are rejected as bad_certificate', () => {
  const der = certOf(pki.ec).der;
  // Sanity: the editing helper itself yields a parseable certificate.
  parseCertificate(edited(der, () => {}));

  expectBadCertificate(() => parseCertificate(new Uint8Array(0)), /truncated/);
  expectBadCertificate(() => parseCertificate(Uint8Array.of(...der, 0)), /trailing/);
  const indefinite = der.slice();
  assert.equal(indefinite[1], 0x82);
  indefinite[1] = 0x80;
  expectBadCertificate(() => parseCertificate(indefinite), /indefinite/);
  const nonMinimal = Uint8Array.of(0x30, 0x83, 0x00, der[2]!, der[3]!, ...der.subarray(4));
  expectBadCertificate(() => parseCertificate(nonMinimal), /non-minimal/);
  expectBadCertificate(
    () => parseCertificate(edited(der, (c) => (c.signatureAlgorithm = new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.3' })))),
    /differs/,
  );
  expectBadCertificate(() => parseCertificate(edited(der, (c) => (c.tbsCertificate.version = 7 as Version))), /version/);
  expectBadCertificate(() => parseCertificate(edited(der, (c) => (c.tbsCertificate.version = 0))), /extensions in a version 1/);
  // RFC 5280 4.2: an extension appears at most once.
  expectBadCertificate(() => parseCertificate(withExtension(der, '2.5.29.19', [0x30, 0x00])), /duplicate extension 2\.5\.29\.19/);
  // A 5-byte iPAddress, an 8-byte (netmask) one, a non-ASCII dNSName, an empty SAN.
  const noSan = edited(der, (c) => {
    c.tbsCertificate.extensions = new Extensions(c.tbsCertificate.extensions!.filter((e) => e.extnID !== '2.5.29.17'));
  });
  assert.deepEqual(parseCertificate(noSan).subjectAltNames, { dns: [], ip: [], email: [], uri: [] });
  expectBadCertificate(() => parseCertificate(withExtension(noSan, '2.5.29.17', [0x30, 0x07, 0x87, 0x05, 1, 2, 3, 4, 5])), /iPAddress/);
  expectBadCertificate(() => parseCertificate(withExtension(noSan, '2.5.29.17', [0x30, 0x0a, 0x87, 0x08, 10, 0, 0, 0, 255, 0, 0, 0])), /iPAddress/);
  expectBadCertificate(() => parseCertificate(withExtension(noSan, '2.5.29.17', [0x30, 0x04, 0x82, 0x02, 0x61, 0xe9])), /IA5String/);
  expectBadCertificate(() => parseCertificate(withExtension(noSan, '2.5.29.17', [0x30, 0x00])), /empty subjectAltName/);
  expectBadCertificate(() => parseCertificate(withExtension(noSan, '2.5.29.17', [0x04, 0x00])));
  // Negative pathLenConstraint; keyUsage that is not a BIT STRING.
  const noBc = edited(der, (c) => {
    c.tbsCertificate.extensions = new Extensions(c.tbsCertificate.extensions!.filter((e) => e.extnID !== '2.5.29.19'));
  });
  assert.equal(parseCertificate(noBc).isCA, false);
  expectBadCertificate(() => parseCertificate(withExtension(noBc, '2.5.29.19', [0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0xff])), /pathLen/);
  assert.equal(parseCertificate(withExtension(noBc, '2.5.29.19', [0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x05])).pathLength, 5);
  const noKu = edited(der, (c) => {
    c.tbsCertificate.extensions = new Extensions(c.tbsCertificate.extensions!.filter((e) => e.extnID !== '2.5.29.15'));
  });
  expectBadCertificate(() => parseCertificate(withExtension(noKu, '2.5.29.15', [0x04, 0x01, 0x80])));
  // An unknown critical extension parses (rejecting it is path validation's job) and is reported.
  const unknown = parseCertificate(withExtension(der, '1.2.3.4', [0x05, 0x00], true));
  assert.deepEqual(unknown.extension('1.2.3.4'), { oid: '1.2.3.4', critical: true, valueDer: Uint8Array.of(0x05, 0x00) });
});

test('the parsed certificate does not alias the caller buffer', () => {
  const der = certOf(pki.ec).der.slice();
  const cert = parseCertificate(der);
  const subject = cert.subjectDer.slice();
  der.fill(0);
  assert.deepEqual(cert.subjectDer, subject);
});

/** Seeds for the property tests: openssl's certificates and ours. */
const seeds: Uint8Array[] = [
  certOf(pki.ec).der,
  certOf(pki.rsa).der,
  certOf(pki.ecChain.intermediate).der,
  createSelfSignedCertificate({ provider: nodeCrypto, keyKind: 'ed25519' }).certificateDer,
];

function parsesOrBadCertificate(der: Uint8Array): void {
  try {
    parseCertificate(der);
  } catch (err) {
    assert.ok(err instanceof TlsFailure, `threw ${String(err)}`);
    assert.equal(err.alert, AlertDescription.bad_certificate);
    assert.equal(err.reason, Reason.SSL_R_BAD_CERTIFICATE);
  }
}

test('property: every truncation of a certificate is a bad_certificate TlsFailure', () => {
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.nat(), (der, n) => {
      expectBadCertificate(() => parseCertificate(der.subarray(0, n % der.length)));
    }),
    { numRuns: 1000 },
  );
});

test('property: random bytes are a bad_certificate TlsFailure', () => {
  const randomDer = fc.oneof(
    fc.uint8Array({ maxLength: 600 }),
    // A plausible outer SEQUENCE header in front of random contents gets past the first check.
    fc.uint8Array({ maxLength: 120 }).map((body) => Uint8Array.of(0x30, body.length, ...body)),
    fc.uint8Array({ minLength: 128, maxLength: 600 }).map((body) => Uint8Array.of(0x30, 0x82, body.length >> 8, body.length & 0xff, ...body)),
  );
  fc.assert(
    fc.property(randomDer, (der) => {
      expectBadCertificate(() => parseCertificate(der));
    }),
    { numRuns: 2000 },
  );
});

test('property: a certificate with corrupted bytes parses or fails with bad_certificate, nothing else', () => {
  const mutation = fc.record({
    der: fc.constantFrom(...seeds),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
  });
  fc.assert(
    fc.property(mutation, ({ der, edits }) => {
      const copy = der.slice();
      for (const [at, value] of edits) copy[at % copy.length] = value;
      parsesOrBadCertificate(copy);
    }),
    { numRuns: 2000 },
  );
});
