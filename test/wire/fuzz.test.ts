import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TlsFailure } from '../../src/wire/errors.js';
import * as ext from '../../src/wire/extensions.js';
import * as hs from '../../src/wire/handshake.js';
import type {
  Certificate,
  CertificateRequest,
  ClientHello,
  Extension,
  HandshakeMessage,
  KeyShareEntry,
  NewSessionTicket,
  OfferedPsks,
  ServerHello,
} from '../../src/wire/messages.js';
import { Reader } from '../../src/wire/reader.js';

const RUNS = 500;

/** Runs `fn`; anything thrown must be a TlsFailure carrying an alert. */
function onlyTlsFailure(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TlsFailure)) throw e;
    assert.equal(typeof e.alert, 'number', e.message);
  }
}

// Every decoder that takes peer bytes.
const decoders: Record<string, (b: Uint8Array) => unknown> = {
  ClientHello: hs.decodeClientHello,
  ServerHello: hs.decodeServerHello,
  EncryptedExtensions: hs.decodeEncryptedExtensions,
  CertificateRequest: hs.decodeCertificateRequest,
  Certificate: hs.decodeCertificate,
  CertificateVerify: hs.decodeCertificateVerify,
  Finished: (b) => hs.decodeFinished(b, 32),
  NewSessionTicket: hs.decodeNewSessionTicket,
  KeyUpdate: hs.decodeKeyUpdate,
  EndOfEarlyData: hs.decodeEndOfEarlyData,
  CertificateTls12: hs.decodeCertificateTls12,
  ServerKeyExchangeEcdhe: hs.decodeServerKeyExchangeEcdhe,
  ClientKeyExchangeEcdhe: hs.decodeClientKeyExchangeEcdhe,
  CertificateRequestTls12: hs.decodeCertificateRequestTls12,
  NewSessionTicketTls12: hs.decodeNewSessionTicketTls12,
  ServerHelloDone: hs.decodeServerHelloDone,
  HelloRequest: hs.decodeHelloRequest,
  extensions: (b) => hs.decodeExtensions(new Reader(b), 'fuzz'),
  server_name: ext.decodeServerNameList,
  u16list: (b) => ext.decodeU16List(b, 'fuzz'),
  supported_versions_client: ext.decodeSupportedVersionsClient,
  supported_versions_server: ext.decodeSupportedVersionsServer,
  key_share_client: ext.decodeKeyShareClient,
  key_share_server: ext.decodeKeyShareServer,
  key_share_hrr: ext.decodeKeyShareHrr,
  cookie: ext.decodeCookie,
  alpn: ext.decodeAlpn,
  psk_modes: ext.decodePskModes,
  offered_psks: ext.decodeOfferedPsks,
  selected_psk: ext.decodeSelectedPsk,
  early_data_max: ext.decodeEarlyDataMax,
  record_size_limit: ext.decodeRecordSizeLimit,
  ec_point_formats: ext.decodeEcPointFormats,
  renegotiation_info: ext.decodeRenegotiationInfo,
  certificate_authorities: ext.decodeCertificateAuthorities,
  empty: (b) => ext.expectEmpty(b, 'fuzz'),
};

// ---------------------------------------------------------------------------------------------
// Arbitraries for valid structures

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const blob = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength, maxLength });

/** Extension lists with unique types; pre_shared_key is excluded (it has a placement rule). */
const extensionsArb = (maxLength = 6): fc.Arbitrary<Extension[]> =>
  fc.uniqueArray(
    fc.record({ type: u16.filter((t) => t !== 41), data: blob(0, 40) }),
    { maxLength, selector: (e) => e.type },
  );

const clientHelloArb: fc.Arbitrary<ClientHello> = fc.record({
  legacyVersion: u16,
  random: blob(32, 32),
  legacySessionId: blob(0, 32),
  cipherSuites: fc.array(u16, { minLength: 1, maxLength: 20 }),
  legacyCompressionMethods: blob(1, 4),
  extensions: extensionsArb(),
});

const serverHelloArb: fc.Arbitrary<ServerHello> = fc.record({
  legacyVersion: u16,
  random: blob(32, 32),
  legacySessionIdEcho: blob(0, 32),
  cipherSuite: u16,
  legacyCompressionMethod: u8,
  extensions: extensionsArb(),
});

const certificateRequestArb: fc.Arbitrary<CertificateRequest> = fc.record({
  context: blob(0, 8),
  extensions: extensionsArb().filter((e) => e.length > 0),
});

