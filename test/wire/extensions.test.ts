import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertDescription } from '../../src/wire/enums.js';
import { Reason, TlsFailure } from '../../src/wire/errors.js';
import {
  bindersLength,
  decodeAlpn,
  decodeCertificateAuthorities,
  decodeCookie,
  decodeEarlyDataMax,
  decodeEcPointFormats,
  decodeKeyShareClient,
  decodeKeyShareHrr,
  decodeKeyShareServer,
  decodeOfferedPsks,
  decodePskModes,
  decodeRecordSizeLimit,
  decodeRenegotiationInfo,
  decodeSelectedPsk,
  decodeServerNameList,
  decodeSupportedVersionsClient,
  decodeSupportedVersionsServer,
  decodeU16List,
  encodeAlpn,
  encodeCertificateAuthorities,
  encodeCookie,
  encodeEarlyDataMax,
  encodeEcPointFormats,
  encodeKeyShareClient,
  encodeKeyShareHrr,
  encodeKeyShareServer,
  encodeOfferedPsks,
  encodePskModes,
  encodeRecordSizeLimit,
  encodeRenegotiationInfo,
  encodeSelectedPsk,
  encodeServerNameList,
  encodeSupportedVersionsClient,
  encodeSupportedVersionsServer,
  encodeU16List,
  expectEmpty,
} from '../../src/wire/extensions.js';
import type { OfferedPsks } from '../../src/wire/messages.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

function assertFails(fn: () => unknown, alert: number, reason?: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TlsFailure, `expected TlsFailure, got ${String(caught)}`);
  assert.equal(caught.alert, alert, caught.message);
  if (reason !== undefined) assert.equal(caught.reason, reason, caught.message);
}

/** Every strict prefix of `data` and `data` plus a trailing byte must fail with decode_error. */
function assertStrict(decode: (d: Uint8Array) => unknown, data: Uint8Array): void {
  for (let i = 0; i < data.length; i++) assertFails(() => decode(data.subarray(0, i)), AlertDescription.decode_error);
  const longer = new Uint8Array(data.length + 1);
  longer.set(data);
  assertFails(() => decode(longer), AlertDescription.decode_error);
}

test('server_name: wire form, round trip, strictness', () => {
  const enc = encodeServerNameList('server');
  assert.equal(toHex(enc), '0009000006736572766572'); // as in RFC 8448 section 3
  assert.equal(decodeServerNameList(enc), 'server');
  // Returned as sent, no case folding; LDH plus '.' and '_' accepted.
  assert.equal(decodeServerNameList(encodeServerNameList('Www.Ex_ample-1.COM')), 'Www.Ex_ample-1.COM');
  assertStrict(decodeServerNameList, enc);
  // Empty list, empty host name.
  assertFails(() => decodeServerNameList(hex('0000')), AlertDescription.decode_error);
  assertFails(() => decodeServerNameList(hex('0003000000')), AlertDescription.decode_error);
  // Only host_name (0) is understood.
  assertFails(() => decodeServerNameList(hex('000401000161')), AlertDescription.decode_error, Reason.SSL_R_BAD_EXTENSION);
  // Two host names.
  assertFails(() => decodeServerNameList(hex('0008' + '00000161' + '00000162')), AlertDescription.illegal_parameter);
  // NUL, space, non-ASCII, too long: unrecognized_name, as OpenSSL does.
  assertFails(() => decodeServerNameList(hex('0006000003610062')), AlertDescription.unrecognized_name, Reason.SSL_R_BAD_EXTENSION);
  assertFails(() => decodeServerNameList(hex('0006000003612062')), AlertDescription.unrecognized_name);
  assertFails(() => decodeServerNameList(hex('000600000361c362')), AlertDescription.unrecognized_name);
  const long = new Uint8Array(2 + 3 + 256).fill(0x61);
  long.set([0x01, 0x03, 0x00, 0x01, 0x00]);
  assertFails(() => decodeServerNameList(long), AlertDescription.unrecognized_name);
  assert.equal(decodeServerNameList(encodeServerNameList('a'.repeat(255))).length, 255);
  // Encoder refuses what the decoder would refuse.
  assert.throws(() => encodeServerNameList(''), RangeError);
  assert.throws(() => encodeServerNameList('a'.repeat(256)), RangeError);
  assert.throws(() => encodeServerNameList('bad host'), RangeError);
  assert.throws(() => encodeServerNameList('bücher.example'), RangeError);
});

test('u16 lists (supported_groups, signature_algorithms)', () => {
  const enc = encodeU16List([0x001d, 0x0017, 0xffff]);
  assert.equal(toHex(enc), '0006001d0017ffff');
  assert.deepEqual(decodeU16List(enc, 'supported_groups'), [0x001d, 0x0017, 0xffff]);
  assertStrict((d) => decodeU16List(d, 'supported_groups'), enc);
  assertFails(() => decodeU16List(hex('0000'), 'supported_groups'), AlertDescription.decode_error);
  assertFails(() => decodeU16List(hex('0003001d00'), 'supported_groups'), AlertDescription.decode_error);
  // A caller may allow an empty list explicitly.
  assert.deepEqual(decodeU16List(hex('0000'), 'x', 0), []);
  assert.throws(() => encodeU16List([]), RangeError);
});

