/**
 * The portable (@noble/* + BigInt RSA) provider: the shared conformance suite, plus checks of what
 * only this provider has: the RSA arithmetic and encodings of portable/rsa.ts against OpenSSL,
 * and key formats OpenSSL writes that the conformance suite does not reach.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createPrivateKey, createPublicKey, ECDH, generateKeyPairSync, privateDecrypt, publicEncrypt, sign as nodeSign } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { nodeCrypto } from '../../src/crypto/node.js';
import { PortablePrivateKey, PortablePublicKey, portableCrypto as p } from '../../src/crypto/portable.js';
import { i2osp, modInverse, modPow, os2ip } from '../../src/crypto/portable/rsa.js';
import { SignatureScheme as S } from '../../src/wire/enums.js';
import { runProviderConformance } from './provider-conformance.js';

runProviderConformance(p);

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('portable provider: keys are its own wrappers; node keys are refused, not misused', () => {
  const key = p.generatePrivateKey('ed25519');
  assert.ok(key instanceof PortablePrivateKey);
  assert.ok(p.importPublicKey(p.publicKeyOf(key)) instanceof PortablePublicKey);
  const nodeKey = nodeCrypto.generatePrivateKey('ed25519');
  assert.throws(() => p.sign(S.ed25519, nodeKey, ascii('m')), TypeError);
  assert.equal(p.verify(S.ed25519, nodeCrypto.importPublicKey(nodeCrypto.publicKeyOf(nodeKey)), ascii('m'), new Uint8Array(64)), false);
});

test('portable RSA: integer helpers (I2OSP/OS2IP round trip, modPow and modInverse against BigInt identities)', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 300n) - 1n }), fc.bigInt({ min: 0n, max: 1n << 64n }), fc.bigInt({ min: 3n, max: (1n << 200n) - 1n }), (x, e, m) => {
      assert.equal(os2ip(i2osp(x, 40)), x);
      // modPow against repeated squaring written the obvious way.
      let expected = 1n;
      let base = x % m;
      for (let k = e; k > 0n; k >>= 1n) {
        if (k & 1n) expected = (expected * base) % m;
        base = (base * base) % m;
      }
      assert.equal(modPow(x, e, m), expected);
    }),
    { numRuns: 200 },
  );
  const prime = (1n << 127n) - 1n;
  for (const a of [2n, 3n, 12345678901234567890n]) assert.equal((a * modInverse(a, prime)) % prime, 1n);
  assert.throws(() => modInverse(6n, 9n), RangeError);
  assert.throws(() => i2osp(256n, 1), RangeError);
});

test('portable RSA: the raw private operation equals OpenSSL\'s (RSA with no padding, CRT + blinding undone)', () => {
  const key = p.generatePrivateKey('rsa-2048');
  const openssl = createPrivateKey({ key: Buffer.from(p.exportPrivateKey(key)), format: 'der', type: 'pkcs8' });
  // PKCS#1 v1.5 is deterministic: our signature must be byte-identical to OpenSSL's.
  for (const [scheme, hash] of [
    [S.rsa_pkcs1_sha256, 'sha256'],
    [S.rsa_pkcs1_sha384, 'sha384'],
    [S.rsa_pkcs1_sha512, 'sha512'],
  ] as const) {
    const msg = ascii(`deterministic ${hash}`);
    assert.equal(toHex(p.sign(scheme, key, msg, true)), nodeSign(hash, msg, { key: openssl, padding: constants.RSA_PKCS1_PADDING }).toString('hex'));
  }
  // And our exported key decrypts what its public half encrypts, through OpenSSL.
  const m = Buffer.from('00'.repeat(200) + 'ab'.repeat(56), 'hex');
  const der = p.publicKeyOf(key);
  const pub = nodeCrypto.importPublicKey(der);
  assert.equal(pub.bits, 2048);
  assert.equal(privateDecrypt({ key: openssl, padding: constants.RSA_NO_PADDING }, Buffer.from(nodeRawEncrypt(der, m))).toString('hex'), m.toString('hex'));
});

/** RSA encryption with no padding, via OpenSSL, for the round trip above. */
function nodeRawEncrypt(spki: Uint8Array, m: Buffer): Buffer {
  return publicEncrypt({ key: createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }), padding: constants.RSA_NO_PADDING }, m);
}