const certificateArb: fc.Arbitrary<Certificate> = fc.record({
  context: blob(0, 8),
  entries: fc.array(fc.record({ data: blob(1, 60), extensions: extensionsArb(3) }), { maxLength: 4 }),
});

const nstArb: fc.Arbitrary<NewSessionTicket> = fc.record({
  lifetime: u32,
  ageAdd: u32,
  nonce: blob(0, 16),
  ticket: blob(1, 60),
  extensions: extensionsArb(),
});

/** Valid full messages of every kind, each paired with its decoder, for mutation and joining. */
const validMessageArb: fc.Arbitrary<{ msg: Uint8Array; decode: (b: Uint8Array) => unknown }> = fc.oneof(
  clientHelloArb.map((m) => ({ msg: hs.encodeClientHello(m), decode: hs.decodeClientHello })),
  serverHelloArb.map((m) => ({ msg: hs.encodeServerHello(m), decode: hs.decodeServerHello })),
  extensionsArb().map((e) => ({ msg: hs.encodeEncryptedExtensions({ extensions: e }), decode: hs.decodeEncryptedExtensions })),
  certificateRequestArb.map((m) => ({ msg: hs.encodeCertificateRequest(m), decode: hs.decodeCertificateRequest })),
  certificateArb.map((m) => ({ msg: hs.encodeCertificate(m), decode: hs.decodeCertificate })),
  fc.record({ scheme: u16, signature: blob(0, 80) }).map((m) => ({ msg: hs.encodeCertificateVerify(m), decode: hs.decodeCertificateVerify })),
  nstArb.map((m) => ({ msg: hs.encodeNewSessionTicket(m), decode: hs.decodeNewSessionTicket })),
  fc.constantFrom(0, 1).map((v) => ({ msg: hs.encodeKeyUpdate({ requestUpdate: v }), decode: hs.decodeKeyUpdate })),
  blob(32, 32).map((v) => ({ msg: hs.encodeFinished({ verifyData: v }), decode: (b: Uint8Array) => hs.decodeFinished(b, 32) })),
);

// ---------------------------------------------------------------------------------------------
// Decoders never throw anything but TlsFailure

test('fuzz: random bytes into every decoder throw only TlsFailure', () => {
  for (const decode of Object.values(decoders)) {
    fc.assert(
      fc.property(blob(0, 200), (b) => onlyTlsFailure(() => decode(b))),
      { numRuns: RUNS },
    );
  }
});

test('fuzz: mutated valid messages (byte flips, truncation, insertion) throw only TlsFailure', () => {
  const mutation = fc.record({ at: fc.nat(), value: u8, kind: fc.constantFrom('flip', 'cut', 'insert', 'delete') });
  fc.assert(
    fc.property(validMessageArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), ({ msg, decode }, muts) => {
      let b = Array.from(msg.subarray(4));
      for (const m of muts) {
        const at = b.length === 0 ? 0 : m.at % b.length;
        if (m.kind === 'flip') b[at] = m.value;
        else if (m.kind === 'cut') b = b.slice(0, at);
        else if (m.kind === 'insert') b.splice(at, 0, m.value);
        else b.splice(at, 1);
      }
      onlyTlsFailure(() => decode(Uint8Array.from(b)));
    }),
    { numRuns: 3000 },
  );
});

test('fuzz: mutated valid extension bodies throw only TlsFailure', () => {
  const bodies: Array<[Uint8Array, (b: Uint8Array) => unknown]> = [
    [ext.encodeServerNameList('example.com'), ext.decodeServerNameList],
    [ext.encodeKeyShareClient([{ group: 29, keyExchange: new Uint8Array(32) }, { group: 23, keyExchange: new Uint8Array(65) }]), ext.decodeKeyShareClient],
    [ext.encodeAlpn(['h2', 'http/1.1']), ext.decodeAlpn],
    [ext.encodeOfferedPsks({ identities: [{ identity: new Uint8Array(5), obfuscatedTicketAge: 1 }], binders: [new Uint8Array(32)] }), ext.decodeOfferedPsks],
    [ext.encodeCertificateAuthorities([new Uint8Array(4), new Uint8Array(2)]), ext.decodeCertificateAuthorities],
    [ext.encodeU16List([1, 2, 3]), (b) => ext.decodeU16List(b, 'fuzz')],
    [ext.encodeSupportedVersionsClient([0x0304, 0x0303]), ext.decodeSupportedVersionsClient],
  ];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: bodies.length - 1 }), fc.nat(), u8, fc.boolean(), (i, at, value, cut) => {
      const [good, decode] = bodies[i]!;
      const b = good.slice(0, cut ? at % (good.length + 1) : good.length);
      if (!cut && b.length > 0) b[at % b.length] = value;
      onlyTlsFailure(() => decode(b));
    }),
    { numRuns: 3000 },
  );
});