test('supported_versions: client and server forms', () => {
  const c = encodeSupportedVersionsClient([0x0304, 0x0303, 0x7f1c]);
  assert.equal(toHex(c), '06030403037f1c');
  assert.deepEqual(decodeSupportedVersionsClient(c), [0x0304, 0x0303, 0x7f1c]);
  assertStrict(decodeSupportedVersionsClient, c);
  assertFails(() => decodeSupportedVersionsClient(hex('00')), AlertDescription.decode_error);
  assertFails(() => decodeSupportedVersionsClient(hex('030304ff')), AlertDescription.decode_error);
  const s = encodeSupportedVersionsServer(0x0304);
  assert.equal(toHex(s), '0304');
  assert.equal(decodeSupportedVersionsServer(s), 0x0304);
  assertStrict(decodeSupportedVersionsServer, s);
});

test('key_share: client, server and HelloRetryRequest forms', () => {
  const entries = [
    { group: 0x001d, keyExchange: bytes(32, 1) },
    { group: 0x0017, keyExchange: bytes(65, 4) },
  ];
  const c = encodeKeyShareClient(entries);
  assert.deepEqual(decodeKeyShareClient(c), entries);
  assertStrict(decodeKeyShareClient, c);
  // An empty client_shares list is legal (the client wants a HelloRetryRequest).
  assert.deepEqual(decodeKeyShareClient(encodeKeyShareClient([])), []);
  // Empty key_exchange.
  assertFails(() => decodeKeyShareClient(hex('0004001d0000')), AlertDescription.decode_error);
  // Duplicate group.
  assertFails(
    () => decodeKeyShareClient(encodeKeyShareClient([entries[0]!, { group: 0x001d, keyExchange: bytes(32, 2) }])),
    AlertDescription.illegal_parameter,
    Reason.SSL_R_BAD_KEY_SHARE,
  );
  const s = encodeKeyShareServer(entries[1]!);
  assert.deepEqual(decodeKeyShareServer(s), entries[1]);
  assertStrict(decodeKeyShareServer, s);
  const h = encodeKeyShareHrr(0x0017);
  assert.equal(toHex(h), '0017');
  assert.equal(decodeKeyShareHrr(h), 0x0017);
  assertStrict(decodeKeyShareHrr, h);
  assert.throws(() => encodeKeyShareServer({ group: 1, keyExchange: new Uint8Array(0) }), RangeError);
});

test('cookie', () => {
  const c = encodeCookie(bytes(300, 7));
  assert.deepEqual(decodeCookie(c), bytes(300, 7));
  assertStrict(decodeCookie, c);
  assertFails(() => decodeCookie(hex('0000')), AlertDescription.decode_error);
  assert.throws(() => encodeCookie(new Uint8Array(0)), RangeError);
});

test('ALPN: names round-trip as latin1, empty names and lists rejected', () => {
  const enc = encodeAlpn(['h2', 'http/1.1']);
  assert.equal(toHex(enc), '000c02683208687474702f312e31');
  assert.deepEqual(decodeAlpn(enc), ['h2', 'http/1.1']);
  assertStrict(decodeAlpn, enc);
  // Arbitrary bytes survive.
  const raw = encodeAlpn(['\x00\xff\x80']);
  assert.equal(toHex(raw), '000403' + '00ff80');
  assert.deepEqual(decodeAlpn(raw), ['\x00\xff\x80']);
  assertFails(() => decodeAlpn(hex('0000')), AlertDescription.decode_error);
  assertFails(() => decodeAlpn(hex('00030268')), AlertDescription.decode_error);
  assertFails(() => decodeAlpn(hex('0004026832')), AlertDescription.decode_error);
  assertFails(() => decodeAlpn(hex('000400026832')), AlertDescription.decode_error);
  assert.throws(() => encodeAlpn([]), RangeError);
  assert.throws(() => encodeAlpn(['']), RangeError);
  assert.throws(() => encodeAlpn(['\u0100']), RangeError);
});

test('psk_key_exchange_modes', () => {
  const enc = encodePskModes([1, 0]);
  assert.equal(toHex(enc), '020100');
  assert.deepEqual(decodePskModes(enc), [1, 0]);
  assertStrict(decodePskModes, enc);
  assertFails(() => decodePskModes(hex('00')), AlertDescription.decode_error);
  assert.throws(() => encodePskModes([]), RangeError);
});

