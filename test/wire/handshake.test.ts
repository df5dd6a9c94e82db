import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertDescription, ExtensionType, HandshakeType } from '../../src/wire/enums.js';
import { Reason, TlsFailure } from '../../src/wire/errors.js';
import {
  HandshakeJoiner,
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateRequestTls12,
  decodeCertificateTls12,
  decodeCertificateVerify,
  decodeClientHello,
  decodeClientKeyExchangeEcdhe,
  decodeEncryptedExtensions,
  decodeEndOfEarlyData,
  decodeExtensions,
  decodeFinished,
  decodeHelloRequest,
  decodeKeyUpdate,
  decodeNewSessionTicket,
  decodeNewSessionTicketTls12,
  decodeServerHello,
  decodeServerHelloDone,
  decodeServerKeyExchangeEcdhe,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateRequestTls12,
  encodeCertificateTls12,
  encodeCertificateVerify,
  encodeClientHello,
  encodeClientKeyExchangeEcdhe,
  encodeEcdheParams,
  encodeEncryptedExtensions,
  encodeEndOfEarlyData,
  encodeExtensions,
  encodeFinished,
  encodeHandshake,
  encodeKeyUpdate,
  encodeNewSessionTicket,
  encodeNewSessionTicketTls12,
  encodeServerHello,
  encodeServerHelloDone,
  encodeServerKeyExchangeEcdhe,
  findExtension,
} from '../../src/wire/handshake.js';
import {
  decodeKeyShareClient,
  decodeKeyShareServer,
  decodePskModes,
  decodeRecordSizeLimit,
  decodeRenegotiationInfo,
  decodeServerNameList,
  decodeSupportedVersionsClient,
  decodeSupportedVersionsServer,
  decodeU16List,
  expectEmpty,
} from '../../src/wire/extensions.js';
import { HELLO_RETRY_REQUEST_RANDOM, type Extension } from '../../src/wire/messages.js';
import { Reader } from '../../src/wire/reader.js';
import { Writer } from '../../src/wire/writer.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
const body = (msg: Uint8Array): Uint8Array => msg.subarray(4);

/** Asserts that `fn` throws a TlsFailure with the given alert (and reason, if given). */
function assertFails(fn: () => unknown, alert: number, reason?: string): TlsFailure {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TlsFailure, `expected TlsFailure, got ${String(caught)}`);
  assert.equal(caught.alert, alert, caught.message);
  if (reason !== undefined) assert.equal(caught.reason, reason, caught.message);
  return caught;
}

// RFC 8448 section 3 (Simple 1-RTT Handshake).
const RFC8448_CH = hex(
  '010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001',
);
const RFC8448_SH = hex(
  '020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304',
);