test('fuzz: HandshakeJoiner fed random fragments throws only TlsFailure and stays bounded', () => {
  fc.assert(
    fc.property(fc.array(blob(0, 300), { maxLength: 20 }), fc.integer({ min: 4, max: 1000 }), (frags, max) => {
      const j = new hs.HandshakeJoiner({ maxMessageSize: max });
      onlyTlsFailure(() => {
        for (const f of frags) {
          j.push(f);
          for (let m = j.next(); m; m = j.next()) assert.equal(m.raw.length, 4 + m.body.length);
          // Drained: only a partial message (under the limit) can remain.
          assert.ok(j.bufferedBytes < max, `${j.bufferedBytes} bytes buffered with limit ${max}`);
        }
      });
    }),
    { numRuns: 1000 },
  );
});

// ---------------------------------------------------------------------------------------------
// encode -> decode round trips

function roundTrip<T>(arb: fc.Arbitrary<T>, encode: (m: T) => Uint8Array, decode: (b: Uint8Array) => T): void {
  fc.assert(
    fc.property(arb, (m) => {
      const enc = encode(m);
      const back = decode(enc);
      // structuredClone: fast-check builds records with a null prototype; decoders return plain objects.
      assert.deepEqual(back, structuredClone(m));
      assert.deepEqual(encode(back), enc);
    }),
    { numRuns: RUNS },
  );
}

const body = (f: (m: never) => Uint8Array) => (m: unknown) => f(m as never).subarray(4);

test('round trip: handshake messages', () => {
  roundTrip(clientHelloArb, body(hs.encodeClientHello), hs.decodeClientHello);
  roundTrip(serverHelloArb, body(hs.encodeServerHello), hs.decodeServerHello);
  roundTrip(extensionsArb().map((extensions) => ({ extensions })), body(hs.encodeEncryptedExtensions), hs.decodeEncryptedExtensions);
  roundTrip(certificateRequestArb, body(hs.encodeCertificateRequest), hs.decodeCertificateRequest);
  roundTrip(certificateArb, body(hs.encodeCertificate), hs.decodeCertificate);
  roundTrip(fc.record({ scheme: u16, signature: blob(0, 80) }), body(hs.encodeCertificateVerify), hs.decodeCertificateVerify);
  roundTrip(blob(0, 64).map((verifyData) => ({ verifyData })), body(hs.encodeFinished), (b) => hs.decodeFinished(b));
  roundTrip(nstArb, body(hs.encodeNewSessionTicket), hs.decodeNewSessionTicket);
  roundTrip(fc.constantFrom(0, 1).map((requestUpdate) => ({ requestUpdate })), body(hs.encodeKeyUpdate), hs.decodeKeyUpdate);
  roundTrip(fc.record({ chain: fc.array(blob(1, 50), { maxLength: 4 }) }), body(hs.encodeCertificateTls12), hs.decodeCertificateTls12);
  roundTrip(
    fc.record({ group: u16, publicKey: blob(1, 97), scheme: u16, signature: blob(0, 80) }).map((m) => ({
      ...m,
      params: hs.encodeEcdheParams(m.group, m.publicKey),
    })),
    body(hs.encodeServerKeyExchangeEcdhe),
    hs.decodeServerKeyExchangeEcdhe,
  );
  roundTrip(fc.record({ publicKey: blob(1, 97) }), body(hs.encodeClientKeyExchangeEcdhe), hs.decodeClientKeyExchangeEcdhe);
  roundTrip(
    fc.record({
      certificateTypes: blob(1, 5),
      signatureAlgorithms: fc.array(u16, { minLength: 1, maxLength: 10 }),
      certificateAuthorities: fc.array(blob(1, 30), { maxLength: 3 }),
    }),
    body(hs.encodeCertificateRequestTls12),
    hs.decodeCertificateRequestTls12,
  );
  roundTrip(fc.record({ lifetimeHint: u32, ticket: blob(0, 60) }), body(hs.encodeNewSessionTicketTls12), hs.decodeNewSessionTicketTls12);
});