test('pre_shared_key: offered PSKs, binders length, selected identity', () => {
  const p: OfferedPsks = {
    identities: [
      { identity: bytes(1, 0xaa), obfuscatedTicketAge: 0xffffffff },
      { identity: bytes(200, 0xbb), obfuscatedTicketAge: 7 },
    ],
    binders: [bytes(32, 1), bytes(48, 2)],
  };
  const enc = encodeOfferedPsks(p);
  assert.deepEqual(decodeOfferedPsks(enc), p);
  assertStrict(decodeOfferedPsks, enc);
  // bindersLength covers exactly the trailing binders vector.
  const bl = bindersLength(p.binders);
  assert.equal(bl, 2 + 33 + 49);
  assert.equal((enc[enc.length - bl]! << 8) | enc[enc.length - bl + 1]!, bl - 2);
  // Counts differ.
  const mismatch = new Uint8Array([...encodeOfferedPsks(p).subarray(0, enc.length - bl), ...hex('0021' + '20' + '01'.repeat(32))]);
  assertFails(() => decodeOfferedPsks(mismatch), AlertDescription.illegal_parameter, Reason.SSL_R_BAD_EXTENSION);
  // Identities list shorter than 7 bytes; empty identity; binder shorter than 32.
  assertFails(() => decodeOfferedPsks(hex('0000' + '0021' + '20' + '01'.repeat(32))), AlertDescription.decode_error);
  assertFails(() => decodeOfferedPsks(hex('0007' + '0001aa' + '00000000' + '0000')), AlertDescription.decode_error);
  assertFails(() => decodeOfferedPsks(hex('0007' + '0000' + '0000000000' + '0021' + '20' + '01'.repeat(32))), AlertDescription.decode_error);
  assertFails(() => decodeOfferedPsks(hex('0007' + '0001aa' + '00000000' + '0021' + '1f' + '01'.repeat(32))), AlertDescription.decode_error);
  assert.throws(() => encodeOfferedPsks({ identities: p.identities, binders: [bytes(32, 1)] }), RangeError);
  assert.throws(() => encodeOfferedPsks({ identities: [p.identities[0]!], binders: [bytes(31, 1)] }), RangeError);

  const sel = encodeSelectedPsk(3);
  assert.equal(toHex(sel), '0003');
  assert.equal(decodeSelectedPsk(sel), 3);
  assertStrict(decodeSelectedPsk, sel);
});

test('early_data (NewSessionTicket form) and empty forms', () => {
  const enc = encodeEarlyDataMax(0xfffffffe);
  assert.equal(toHex(enc), 'fffffffe');
  assert.equal(decodeEarlyDataMax(enc), 0xfffffffe);
  assertStrict(decodeEarlyDataMax, enc);
  expectEmpty(new Uint8Array(0), 'early_data');
  assertFails(() => expectEmpty(hex('00'), 'early_data'), AlertDescription.decode_error);
  assert.throws(() => encodeEarlyDataMax(-1), RangeError);
});

test('record_size_limit: values below 64 are illegal_parameter', () => {
  const enc = encodeRecordSizeLimit(16385);
  assert.equal(toHex(enc), '4001');
  assert.equal(decodeRecordSizeLimit(enc), 16385);
  assertStrict(decodeRecordSizeLimit, enc);
  assert.equal(decodeRecordSizeLimit(hex('0040')), 64);
  assertFails(() => decodeRecordSizeLimit(hex('003f')), AlertDescription.illegal_parameter, Reason.SSL_R_BAD_RECORD_SIZE_LIMIT);
  assertFails(() => decodeRecordSizeLimit(hex('0000')), AlertDescription.illegal_parameter, Reason.SSL_R_BAD_RECORD_SIZE_LIMIT);
  assert.throws(() => encodeRecordSizeLimit(63), RangeError);
});

test('ec_point_formats, renegotiation_info, certificate_authorities', () => {
  const pf = encodeEcPointFormats([0]);
  assert.equal(toHex(pf), '0100');
  assert.deepEqual(decodeEcPointFormats(pf), [0]);
  assertStrict(decodeEcPointFormats, pf);
  assertFails(() => decodeEcPointFormats(hex('00')), AlertDescription.decode_error);

  const ri = encodeRenegotiationInfo(new Uint8Array(0));
  assert.equal(toHex(ri), '00');
  assert.equal(decodeRenegotiationInfo(ri).length, 0);
  assert.deepEqual(decodeRenegotiationInfo(encodeRenegotiationInfo(bytes(24, 3))), bytes(24, 3));
  assertStrict(decodeRenegotiationInfo, encodeRenegotiationInfo(bytes(12, 3)));

  const names = [bytes(1, 0x30), bytes(100, 0x31)];
  const ca = encodeCertificateAuthorities(names);
  assert.deepEqual(decodeCertificateAuthorities(ca), names);
  assertStrict(decodeCertificateAuthorities, ca);
  assertFails(() => decodeCertificateAuthorities(hex('0002' + '0000')), AlertDescription.decode_error);
  assertFails(() => decodeCertificateAuthorities(hex('0004' + '0000' + '0000')), AlertDescription.decode_error);
  assert.throws(() => encodeCertificateAuthorities([]), RangeError);
});

test('key_share: the duplicate-group check stays linear on a full 64 KiB list', () => {
  const entries = Array.from({ length: 13106 }, (_, i) => ({ group: i, keyExchange: bytes(1, 1) }));
  const enc = encodeKeyShareClient(entries);
  const started = performance.now();
  assert.equal(decodeKeyShareClient(enc).length, 13106);
  assert.ok(performance.now() - started < 1000);
});