test('RFC 8448 ClientHello decodes field by field and re-encodes byte for byte', () => {
  assert.equal(RFC8448_CH[0], HandshakeType.client_hello);
  const ch = decodeClientHello(body(RFC8448_CH));
  assert.equal(ch.legacyVersion, 0x0303);
  assert.equal(toHex(ch.random), 'cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
  assert.equal(ch.legacySessionId.length, 0);
  assert.deepEqual(ch.cipherSuites, [0x1301, 0x1303, 0x1302]);
  assert.deepEqual([...ch.legacyCompressionMethods], [0]);
  assert.deepEqual(
    ch.extensions.map((e) => e.type),
    [
      ExtensionType.server_name,
      ExtensionType.renegotiation_info,
      ExtensionType.supported_groups,
      ExtensionType.session_ticket,
      ExtensionType.key_share,
      ExtensionType.supported_versions,
      ExtensionType.signature_algorithms,
      ExtensionType.psk_key_exchange_modes,
      ExtensionType.record_size_limit,
    ],
  );
  const ext = (t: number): Uint8Array => findExtension(ch.extensions, t)!.data;
  assert.equal(decodeServerNameList(ext(ExtensionType.server_name)), 'server');
  assert.deepEqual([...decodeRenegotiationInfo(ext(ExtensionType.renegotiation_info))], []);
  assert.deepEqual(decodeU16List(ext(ExtensionType.supported_groups), 'supported_groups'), [
    0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104,
  ]);
  expectEmpty(ext(ExtensionType.session_ticket), 'session_ticket');
  const shares = decodeKeyShareClient(ext(ExtensionType.key_share));
  assert.equal(shares.length, 1);
  assert.equal(shares[0]!.group, 0x001d);
  assert.equal(toHex(shares[0]!.keyExchange), '99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
  assert.deepEqual(decodeSupportedVersionsClient(ext(ExtensionType.supported_versions)), [0x0304]);
  assert.deepEqual(decodeU16List(ext(ExtensionType.signature_algorithms), 'signature_algorithms'), [
    0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602,
    0x0202,
  ]);
  assert.deepEqual(decodePskModes(ext(ExtensionType.psk_key_exchange_modes)), [1]);
  assert.equal(decodeRecordSizeLimit(ext(ExtensionType.record_size_limit)), 0x4001);
  assert.deepEqual(encodeClientHello(ch), RFC8448_CH);
});

test('RFC 8448 ServerHello decodes field by field and re-encodes byte for byte', () => {
  assert.equal(RFC8448_SH[0], HandshakeType.server_hello);
  const sh = decodeServerHello(body(RFC8448_SH));
  assert.equal(sh.legacyVersion, 0x0303);
  assert.equal(toHex(sh.random), 'a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928');
  assert.equal(sh.legacySessionIdEcho.length, 0);
  assert.equal(sh.cipherSuite, 0x1301);
  assert.equal(sh.legacyCompressionMethod, 0);
  assert.deepEqual(
    sh.extensions.map((e) => e.type),
    [ExtensionType.key_share, ExtensionType.supported_versions],
  );
  const ks = decodeKeyShareServer(findExtension(sh.extensions, ExtensionType.key_share)!.data);
  assert.equal(ks.group, 0x001d);
  assert.equal(toHex(ks.keyExchange), 'c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f');
  assert.equal(decodeSupportedVersionsServer(findExtension(sh.extensions, ExtensionType.supported_versions)!.data), 0x0304);
  assert.deepEqual(encodeServerHello(sh), RFC8448_SH);
});

test('encodeHandshake writes type and 24-bit length', () => {
  const m = encodeHandshake(0x42, bytes(0x010203, 7));
  assert.deepEqual([...m.subarray(0, 4)], [0x42, 0x01, 0x02, 0x03]);
  assert.equal(m.length, 4 + 0x010203);
  assert.throws(() => encodeHandshake(1, new Uint8Array(0x1000000)), RangeError);
});

// A sample of every TLS 1.3 message, each with an unknown extension where extensions exist.
const unknownExt: Extension = { type: 0xfafa, data: hex('deadbeef') };
const emptyExt: Extension = { type: 0x1234, data: new Uint8Array(0) };
/**
 * `absentExtensionsAt`: for hellos, the offset right after the compression field, where the TLS 1.2
 * grammar lets the message end (no extension block); every other truncation must fail.
 */
const samples: Array<{
  name: string;
  msg: Uint8Array;
  decode: (b: Uint8Array) => unknown;
  reencode: (m: never) => Uint8Array;
  absentExtensionsAt?: number;
}> = [
  {
    name: 'ClientHello',
    msg: encodeClientHello({
      legacyVersion: 0x0303,
      random: bytes(32, 1),
      legacySessionId: bytes(32, 2),
      cipherSuites: [0x1301, 0x1302],
      legacyCompressionMethods: new Uint8Array([0]),
      extensions: [unknownExt, emptyExt, { type: 41, data: hex('0001') }],
    }),
    decode: decodeClientHello,
    reencode: encodeClientHello,
    absentExtensionsAt: 2 + 32 + (1 + 32) + (2 + 4) + (1 + 1),
  },
  {
    name: 'ServerHello',
    msg: encodeServerHello({
      legacyVersion: 0x0303,
      random: bytes(32, 3),
      legacySessionIdEcho: bytes(5, 4),
      cipherSuite: 0x1302,
      legacyCompressionMethod: 0,
      extensions: [unknownExt],
    }),
    decode: decodeServerHello,
    reencode: encodeServerHello,
    absentExtensionsAt: 2 + 32 + (1 + 5) + 2 + 1,
  },
  {
    name: 'EncryptedExtensions',
    msg: encodeEncryptedExtensions({ extensions: [unknownExt, emptyExt] }),
    decode: decodeEncryptedExtensions,
    reencode: encodeEncryptedExtensions,
  },
  {
    name: 'CertificateRequest',
    msg: encodeCertificateRequest({ context: hex('0102'), extensions: [{ type: 13, data: hex('00020403') }, unknownExt] }),
    decode: decodeCertificateRequest,
    reencode: encodeCertificateRequest,
  },
  {
    name: 'Certificate',
    msg: encodeCertificate({
      context: new Uint8Array(0),
      entries: [
        { data: bytes(300, 0x30), extensions: [unknownExt] },
        { data: bytes(1, 0x31), extensions: [] },
      ],
    }),
    decode: decodeCertificate,
    reencode: encodeCertificate,
  },
  {
    name: 'CertificateVerify',
    msg: encodeCertificateVerify({ scheme: 0x0804, signature: bytes(256, 9) }),
    decode: decodeCertificateVerify,
    reencode: encodeCertificateVerify,
  },
  {
    name: 'NewSessionTicket',
    msg: encodeNewSessionTicket({
      lifetime: 604800,
      ageAdd: 0xfedcba98,
      nonce: hex('00'),
      ticket: bytes(100, 5),
      extensions: [{ type: 42, data: hex('00004000') }, unknownExt],
    }),
    decode: decodeNewSessionTicket,
    reencode: encodeNewSessionTicket,
  },
  {
    name: 'KeyUpdate',
    msg: encodeKeyUpdate({ requestUpdate: 1 }),
    decode: decodeKeyUpdate,
    reencode: encodeKeyUpdate,
  },
  {
    name: 'Finished',
    msg: encodeFinished({ verifyData: bytes(32, 7) }),
    decode: (b) => decodeFinished(b, 32),
    reencode: encodeFinished,
  },
];

for (const s of samples) {
  test(`${s.name}: round-trips byte for byte, unknown extensions included`, () => {
    const decoded = s.decode(body(s.msg));
    assert.deepEqual(s.reencode(decoded as never), s.msg);
    // The header length matches the body.
    assert.equal((s.msg[1]! << 16) | (s.msg[2]! << 8) | s.msg[3]!, s.msg.length - 4);
  });

  test(`${s.name}: truncated at every byte offset fails with decode_error`, () => {
    const b = body(s.msg);
    for (let i = 0; i < b.length; i++) {
      if (i === s.absentExtensionsAt) {
        assert.deepEqual((s.decode(b.subarray(0, i)) as { extensions: Extension[] }).extensions, []);
        continue;
      }
      assertFails(() => s.decode(b.subarray(0, i)), AlertDescription.decode_error);
    }
  });

  test(`${s.name}: trailing bytes fail with decode_error`, () => {
    const b = body(s.msg);
    const longer = new Uint8Array(b.length + 1);
    longer.set(b);
    assertFails(() => s.decode(longer), AlertDescription.decode_error);
  });
}

test('message types in the header are right', () => {
  const expect: Record<string, number> = {
    ClientHello: HandshakeType.client_hello,
    ServerHello: HandshakeType.server_hello,
    EncryptedExtensions: HandshakeType.encrypted_extensions,
    CertificateRequest: HandshakeType.certificate_request,
    Certificate: HandshakeType.certificate,
    CertificateVerify: HandshakeType.certificate_verify,
    NewSessionTicket: HandshakeType.new_session_ticket,
    KeyUpdate: HandshakeType.key_update,
    Finished: HandshakeType.finished,
  };
  for (const s of samples) assert.equal(s.msg[0], expect[s.name], s.name);
  assert.deepEqual([...encodeEndOfEarlyData()], [HandshakeType.end_of_early_data, 0, 0, 0]);
  decodeEndOfEarlyData(new Uint8Array(0));
  assertFails(() => decodeEndOfEarlyData(hex('00')), AlertDescription.decode_error);
});

test('hellos without an extension block decode to [] and re-encode without one', () => {
  const chBody = hex('0303' + '11'.repeat(32) + '00' + '0002c02f' + '0100');
  const ch = decodeClientHello(chBody);
  assert.deepEqual(ch.extensions, []);
  assert.deepEqual(body(encodeClientHello(ch)), chBody);
  // Truncating a hello with extensions exactly after compression is therefore legal, nowhere else.
  const full = body(samples[0]!.msg);
  const cut = 2 + 32 + 1 + 32 + 2 + 4 + 2;
  assert.deepEqual(decodeClientHello(full.subarray(0, cut)).extensions, []);

  const shBody = hex('0303' + '22'.repeat(32) + '00' + 'c02f' + '00');
  const sh = decodeServerHello(shBody);
  assert.deepEqual(sh.extensions, []);
  assert.deepEqual(body(encodeServerHello(sh)), shBody);
  // An explicitly empty block is accepted too.
  assert.deepEqual(decodeServerHello(hex(toHex(shBody) + '0000')).extensions, []);
});

test('ClientHello: length bounds', () => {
  const good = (sid: string, suites: string, comp: string, exts = '0000'): Uint8Array =>
    hex('0303' + 'ab'.repeat(32) + sid + suites + comp + exts);
  decodeClientHello(good('00', '00021301', '0100'));
  // legacy_session_id of 33 bytes.
  assertFails(() => decodeClientHello(good('21' + '00'.repeat(33), '00021301', '0100')), AlertDescription.decode_error);
  // Odd and empty cipher_suites.
  assertFails(() => decodeClientHello(good('00', '000313011302', '0100')), AlertDescription.decode_error);
  assertFails(() => decodeClientHello(good('00', '0000', '0100')), AlertDescription.decode_error);
  // No compression methods.
  assertFails(() => decodeClientHello(good('00', '00021301', '00')), AlertDescription.decode_error);
  // An extension whose length overruns the block.
  assertFails(() => decodeClientHello(good('00', '00021301', '0100', '00040000000500')), AlertDescription.decode_error);
  // A lone byte where the extension block would start.
  assertFails(() => decodeClientHello(good('00', '00021301', '0100', '00')), AlertDescription.decode_error);
});

test('ClientHello: duplicate extensions and a misplaced pre_shared_key are illegal_parameter', () => {
  const base = {
    legacyVersion: 0x0303,
    random: bytes(32, 0),
    legacySessionId: new Uint8Array(0),
    cipherSuites: [0x1301],
    legacyCompressionMethods: new Uint8Array([0]),
  };
  const dup = encodeClientHello({ ...base, extensions: [{ type: 10, data: hex('0002001d') }, unknownExt, { type: 10, data: hex('00020017') }] });
  assertFails(() => decodeClientHello(body(dup)), AlertDescription.illegal_parameter, Reason.SSL_R_DUPLICATE_EXTENSION);
  const pskFirst = encodeClientHello({ ...base, extensions: [{ type: 41, data: hex('00') }, unknownExt] });
  assertFails(() => decodeClientHello(body(pskFirst)), AlertDescription.illegal_parameter, Reason.SSL_R_BAD_EXTENSION);
});

test('extension blocks: a duplicate is caught for types below 32, 32-63 and above; truncation names the extension', () => {
  const block = (...exts: Array<[number, string]>): Reader => {
    const w = new Writer(64);
    w.vec16((b) => {
      for (const [type, data] of exts) {
        b.u16(type);
        b.bytes16(hex(data));
      }
    });
    return new Reader(w.finish());
  };
  // Distinct types in all three ranges decode in wire order; the same number in another range is no duplicate.
  const types = [0, 31, 32, 63, 64, 0xff01, 0xfe0d, 1, 33, 65];
  assert.deepEqual(
    decodeExtensions(block(...types.map((t): [number, string] => [t, '01'])), 'test').map((e) => e.type),
    types,
  );
  for (const t of [0, 13, 31, 32, 51, 63, 64, 0xff01, 0xfe0d]) {
    const failure = assertFails(() => decodeExtensions(block([t, ''], [t === 5 ? 6 : 5, ''], [t, '00']), 'test'), AlertDescription.illegal_parameter, Reason.SSL_R_DUPLICATE_EXTENSION);
    assert.match(failure.message, new RegExp(`extension ${t} appears twice in test`));
  }
  // A header cut short, and a body longer than what is left, each a decode_error naming what was cut.
  const cutHeader = assertFails(() => decodeExtensions(new Reader(hex('0003' + '000a00')), 'test'), AlertDescription.decode_error);
  assert.match(cutHeader.message, /truncated test extension 10 length: need 2 bytes, have 1/);
  const cutBody = assertFails(() => decodeExtensions(new Reader(hex('0006' + '000a0005' + '0102')), 'test'), AlertDescription.decode_error);
  assert.match(cutBody.message, /truncated test extension 10: need 5 bytes, have 2/);
  const cutBlock = assertFails(() => decodeExtensions(new Reader(hex('0009' + '000a')), 'test'), AlertDescription.decode_error);
  assert.match(cutBlock.message, /truncated test extensions: need 9 bytes, have 2/);
  // The largest block: 16383 empty extensions of distinct types, then one that repeats the first.
  const many = new Writer(65536);
  many.vec16((b) => {
    for (let t = 0; t < 16383; t++) b.u16(1000 + t).u16(0);
  });
  assert.equal(decodeExtensions(new Reader(many.finish()), 'test').length, 16383);
  const manyDup = new Writer(65536);
  manyDup.vec16((b) => {
    for (let t = 0; t < 16382; t++) b.u16(1000 + t).u16(0);
    b.u16(1000).u16(0);
  });
  assertFails(() => decodeExtensions(new Reader(manyDup.finish()), 'test'), AlertDescription.illegal_parameter, Reason.SSL_R_DUPLICATE_EXTENSION);
});

test('ServerHello: HelloRetryRequest shares the layout; session id echo <= 32', () => {
  const hrr = {
    legacyVersion: 0x0303,
    random: HELLO_RETRY_REQUEST_RANDOM,
    legacySessionIdEcho: bytes(32, 8),
    cipherSuite: 0x1301,
    legacyCompressionMethod: 0,
    extensions: [
      { type: ExtensionType.supported_versions, data: hex('0304') },
      { type: ExtensionType.key_share, data: hex('0017') },
      { type: ExtensionType.cookie, data: hex('0003010203') },
    ],
  };
  const back = decodeServerHello(body(encodeServerHello(hrr)));
  assert.deepEqual(back.random, HELLO_RETRY_REQUEST_RANDOM);
  assert.deepEqual(encodeServerHello(back), encodeServerHello(hrr));
  const long = hex('0303' + '00'.repeat(32) + '21' + '00'.repeat(33) + '1301' + '00');
  assertFails(() => decodeServerHello(long), AlertDescription.decode_error);
  const dup = encodeServerHello({ ...hrr, extensions: [hrr.extensions[0]!, hrr.extensions[0]!] });
  assertFails(() => decodeServerHello(body(dup)), AlertDescription.illegal_parameter, Reason.SSL_R_DUPLICATE_EXTENSION);
});

test('EncryptedExtensions: duplicates rejected, empty list accepted', () => {
  assert.deepEqual(decodeEncryptedExtensions(hex('0000')).extensions, []);
  assertFails(() => decodeEncryptedExtensions(hex('000800000000' + '00000000')), AlertDescription.illegal_parameter, Reason.SSL_R_DUPLICATE_EXTENSION);
  assertFails(() => decodeEncryptedExtensions(new Uint8Array(0)), AlertDescription.decode_error);
});

test('CertificateRequest: extensions block must be at least 2 bytes', () => {
  assertFails(() => decodeCertificateRequest(hex('00' + '0000')), AlertDescription.decode_error);
  assert.equal(decodeCertificateRequest(hex('00' + '0004000d0000')).extensions.length, 1);
});

test('Certificate: empty list legal, empty cert_data not, per-entry duplicate extensions rejected', () => {
  assert.deepEqual(decodeCertificate(hex('00000000')).entries, []);
  assertFails(() => decodeCertificate(hex('00' + '000005' + '000000' + '0000')), AlertDescription.decode_error);
  assertFails(
    () => decodeCertificate(hex('00' + '000010' + '00000130' + '000a' + '00050001aa' + '00050001bb')),
    AlertDescription.illegal_parameter,
    Reason.SSL_R_DUPLICATE_EXTENSION,
  );
  // An entry whose cert_data overruns the list.
  assertFails(() => decodeCertificate(hex('00' + '000006' + '0000ff30' + '0000')), AlertDescription.decode_error);
});

test('CertificateVerify: an empty signature is legal on the wire; a short one is not', () => {
  assert.equal(decodeCertificateVerify(hex('08040000')).signature.length, 0);
  assertFails(() => decodeCertificateVerify(hex('0804000501')), AlertDescription.decode_error);
});

test('Finished: any length without an expectation, exact length with one', () => {
  assert.equal(decodeFinished(bytes(48, 1)).verifyData.length, 48);
  assertFails(() => decodeFinished(bytes(31, 1), 32), AlertDescription.decode_error, 'SSL_R_BAD_DIGEST_LENGTH');
  assertFails(() => decodeFinished(bytes(12, 1), 32), AlertDescription.decode_error);
  decodeFinished(bytes(12, 1), 12);
});

test('NewSessionTicket: ticket must be non-empty; nonce may be empty', () => {
  const nst = decodeNewSessionTicket(hex('00001c20' + '01020304' + '00' + '000101' + '0000'));
  assert.equal(nst.lifetime, 7200);
  assert.equal(nst.ageAdd, 0x01020304);
  assert.equal(nst.nonce.length, 0);
  assert.deepEqual([...nst.ticket], [1]);
  assertFails(() => decodeNewSessionTicket(hex('00001c20' + '01020304' + '00' + '0000' + '0000')), AlertDescription.decode_error);
  // A u32 above 2^31 stays positive.
  assert.equal(decodeNewSessionTicket(hex('ffffffff' + 'ffffffff' + '00' + '000101' + '0000')).ageAdd, 0xffffffff);
});

test('KeyUpdate: values 0 and 1 only', () => {
  assert.equal(decodeKeyUpdate(hex('00')).requestUpdate, 0);
  assert.equal(decodeKeyUpdate(hex('01')).requestUpdate, 1);
  assertFails(() => decodeKeyUpdate(hex('02')), AlertDescription.illegal_parameter, 'SSL_R_BAD_KEY_UPDATE');
  assertFails(() => decodeKeyUpdate(hex('ff')), AlertDescription.illegal_parameter);
  assertFails(() => decodeKeyUpdate(hex('0100')), AlertDescription.decode_error);
  assertFails(() => decodeKeyUpdate(new Uint8Array(0)), AlertDescription.decode_error);
});

test('encoders reject values a caller must never pass', () => {
  const ch = {
    legacyVersion: 0x0303,
    random: bytes(31, 0),
    legacySessionId: new Uint8Array(0),
    cipherSuites: [0x1301],
    legacyCompressionMethods: new Uint8Array([0]),
    extensions: [],
  };
  assert.throws(() => encodeClientHello(ch), RangeError);
  assert.throws(() => encodeClientHello({ ...ch, random: bytes(32, 0), legacySessionId: bytes(33, 0) }), RangeError);
  assert.throws(() => encodeClientHello({ ...ch, random: bytes(32, 0), cipherSuites: [] }), RangeError);
  assert.throws(
    () => encodeNewSessionTicket({ lifetime: 1, ageAdd: 1, nonce: new Uint8Array(0), ticket: new Uint8Array(0), extensions: [] }),
    RangeError,
  );
  assert.throws(() => encodeCertificate({ context: new Uint8Array(0), entries: [{ data: new Uint8Array(0), extensions: [] }] }), RangeError);
});

test('decodeExtensions / encodeExtensions / findExtension', () => {
  const exts: Extension[] = [unknownExt, emptyExt, { type: 0, data: hex('00') }];
  const w = new Writer();
  encodeExtensions(w, exts);
  const enc = w.finish();
  const r = new Reader(enc);
  const back = decodeExtensions(r, 'test');
  r.expectEnd();
  assert.deepEqual(back, exts);
  assert.equal(findExtension(back, 0x1234), back[1]);
  assert.equal(findExtension(back, 0x9999), undefined);
  // Minimum block length.
  assertFails(() => decodeExtensions(new Reader(hex('0000')), 'test', 2), AlertDescription.decode_error);
  // Same type twice, even with identical bodies, and for type 0xffff.
  assertFails(() => decodeExtensions(new Reader(hex('0008ffff0000ffff0000')), 'test'), AlertDescription.illegal_parameter, Reason.SSL_R_DUPLICATE_EXTENSION);
  // Types differing only in the bit position are not confused.
  assert.equal(decodeExtensions(new Reader(hex('0008' + '00010000' + '00020000')), 'test').length, 2);
});

test('TLS 1.2 Certificate, CertificateRequest, key exchanges, ticket, empty messages', () => {
  const cert = encodeCertificateTls12({ chain: [bytes(10, 1), bytes(3, 2)] });
  assert.equal(cert[0], HandshakeType.certificate);
  assert.deepEqual(encodeCertificateTls12(decodeCertificateTls12(body(cert))), cert);
  assert.deepEqual(decodeCertificateTls12(hex('000000')).chain, []);
  assertFails(() => decodeCertificateTls12(hex('000003000000')), AlertDescription.decode_error);

  const ske = { group: 0x0017, publicKey: bytes(65, 4), scheme: 0x0403, signature: bytes(70, 5) };
  const skeMsg = encodeServerKeyExchangeEcdhe(ske);
  assert.equal(skeMsg[0], HandshakeType.server_key_exchange);
  const skeBack = decodeServerKeyExchangeEcdhe(body(skeMsg));
  assert.equal(skeBack.group, 0x0017);
  assert.deepEqual(skeBack.params, encodeEcdheParams(0x0017, ske.publicKey));
  assert.deepEqual(encodeServerKeyExchangeEcdhe(skeBack), skeMsg);
  const explicitCurve = body(skeMsg).slice();
  explicitCurve[0] = 1;
  assertFails(() => decodeServerKeyExchangeEcdhe(explicitCurve), AlertDescription.illegal_parameter, 'SSL_R_WRONG_CURVE');
  assertFails(() => decodeServerKeyExchangeEcdhe(hex('03001700' + '0403' + '0000')), AlertDescription.decode_error);

  const cke = encodeClientKeyExchangeEcdhe({ publicKey: bytes(32, 6) });
  assert.equal(cke[0], HandshakeType.client_key_exchange);
  assert.deepEqual(decodeClientKeyExchangeEcdhe(body(cke)).publicKey, bytes(32, 6));
  assertFails(() => decodeClientKeyExchangeEcdhe(hex('00')), AlertDescription.decode_error);

  const cr = { certificateTypes: new Uint8Array([1, 64]), signatureAlgorithms: [0x0403, 0x0804], certificateAuthorities: [bytes(5, 0x30)] };
  const crMsg = encodeCertificateRequestTls12(cr);
  assert.deepEqual(encodeCertificateRequestTls12(decodeCertificateRequestTls12(body(crMsg))), crMsg);
  assertFails(() => decodeCertificateRequestTls12(hex('00' + '00020403' + '0000')), AlertDescription.decode_error);
  assertFails(() => decodeCertificateRequestTls12(hex('0101' + '0003040305' + '0000')), AlertDescription.decode_error);

  const nst = encodeNewSessionTicketTls12({ lifetimeHint: 300, ticket: bytes(40, 9) });
  assert.deepEqual(encodeNewSessionTicketTls12(decodeNewSessionTicketTls12(body(nst))), nst);
  assert.equal(decodeNewSessionTicketTls12(hex('00000000' + '0000')).ticket.length, 0);

  assert.deepEqual([...encodeServerHelloDone()], [HandshakeType.server_hello_done, 0, 0, 0]);
  decodeServerHelloDone(new Uint8Array(0));
  decodeHelloRequest(new Uint8Array(0));
  assertFails(() => decodeServerHelloDone(hex('00')), AlertDescription.decode_error);
  assertFails(() => decodeHelloRequest(hex('00')), AlertDescription.decode_error);

  const pairs: Array<[Uint8Array, (b: Uint8Array) => unknown]> = [
    [cert, decodeCertificateTls12],
    [skeMsg, decodeServerKeyExchangeEcdhe],
    [cke, decodeClientKeyExchangeEcdhe],
    [crMsg, decodeCertificateRequestTls12],
    [nst, decodeNewSessionTicketTls12],
  ];
  for (const [m, decode] of pairs) {
    for (let i = 0; i < body(m).length; i++) assertFails(() => decode(body(m).subarray(0, i)), AlertDescription.decode_error);
  }
});

// ---------------------------------------------------------------------------------------------
// HandshakeJoiner

test('joiner: one message per push, in order, with exact raw bytes', () => {
  const j = new HandshakeJoiner();
  assert.equal(j.next(), null);
  assert.equal(j.pending, false);
  j.push(RFC8448_CH);
  assert.equal(j.pending, true);
  const m = j.next()!;
  assert.equal(m.type, HandshakeType.client_hello);
  assert.deepEqual(m.raw, RFC8448_CH);
  assert.deepEqual(m.body, body(RFC8448_CH));
  assert.equal(j.pending, false);
  assert.equal(j.next(), null);
});

test('joiner: several messages in one fragment, pending until all are taken', () => {
  const ee = encodeEncryptedExtensions({ extensions: [] });
  const fin = encodeFinished({ verifyData: bytes(32, 1) });
  const eoed = encodeEndOfEarlyData();
  const all = new Uint8Array([...RFC8448_SH, ...ee, ...eoed, ...fin]);
  const j = new HandshakeJoiner();
  j.push(all);
  assert.deepEqual(j.next()!.raw, RFC8448_SH);
  // A whole message is still buffered: a key change here would not be on a record boundary.
  assert.equal(j.pending, true);
  assert.deepEqual(j.next()!.raw, ee);
  const e = j.next()!;
  assert.equal(e.type, HandshakeType.end_of_early_data);
  assert.equal(e.body.length, 0);
  assert.deepEqual(j.next()!.raw, fin);
  assert.equal(j.pending, false);
  assert.equal(j.next(), null);
});

test('joiner: a message split byte by byte, including the header', () => {
  const j = new HandshakeJoiner();
  for (let i = 0; i < RFC8448_CH.length; i++) {
    assert.equal(j.next(), null);
    j.push(RFC8448_CH.subarray(i, i + 1));
    assert.equal(j.pending, true);
  }
  const m = j.next()!;
  assert.deepEqual(m.raw, RFC8448_CH);
  assert.equal(j.pending, false);
  assert.equal(j.bufferedBytes, 0);
});

test('joiner: copies pushed bytes, so the caller may reuse its buffer', () => {
  const j = new HandshakeJoiner();
  const buf = RFC8448_SH.slice();
  j.push(buf.subarray(0, 10));
  buf.fill(0, 0, 10);
  j.push(buf.subarray(10));
  buf.fill(0);
  assert.deepEqual(j.next()!.raw, RFC8448_SH);
  const whole = RFC8448_SH.slice();
  j.push(whole);
  const m = j.next()!;
  whole.fill(0);
  assert.deepEqual(m.raw, RFC8448_SH);
});

test('joiner: an oversized header is rejected as soon as it arrives', () => {
  const j = new HandshakeJoiner();
  // 65537-byte body: one byte over the default limit.
  assertFails(() => j.push(hex('0b010001')), AlertDescription.illegal_parameter, Reason.SSL_R_EXCESSIVE_MESSAGE_SIZE);
  const j2 = new HandshakeJoiner();
  j2.push(hex('0b01'));
  assertFails(() => j2.push(hex('0001')), AlertDescription.illegal_parameter, Reason.SSL_R_EXCESSIVE_MESSAGE_SIZE);
  // Exactly at the limit is fine.
  const j3 = new HandshakeJoiner();
  j3.push(hex('0b010000'));
  assert.equal(j3.next(), null);
  j3.push(new Uint8Array(65536));
  assert.equal(j3.next()!.body.length, 65536);
});

test('joiner: the limit applies to later messages in the same fragment, after earlier ones are taken', () => {
  const j = new HandshakeJoiner({ maxMessageSize: 4 + 100 });
  const ok = encodeHandshake(8, bytes(100, 1));
  const big = encodeHandshake(8, bytes(101, 1));
  j.push(new Uint8Array([...ok, ...big]));
  assert.equal(j.next()!.body.length, 100);
  assertFails(() => j.next(), AlertDescription.illegal_parameter, Reason.SSL_R_EXCESSIVE_MESSAGE_SIZE);
  // The limit can be raised between messages (e.g. while a Certificate is expected).
  const j2 = new HandshakeJoiner({ maxMessageSize: 10 });
  j2.maxMessageSize = 4 + 101;
  j2.push(big);
  assert.equal(j2.next()!.body.length, 101);
});

test('joiner: a message spanning many records, followed by more in the last record', () => {
  const cert = encodeCertificate({ context: new Uint8Array(0), entries: [{ data: bytes(40000, 0x30), extensions: [] }] });
  const cv = encodeCertificateVerify({ scheme: 0x0403, signature: bytes(72, 1) });
  const stream = new Uint8Array([...cert, ...cv]);
  const j = new HandshakeJoiner();
  const got: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += 16384) {
    j.push(stream.subarray(i, i + 16384));
    for (let m = j.next(); m; m = j.next()) got.push(m.raw);
    // Memory stays bounded: never more than one partial message plus one record.
    assert.ok(j.bufferedBytes <= cert.length + 16384);
  }
  assert.equal(got.length, 2);
  assert.deepEqual(got[0], cert);
  assert.deepEqual(got[1], cv);
  assert.equal(j.pending, false);
});

test('joiner: empty pushes change nothing', () => {
  const j = new HandshakeJoiner();
  j.push(new Uint8Array(0));
  assert.equal(j.pending, false);
  j.push(hex('14'));
  j.push(new Uint8Array(0));
  j.push(hex('000001'));
  assert.equal(j.next(), null);
  j.push(hex('aa'));
  assert.deepEqual([...j.next()!.raw], [0x14, 0, 0, 1, 0xaa]);
});

test('decodeExtensions stays linear on a block full of tiny extensions', () => {
  // 16383 distinct empty extensions fill a 64 KiB block: the duplicate check must not be quadratic.
  const w = new Writer(70000);
  w.vec16((b) => {
    for (let t = 0; t < 16383; t++) b.u16(t).u16(0);
  });
  const started = performance.now();
  const exts = decodeEncryptedExtensions(w.finish()).extensions;
  assert.equal(exts.length, 16383);
  assert.ok(performance.now() - started < 1000);
  // The same block with the last type repeated is still caught.
  const dup = w.finish();
  dup[dup.length - 4] = 0;
  dup[dup.length - 3] = 0;
  assertFails(() => decodeEncryptedExtensions(dup), AlertDescription.illegal_parameter, Reason.SSL_R_DUPLICATE_EXTENSION);
});