test('portable RSA: PSS signatures are randomised (fresh salt) and verify; bad PSS encodings are refused', () => {
  const key = p.generatePrivateKey('rsa-2048');
  const pub = p.importPublicKey(p.publicKeyOf(key));
  const msg = ascii('pss');
  const a = p.sign(S.rsa_pss_rsae_sha256, key, msg);
  const b = p.sign(S.rsa_pss_rsae_sha256, key, msg);
  assert.notEqual(toHex(a), toHex(b));
  assert.ok(p.verify(S.rsa_pss_rsae_sha256, pub, msg, a) && p.verify(S.rsa_pss_rsae_sha256, pub, msg, b));
  // A signature >= n (all 0xff) and zero are outside RSAVP1's range.
  assert.equal(p.verify(S.rsa_pss_rsae_sha256, pub, msg, new Uint8Array(256).fill(0xff)), false);
  assert.equal(p.verify(S.rsa_pss_rsae_sha256, pub, msg, new Uint8Array(256)), false);
  // A PKCS#1 v1.5 signature is not a PSS one, and the reverse.
  const v15 = p.sign(S.rsa_pkcs1_sha256, key, msg, true);
  assert.equal(p.verify(S.rsa_pss_rsae_sha256, pub, msg, v15), false);
  assert.equal(p.verify(S.rsa_pkcs1_sha256, pub, msg, a, true), false);
});

test('portable keys: OpenSSL-written forms (SEC1 with EC PARAMETERS block, PKCS#1 DER, 3072-bit and e=3 RSA) import and sign', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const params = '-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n';
  const withParams = params + (ec.privateKey.export({ format: 'pem', type: 'sec1' }) as string);
  const k = p.importPrivateKey(withParams);
  assert.deepEqual([k.type, k.curve], ['ec', 'P-384']);
  assert.equal(toHex(p.publicKeyOf(k)), ec.publicKey.export({ format: 'der', type: 'spki' }).toString('hex'));

  const rsa3072 = generateKeyPairSync('rsa', { modulusLength: 3072, publicExponent: 3 });
  const r = p.importPrivateKey(new Uint8Array(rsa3072.privateKey.export({ format: 'der', type: 'pkcs1' })));
  assert.equal(r.bits, 3072);
  const msg = ascii('3072');
  const sig = p.sign(S.rsa_pss_rsae_sha384, r, msg);
  assert.equal(sig.length, 384);
  assert.ok(nodeCrypto.verify(S.rsa_pss_rsae_sha384, nodeCrypto.importPublicKey(rsa3072.publicKey.export({ format: 'der', type: 'spki' })), msg, sig));
  // Compressed EC points in a SubjectPublicKeyInfo are accepted and normalised to uncompressed.
  const spki = ec.publicKey.export({ format: 'der', type: 'spki' });
  const parsed = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  const point = Buffer.from(parsed.subjectPublicKey);
  parsed.subjectPublicKey = new Uint8Array(ECDH.convertKey(point, 'secp384r1', undefined, undefined, 'compressed') as Buffer).slice().buffer;
  const fromCompressed = p.importPublicKey(new Uint8Array(AsnConvert.serialize(parsed)));
  assert.equal(fromCompressed.curve, 'P-384');
  const ecSig = p.sign(S.ecdsa_secp384r1_sha384, k, msg);
  assert.ok(p.verify(S.ecdsa_secp384r1_sha384, fromCompressed, msg, ecSig));
});

test('portable keys: encrypted PEM keys are refused with a clear message', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const encrypted = ec.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-128-cbc', passphrase: 'x' }) as string;
  assert.throws(() => p.importPrivateKey(encrypted), /encrypted private keys are not supported/);
  assert.throws(() => nodeCrypto.importPrivateKey(encrypted), /cannot read private key/, 'node refuses it too');
});
