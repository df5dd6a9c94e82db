/**
 * The TLS 1.2 building blocks against outside answers: the PRF against the published IETF TLS WG
 * test vectors and OpenSSL's TLS1-PRF, and AEAD record protection against records built
 * independently with node:crypto (RFC 5288 nonce and AAD for AES-GCM, RFC 7905 for ChaCha20).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { nodeCrypto } from '../../../src/crypto/node.js';
import { RecordProtection12 } from '../../../src/engine/record/protect12.js';
import { extendedMasterSecret, finishedVerifyData12, keyBlock, masterSecret, prf12 } from '../../../src/engine/tls12/prf.js';
import { ContentType } from '../../../src/wire/enums.js';
import { TlsFailure } from '../../../src/wire/errors.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('PRF SHA-256: the IETF TLS WG test vector (100 bytes)', () => {
  const out = prf12(nodeCrypto, 'sha256', hex('9bbe436ba940f017b17652849a71db35'), 'test label', hex('a0ba9f936cda311827a6f796ffd5198c'), 100);
  assert.equal(
    toHex(out),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
  );
});

test('PRF SHA-384: the IETF TLS WG test vector (148 bytes)', () => {
  const expected =
    '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f';
  const out = prf12(nodeCrypto, 'sha384', hex('b80b733d6ceefcdc71566ea48e5567df'), 'test label', hex('cd665cf6a8447dd6ff8b27555edb7465'), expected.length / 2);
  assert.equal(toHex(out), expected);
});

/** OpenSSL's TLS1-PRF (openssl kdf), for derived values with no published vector. */
function opensslPrf(digest: 'SHA256' | 'SHA384', secret: Uint8Array, label: string, seed: Uint8Array, length: number): string {
  const out = execFileSync('openssl', [
    'kdf', '-keylen', String(length), '-kdfopt', `digest:${digest}`, '-kdfopt', `hexsecret:${toHex(secret)}`,
    '-kdfopt', `seed:${label}`, '-kdfopt', `hexseed:${toHex(seed)}`, 'TLS1-PRF',
  ], { encoding: 'utf8' });
  return out.trim().replace(/:/g, '').toLowerCase();
}

test('master secret, extended master secret, key block and Finished agree with OpenSSL TLS1-PRF', () => {
  const pms = nodeCrypto.randomBytes(32);
  const cr = nodeCrypto.randomBytes(32);
  const sr = nodeCrypto.randomBytes(32);
  const sessionHash = nodeCrypto.randomBytes(48);
  const ms = masterSecret(nodeCrypto, 'sha256', pms, cr, sr);
  assert.equal(toHex(ms), opensslPrf('SHA256', pms, 'master secret', Buffer.concat([cr, sr]), 48));
  const ems = extendedMasterSecret(nodeCrypto, 'sha384', pms, sessionHash);
  assert.equal(toHex(ems), opensslPrf('SHA384', pms, 'extended master secret', sessionHash, 48));
  const kb = keyBlock(nodeCrypto, 'sha384', ems, cr, sr, 32, 4);
  const block = opensslPrf('SHA384', ems, 'key expansion', Buffer.concat([sr, cr]), 72);
  assert.equal(toHex(kb.clientWriteKey) + toHex(kb.serverWriteKey) + toHex(kb.clientWriteIv) + toHex(kb.serverWriteIv), block);
  const fin = finishedVerifyData12(nodeCrypto, 'sha256', ms, 'server', sessionHash.subarray(0, 32));
  assert.equal(toHex(fin), opensslPrf('SHA256', ms, 'server finished', sessionHash.subarray(0, 32), 12));
});

/** AAD of RFC 5246 6.2.3.3: seq_num || type || version || length. */
function aad(seq: number, type: number, length: number): Buffer {
  const a = Buffer.alloc(13);
  a.writeBigUInt64BE(BigInt(seq), 0);
  a[8] = type;
  a[9] = 3;
  a[10] = 3;
  a.writeUInt16BE(length, 11);
  return a;
}

test('AES-128-GCM records match an independent RFC 5288 construction, and open again', () => {
  const key = nodeCrypto.randomBytes(16);
  const iv = nodeCrypto.randomBytes(4);
  const sealer = new RecordProtection12(nodeCrypto.createAead('aes-128-gcm', key), iv);
  const opener = new RecordProtection12(nodeCrypto.createAead('aes-128-gcm', key), iv);
  for (let seq = 0; seq < 3; seq++) {
    const plain = nodeCrypto.randomBytes(100 + seq);
    const record = sealer.seal(ContentType.application_data, plain);
    // Independently: nonce = fixed IV || 8-byte explicit nonce (the sequence number), sent first.
    const explicit = Buffer.alloc(8);
    explicit.writeBigUInt64BE(BigInt(seq));
    const c = createCipheriv('aes-128-gcm', key, Buffer.concat([iv, explicit]));
    c.setAAD(aad(seq, ContentType.application_data, plain.length));
    const body = Buffer.concat([explicit, c.update(plain), c.final(), c.getAuthTag()]);
    const header = Buffer.from([ContentType.application_data, 3, 3, body.length >> 8, body.length & 0xff]);
    assert.equal(toHex(record), toHex(Buffer.concat([header, body])));
    const opened = opener.open(record.subarray(0, 5), record.subarray(5));
    assert.equal(opened.type, ContentType.application_data);
    assert.equal(toHex(opened.content), toHex(plain));
  }
});

test('ChaCha20-Poly1305 records match an independent RFC 7905 construction', () => {
  const key = nodeCrypto.randomBytes(32);
  const iv = nodeCrypto.randomBytes(12);
  const sealer = new RecordProtection12(nodeCrypto.createAead('chacha20-poly1305', key), iv);
  for (let seq = 0; seq < 3; seq++) {
    const plain = nodeCrypto.randomBytes(50);
    const record = sealer.seal(ContentType.handshake, plain);
    // nonce = IV xor (4 zero bytes || 64-bit sequence number); nothing explicit on the wire.
    const nonce = Buffer.from(iv);
    const s = Buffer.alloc(12);
    s.writeBigUInt64BE(BigInt(seq), 4);
    for (let i = 0; i < 12; i++) nonce[i]! ^= s[i]!;
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    c.setAAD(aad(seq, ContentType.handshake, plain.length), { plaintextLength: plain.length });
    const body = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    assert.equal(toHex(record.subarray(5)), toHex(body));
    assert.equal(record[0], ContentType.handshake);
  }
});

test('a tampered record, a replayed one and a too-short one fail with bad_record_mac', () => {
  const key = nodeCrypto.randomBytes(32);
  const iv = nodeCrypto.randomBytes(4);
  const sealer = new RecordProtection12(nodeCrypto.createAead('aes-256-gcm', key), iv);
  const opener = new RecordProtection12(nodeCrypto.createAead('aes-256-gcm', key), iv);
  const r1 = sealer.seal(ContentType.application_data, new Uint8Array(10));
  const bad = Uint8Array.from(r1);
  bad[bad.length - 1]! ^= 1;
  const fails = (f: () => unknown): void => {
    assert.throws(f, (e: unknown) => e instanceof TlsFailure && e.reason === 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
  };
  fails(() => opener.open(bad.subarray(0, 5), bad.subarray(5)));
  opener.undoLastOpen();
  opener.open(r1.subarray(0, 5), r1.subarray(5));
  fails(() => opener.open(r1.subarray(0, 5), r1.subarray(5))); // same record again: wrong sequence number
  fails(() => opener.open(r1.subarray(0, 5), r1.subarray(5, 15)));
});