test('round trip: extension bodies', () => {
  const hostChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._');
  const host = fc.array(hostChar, { minLength: 1, maxLength: 255 }).map((a) => a.join(''));
  roundTrip(host, ext.encodeServerNameList, ext.decodeServerNameList);
  roundTrip(fc.array(u16, { minLength: 1, maxLength: 30 }), ext.encodeU16List, (d) => ext.decodeU16List(d, 'fuzz'));
  roundTrip(fc.array(u16, { minLength: 1, maxLength: 127 }), ext.encodeSupportedVersionsClient, ext.decodeSupportedVersionsClient);
  roundTrip(u16, ext.encodeSupportedVersionsServer, ext.decodeSupportedVersionsServer);
  const share: fc.Arbitrary<KeyShareEntry> = fc.record({ group: u16, keyExchange: blob(1, 70) });
  roundTrip(fc.uniqueArray(share, { maxLength: 4, selector: (e) => e.group }), ext.encodeKeyShareClient, ext.decodeKeyShareClient);
  roundTrip(share, ext.encodeKeyShareServer, ext.decodeKeyShareServer);
  roundTrip(u16, ext.encodeKeyShareHrr, ext.decodeKeyShareHrr);
  roundTrip(blob(1, 100), ext.encodeCookie, ext.decodeCookie);
  const latin1Name = blob(1, 20).map((b) => String.fromCharCode(...b));
  roundTrip(fc.array(latin1Name, { minLength: 1, maxLength: 5 }), ext.encodeAlpn, ext.decodeAlpn);
  roundTrip(fc.array(u8, { minLength: 1, maxLength: 5 }), ext.encodePskModes, ext.decodePskModes);
  const psks: fc.Arbitrary<OfferedPsks> = fc
    .array(fc.tuple(fc.record({ identity: blob(1, 40), obfuscatedTicketAge: u32 }), blob(32, 64)), { minLength: 1, maxLength: 4 })
    .map((pairs) => ({ identities: pairs.map((p) => p[0]), binders: pairs.map((p) => p[1]) }));
  roundTrip(psks, ext.encodeOfferedPsks, ext.decodeOfferedPsks);
  fc.assert(
    fc.property(psks, (p) => {
      // The binders list is exactly the tail of the encoding, bindersLength bytes long.
      const enc = ext.encodeOfferedPsks(p);
      const withoutBinders = ext.encodeOfferedPsks(p).subarray(0, enc.length - ext.bindersLength(p.binders));
      const idsLen = (withoutBinders[0]! << 8) | withoutBinders[1]!;
      assert.equal(withoutBinders.length, 2 + idsLen);
    }),
    { numRuns: RUNS },
  );
  roundTrip(u16, ext.encodeSelectedPsk, ext.decodeSelectedPsk);
  roundTrip(u32, ext.encodeEarlyDataMax, ext.decodeEarlyDataMax);
  roundTrip(fc.integer({ min: 64, max: 0xffff }), ext.encodeRecordSizeLimit, ext.decodeRecordSizeLimit);
  roundTrip(fc.array(u8, { minLength: 1, maxLength: 5 }), ext.encodeEcPointFormats, ext.decodeEcPointFormats);
  roundTrip(blob(0, 48), ext.encodeRenegotiationInfo, ext.decodeRenegotiationInfo);
  roundTrip(fc.array(blob(1, 40), { minLength: 1, maxLength: 4 }), ext.encodeCertificateAuthorities, ext.decodeCertificateAuthorities);
});

// ---------------------------------------------------------------------------------------------
// HandshakeJoiner: any split of a stream yields the same messages

test('joiner: any split of a byte stream yields the same messages', () => {
  const anyMessage = fc.oneof(
    validMessageArb.map((v) => v.msg),
    fc.record({ type: u8, b: blob(0, 300) }).map(({ type, b }) => hs.encodeHandshake(type, b)),
  );
  fc.assert(
    fc.property(fc.array(anyMessage, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (msgs, cutsRaw) => {
      const total = msgs.reduce((n, m) => n + m.length, 0);
      const stream = new Uint8Array(total);
      let at = 0;
      for (const m of msgs) {
        stream.set(m, at);
        at += m.length;
      }
      const cuts = [...new Set(cutsRaw.map((c) => c % (total + 1)))].sort((a, b) => a - b);
      const j = new hs.HandshakeJoiner();
      const got: HandshakeMessage[] = [];
      let prev = 0;
      for (const c of [...cuts, total]) {
        j.push(stream.subarray(prev, c));
        prev = c;
        for (let m = j.next(); m; m = j.next()) got.push(m);
      }
      assert.equal(j.pending, false);
      assert.equal(got.length, msgs.length);
      for (let i = 0; i < msgs.length; i++) {
        assert.deepEqual(got[i]!.raw, msgs[i]);
        assert.equal(got[i]!.type, msgs[i]![0]);
        assert.deepEqual(got[i]!.body, msgs[i]!.subarray(4));
      }
    }),
    { numRuns: 1000 },
  );
});
