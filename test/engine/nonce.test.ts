/**
 * The shared-scratch nonces and TLS 1.2 AAD (src/engine/record/nonce.ts) against the RFC
 * constructions computed independently with BigInt, across the 32-bit boundary of the sequence
 * number, and interleaved record protections that share the scratch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../src/crypto/node.js';
import { PackedIv, tls12Aad } from '../../src/engine/record/nonce.js';
import { RecordProtection13 } from '../../src/engine/record/protect.js';
import { RecordProtection12 } from '../../src/engine/record/protect12.js';
import { ContentType } from '../../src/wire/enums.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const SEQS = [0, 1, 255, 256, 0xffffffff, 0x100000000, 0x1234567890ab, Number.MAX_SAFE_INTEGER];

/** IV (zero-padded to 12 bytes) xor the big-endian 64-bit seq in its last 8 bytes. */
function expectedNonce(iv: Uint8Array, seq: number): string {
  const n = Buffer.alloc(12);
  n.set(iv);
  const s = Buffer.alloc(8);
  s.writeBigUInt64BE(BigInt(seq));
  for (let i = 0; i < 8; i++) n[4 + i]! ^= s[i]!;
  return toHex(n);
}

test('sequenceNonce: RFC 8446 5.3 / RFC 7905 IV xor sequence number, 12-byte IVs, across 2^32', () => {
  for (const ivHex of ['000000000000000000000000', 'ffffffffffffffffffffffff', '5d313eb2671276ee13000b30']) {
    const iv = Buffer.from(ivHex, 'hex');
    const packed = new PackedIv(iv);
    for (const seq of SEQS) assert.equal(toHex(packed.sequenceNonce(seq)), expectedNonce(iv, seq), `iv ${ivHex} seq ${seq}`);
  }
});

test('sequenceNonce with a 4-byte IV is RFC 5288 fixed IV || sequence number; explicitNonce takes the received one', () => {
  const iv = Buffer.from('a1b2c3d4', 'hex');
  const packed = new PackedIv(iv);
  for (const seq of SEQS) {
    const s = Buffer.alloc(8);
    s.writeBigUInt64BE(BigInt(seq));
    assert.equal(toHex(packed.sequenceNonce(seq)), 'a1b2c3d4' + toHex(s));
  }
  assert.equal(toHex(packed.explicitNonce(Buffer.from('0102030405060708', 'hex'))), 'a1b2c3d40102030405060708');
  assert.throws(() => new PackedIv(new Uint8Array(13)), RangeError);
  // The record protections check their own IV lengths before packing.
  assert.throws(() => new RecordProtection13(nodeCrypto.createAead('aes-128-gcm', new Uint8Array(16)), new Uint8Array(4)), RangeError);
  assert.throws(() => new RecordProtection12(nodeCrypto.createAead('aes-128-gcm', new Uint8Array(16)), new Uint8Array(8)), RangeError);
});

test('tls12Aad: seq_num || type || version || length (RFC 5246 6.2.3.3)', () => {
  for (const seq of SEQS) {
    const s = Buffer.alloc(8);
    s.writeBigUInt64BE(BigInt(seq));
    assert.equal(toHex(tls12Aad(seq, 23, 3, 3, 0x1234)), toHex(s) + '17' + '0303' + '1234');
  }
});

test('protections of many connections interleave over the shared scratch and still open each other', () => {
  const make13 = () => {
    const key = nodeCrypto.randomBytes(16);
    const iv = nodeCrypto.randomBytes(12);
    return [new RecordProtection13(nodeCrypto.createAead('aes-128-gcm', key), iv), new RecordProtection13(nodeCrypto.createAead('aes-128-gcm', key), iv)] as const;
  };
  const make12 = () => {
    const key = nodeCrypto.randomBytes(32);
    const iv = nodeCrypto.randomBytes(12);
    return [new RecordProtection12(nodeCrypto.createAead('chacha20-poly1305', key), iv), new RecordProtection12(nodeCrypto.createAead('chacha20-poly1305', key), iv)] as const;
  };
  const pairs = [make13(), make12(), make13(), make12()];
  for (let round = 0; round < 5; round++) {
    const sealed = pairs.map(([sealer], i) => sealer.seal(ContentType.application_data, Uint8Array.of(round, i)));
    // Opened in reverse order, so each open runs after other keys have used the scratch.
    for (let i = pairs.length - 1; i >= 0; i--) {
      const record = sealed[i]!;
      const opened = pairs[i]![1].open(record.subarray(0, 5), record.subarray(5));
      assert.deepEqual([...opened.content], [round, i]);
    }
  }
  assert.throws(() => new RecordProtection13(nodeCrypto.createAead('aes-128-gcm', new Uint8Array(16)), new Uint8Array(8)), /12 bytes/);
});
