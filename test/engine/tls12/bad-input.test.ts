/**
 * TLS 1.2 bad input over memory BIOs: malformed and wrongly signed ServerKeyExchange, wrong
 * Finished, change_cipher_spec where none is due, renegotiation attempts from each side, missing
 * RFC 7627 / RFC 5746 signalling, the RFC 8446 downgrade sentinel, and versions and suites typessl
 * refuses; client certificates: malformed CertificateRequest (client side), malformed or missing
 * client Certificate / CertificateVerify (server side). Each failure is checked for its return
 * value, SSL_ERROR_SSL, the named reason, the alert on the wire and stickiness (see `expectFailure`).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SSL_ERROR_WANT_READ, SSL_OP_NO_TICKET, SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_PEER } from '../../../src/ssl/constants.js';
import type { SslErrorInfo } from '../../../src/ssl/ssl.js';
import { createSelfSignedCertificate } from '../../../src/x509/self-signed.js';
import { testCertificate } from '../../helpers/memory-pair.js';
import { nodeCrypto } from '../../../src/crypto/node.js';
import { SslContext, type SslContextOptions } from '../../../src/ssl/context.js';
import { AlertDescription, AlertLevel, CipherSuite, ClientCertificateType, ContentType, ExtensionType, HandshakeType, ProtocolVersion } from '../../../src/wire/enums.js';
import {
  decodeCertificateRequestTls12,
  decodeCertificateVerify,
  decodeClientHello,
  decodeServerHello,
  encodeCertificateTls12,
  encodeCertificateVerify,
  encodeClientHello,
  encodeHandshake,
  encodeServerHello,
} from '../../../src/wire/handshake.js';
import {
  clientHello,
  assertFatal,
  concat,
  expectFailure,
  flipBit,
  pair,
  parseRecords,
  reader,
  record,
  rewriteFlight,
  serverFlight,
  splitMessages,
  interceptSent,
  type Pair,
} from '../bad-input-kit.js';

const TLS12 = { maxVersion: 'TLSv1.2' } as const;
const CCS = record(ContentType.change_cipher_spec, new Uint8Array([1]));

/** A TLS 1.2 pair up to the server's first flight (ServerHello .. ServerHelloDone), not yet delivered. */
function toServerFlight(clientOpts = {}, serverOpts = {}): { p: Pair; flight: Uint8Array } {
  const p = pair({ ...TLS12, ...clientOpts }, serverOpts);
  const flight = serverFlight(p, clientHello(p));
  return { p, flight };
}

/** Rewrites one handshake message type of a flight with `fn` (body in, body out). */
function rewriteType(flight: Uint8Array, type: number, fn: (body: Uint8Array) => Uint8Array): Uint8Array {
  return rewriteFlight(flight, (raw) => (raw[0] === type ? encodeHandshake(type, fn(raw.subarray(4))) : raw));
}

/** Delivers a (tampered) server flight to the client and expects its handshake to fail. */
function clientRejects(p: Pair, flight: Uint8Array, reason: string, alert: number): void {
  p.c.input.write(flight);
  expectFailure(p.c, () => p.client.doHandshake(), { reason, alert });
}

/** The ServerHello of a flight, decoded and re-encoded through `fn`. */
function rewriteServerHello(flight: Uint8Array, fn: (sh: ReturnType<typeof decodeServerHello>) => void): Uint8Array {
  return rewriteFlight(flight, (raw) => {
    if (raw[0] !== HandshakeType.server_hello) return raw;
    const sh = decodeServerHello(raw.subarray(4));
    fn(sh);
    return encodeServerHello(sh);
  });
}

/**
 * Runs a full TLS 1.2 handshake (the server's first flight already produced) until the server has
 * finished and its last flight (NewSessionTicket, ChangeCipherSpec, Finished) is delivered to the
 * client, which has not processed it yet.
 */
function deliverServerLastFlight(p: Pair): void {
  p.client.doHandshake();
  p.transfer();
  p.server.doHandshake();
  p.transfer();
  p.client.doHandshake();
  p.transfer();
  assert.equal(p.server.doHandshake(), 1);
  p.transfer();
}

describe('ServerKeyExchange', () => {
  test('a curve type other than named_curve is illegal_parameter (SSL_R_WRONG_CURVE)', () => {
    const { p, flight } = toServerFlight();
    clientRejects(p, rewriteType(flight, HandshakeType.server_key_exchange, (b) => concat(new Uint8Array([1]), b.subarray(1))), 'SSL_R_WRONG_CURVE', AlertDescription.illegal_parameter);
  });
  test('a group the client did not offer is illegal_parameter (SSL_R_WRONG_CURVE)', () => {
    const { p, flight } = toServerFlight();
    clientRejects(p, rewriteType(flight, HandshakeType.server_key_exchange, (b) => concat(b.subarray(0, 1), new Uint8Array([0x00, 0x19]), b.subarray(3))), 'SSL_R_WRONG_CURVE', AlertDescription.illegal_parameter);
  });
  test('a truncated ServerKeyExchange is decode_error', () => {
    const { p, flight } = toServerFlight();
    clientRejects(p, rewriteType(flight, HandshakeType.server_key_exchange, (b) => b.subarray(0, b.length - 1)), 'SSL_R_LENGTH_MISMATCH', AlertDescription.decode_error);
  });
  test('a flipped signature bit is decrypt_error (SSL_R_BAD_SIGNATURE)', () => {
    const { p, flight } = toServerFlight();
    clientRejects(p, rewriteType(flight, HandshakeType.server_key_exchange, (b) => {
      const out = b.slice();
      out[out.length - 5]! ^= 0x01;
      return out;
    }), 'SSL_R_BAD_SIGNATURE', AlertDescription.decrypt_error);
  });
  test('a changed public key (the signature no longer covers it) is decrypt_error (SSL_R_BAD_SIGNATURE)', () => {
    const { p, flight } = toServerFlight();
    clientRejects(p, rewriteType(flight, HandshakeType.server_key_exchange, (b) => {
      const out = b.slice();
      out[6]! ^= 0x01; // inside the point (curve type, group, length, point...)
      return out;
    }), 'SSL_R_BAD_SIGNATURE', AlertDescription.decrypt_error);
  });
  test('a signature scheme the client did not offer (rsa_pkcs1_sha1) is illegal_parameter (SSL_R_WRONG_SIGNATURE_TYPE)', () => {
    const { p, flight } = toServerFlight();
    clientRejects(p, rewriteType(flight, HandshakeType.server_key_exchange, (b) => {
      const out = b.slice();
      const at = 4 + out[3]!; // curve type, group, point length, point: then the scheme
      out[at] = 0x02;
      out[at + 1] = 0x01;
      return out;
    }), 'SSL_R_WRONG_SIGNATURE_TYPE', AlertDescription.illegal_parameter);
  });
});

describe('ServerHello', () => {
  test('no extended_master_secret: handshake_failure (SSL_R_EXTENDED_MASTER_SECRET_REQUIRED)', () => {
    const { p, flight } = toServerFlight();
    const bad = rewriteServerHello(flight, (sh) => (sh.extensions = sh.extensions.filter((e) => e.type !== ExtensionType.extended_master_secret)));
    clientRejects(p, bad, 'SSL_R_EXTENDED_MASTER_SECRET_REQUIRED', AlertDescription.handshake_failure);
  });
  test('no renegotiation_info: handshake_failure (SSL_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED)', () => {
    const { p, flight } = toServerFlight();
    const bad = rewriteServerHello(flight, (sh) => (sh.extensions = sh.extensions.filter((e) => e.type !== ExtensionType.renegotiation_info)));
    clientRejects(p, bad, 'SSL_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED', AlertDescription.handshake_failure);
  });
  test('a non-empty renegotiation_info on a first handshake: handshake_failure (SSL_R_RENEGOTIATION_MISMATCH)', () => {
    const { p, flight } = toServerFlight();
    const bad = rewriteServerHello(flight, (sh) => {
      for (const e of sh.extensions) if (e.type === ExtensionType.renegotiation_info) e.data = new Uint8Array([1, 7]);
    });
    clientRejects(p, bad, 'SSL_R_RENEGOTIATION_MISMATCH', AlertDescription.handshake_failure);
  });
  test('a suite that was not offered (a CBC suite) is illegal_parameter (SSL_R_WRONG_CIPHER_RETURNED)', () => {
    const { p, flight } = toServerFlight();
    clientRejects(p, rewriteServerHello(flight, (sh) => (sh.cipherSuite = 0xc023)), 'SSL_R_WRONG_CIPHER_RETURNED', AlertDescription.illegal_parameter);
  });
  test('compression is illegal_parameter (SSL_R_BAD_COMPRESSION)', () => {
    const { p, flight } = toServerFlight();
    clientRejects(p, rewriteServerHello(flight, (sh) => (sh.legacyCompressionMethod = 1)), 'SSL_R_BAD_COMPRESSION', AlertDescription.illegal_parameter);
  });
  test('TLS 1.1 chosen by the server is protocol_version (SSL_R_UNSUPPORTED_PROTOCOL)', () => {
    const { p, flight } = toServerFlight();
    clientRejects(p, rewriteServerHello(flight, (sh) => (sh.legacyVersion = ProtocolVersion.TLS1_1)), 'SSL_R_UNSUPPORTED_PROTOCOL', AlertDescription.protocol_version);
  });
  test('the downgrade sentinel: a TLS 1.3 client pushed to TLS 1.2 aborts with illegal_parameter (SSL_R_INAPPROPRIATE_FALLBACK)', () => {
    // The "attacker" strips supported_versions from the client's ClientHello, so the TLS 1.3-capable
    // server negotiates TLS 1.2 and marks its random; the client, which offered TLS 1.3, sees it.
    const strip = { hooks: { clientHello: (h: ReturnType<typeof decodeClientHello>) => ({ ...h, extensions: h.extensions.filter((e) => e.type !== ExtensionType.supported_versions) }) } };
    const p = pair(strip, {});
    const flight = serverFlight(p, clientHello(p));
    assert.equal(p.server.connection!.negotiated.version, 'TLSv1.2');
    clientRejects(p, flight, 'SSL_R_INAPPROPRIATE_FALLBACK', AlertDescription.illegal_parameter);
  });
  test('a TLS 1.2-only server does not set the sentinel, so the same client connects', () => {
    const p = pair({}, TLS12);
    p.handshake();
    assert.equal(p.client.getVersion(), 'TLSv1.2');
    const random = p.client.connection!.tls12!.serverRandom;
    assert.notDeepEqual([...random.subarray(24)], [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
  });
});

describe('Finished', () => {
  test('a wrong client Finished: the server sends decrypt_error (SSL_R_DIGEST_CHECK_FAILED)', () => {
    const p = pair(TLS12, {});
    // The client's Finished goes out with one verify_data bit flipped (under the right key).
    p.client.doHandshake();
    interceptSent(p.client.connection!, (raw) => {
      if (raw[0] !== HandshakeType.finished) return [raw];
      const out = raw.slice();
      out[4]! ^= 1;
      return [out];
    });
    p.transfer();
    p.server.doHandshake();
    p.transfer();
    assert.equal(p.client.doHandshake(), -1);
    expectFailure(p.s, () => {
      p.transfer();
      return p.server.doHandshake();
    }, { reason: 'SSL_R_DIGEST_CHECK_FAILED', alert: AlertDescription.decrypt_error });
  });
  test('a wrong server Finished: the client sends decrypt_error (SSL_R_DIGEST_CHECK_FAILED), encrypted', () => {
    const p = pair(TLS12, {});
    p.server.doHandshake();
    interceptSent(p.server.connection!, (raw) => {
      if (raw[0] !== HandshakeType.finished) return [raw];
      const out = raw.slice();
      out[15]! ^= 1;
      return [out];
    });
    deliverServerLastFlight(p);
    expectFailure(p.c, () => p.client.doHandshake(), { reason: 'SSL_R_DIGEST_CHECK_FAILED', alert: AlertDescription.decrypt_error }, reader(p.s));
  });
});

describe('change_cipher_spec at the wrong time', () => {
  test('before the ClientKeyExchange: the server sends unexpected_message (SSL_R_CCS_RECEIVED_EARLY)', () => {
    const { p } = toServerFlight();
    p.s.input.write(CCS);
    expectFailure(p.s, () => p.server.doHandshake(), { reason: 'SSL_R_CCS_RECEIVED_EARLY', alert: AlertDescription.unexpected_message });
  });
  test('between Certificate and ServerKeyExchange: the client sends unexpected_message (SSL_R_CCS_RECEIVED_EARLY)', () => {
    const { p, flight } = toServerFlight();
    const messages = parseRecords(flight).flatMap((r) => splitMessages(r.fragment));
    const first = messages.slice(0, 2);
    const rest = messages.slice(2);
    const reordered = concat(record(ContentType.handshake, concat(...first)), CCS, record(ContentType.handshake, concat(...rest)));
    clientRejects(p, reordered, 'SSL_R_CCS_RECEIVED_EARLY', AlertDescription.unexpected_message);
  });
  test('a change_cipher_spec whose byte is not 1 is unexpected_message (SSL_R_BAD_CHANGE_CIPHER_SPEC)', () => {
    const { p, flight } = toServerFlight();
    p.c.input.write(flight);
    assert.equal(p.client.doHandshake(), -1);
    p.transfer();
    assert.equal(p.server.doHandshake(), 1);
    p.s.output.drain(); // the real CCS and Finished never reach the client
    p.c.input.write(record(ContentType.change_cipher_spec, new Uint8Array([2])));
    expectFailure(p.c, () => p.client.doHandshake(), { reason: 'SSL_R_BAD_CHANGE_CIPHER_SPEC', alert: AlertDescription.unexpected_message }, reader(p.s));
  });
  test('a second change_cipher_spec after the handshake: unexpected_message (SSL_R_CCS_RECEIVED_EARLY), encrypted', () => {
    const p = pair(TLS12, {});
    p.handshake();
    p.transfer();
    p.s.input.write(CCS);
    expectFailure(p.s, () => p.server.read(new Uint8Array(16)), { reason: 'SSL_R_CCS_RECEIVED_EARLY', alert: AlertDescription.unexpected_message }, reader(p.c));
  });
});

describe('renegotiation', () => {
  test('HelloRequest after the handshake: the client answers with a warning no_renegotiation and carries on', () => {
    const p = pair(TLS12, {});
    p.handshake();
    p.transfer();
    const alerts: [number | undefined, number | undefined][] = [];
    p.client.setTrace((e) => {
      if (e.direction === 'sent' && e.content === 'alert') alerts.push([e.level, e.code]);
    });
    const sconn = p.server.connection!;
    sconn.sendHandshake(encodeHandshake(HandshakeType.hello_request, new Uint8Array(0)), false);
    sconn.flushHandshake();
    p.server.write(new TextEncoder().encode('data after the request'));
    p.transfer();
    const buf = new Uint8Array(64);
    const n = p.client.read(buf);
    assert.equal(new TextDecoder().decode(buf.subarray(0, n)), 'data after the request');
    assert.deepEqual(alerts, [[AlertLevel.warning, AlertDescription.no_renegotiation]]);
    assert.equal(p.client.write(new TextEncoder().encode('still writing')), 'still writing'.length);
  });
  test('HelloRequest during the handshake is ignored (RFC 5246 7.4.1.1)', () => {
    const { p, flight } = toServerFlight();
    p.c.input.write(concat(record(ContentType.handshake, encodeHandshake(HandshakeType.hello_request, new Uint8Array(0))), flight));
    assert.equal(p.client.doHandshake(), -1);
    assert.equal(p.client.getError(-1), SSL_ERROR_WANT_READ);
    p.transfer();
    p.handshake();
    assert.equal(p.client.getVersion(), 'TLSv1.2');
  });
  test('a renegotiating ClientHello: the server answers with a warning no_renegotiation; the client that asked fails with handshake_failure', () => {
    const p = pair(TLS12, {});
    p.handshake();
    p.transfer();
    const alerts: [number | undefined, number | undefined][] = [];
    p.server.setTrace((e) => {
      if (e.direction === 'sent' && e.content === 'alert') alerts.push([e.level, e.code]);
    });
    const cconn = p.client.connection!;
    cconn.sendHandshake(encodeClientHello({ legacyVersion: ProtocolVersion.TLS1_2, random: new Uint8Array(32), legacySessionId: new Uint8Array(0), cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256], legacyCompressionMethods: new Uint8Array([0]), extensions: [] }), false);
    cconn.flushHandshake();
    assert.equal(p.client.write(new TextEncoder().encode('x')), 1); // goes out after the ClientHello
    p.transfer();
    const buf = new Uint8Array(16);
    assert.equal(p.server.read(buf), 1, 'the server refuses and carries on');
    assert.equal(buf[0], 0x78);
    assert.deepEqual(alerts, [[AlertLevel.warning, AlertDescription.no_renegotiation]]);
    p.transfer();
    // S-54: a client receives no_renegotiation only after asking, and then gives up.
    expectFailure(p.c, () => p.client.read(new Uint8Array(16)), { reason: 'SSL_R_RENEGOTIATION_NOT_SUPPORTED', alert: AlertDescription.handshake_failure }, reader(p.s));
  });
});

describe('refused versions and suites', () => {
  test('a TLS 1.0 ClientHello (no supported_versions) is protocol_version (SSL_R_UNSUPPORTED_PROTOCOL)', () => {
    const p = pair(TLS12, {});
    const hello = clientHello(p);
    const bad = rewriteFlight(hello, (raw) => {
      const ch = decodeClientHello(raw.subarray(4));
      ch.legacyVersion = ProtocolVersion.TLS1_0;
      return encodeClientHello(ch);
    });
    p.s.input.write(bad);
    expectFailure(p.s, () => p.server.doHandshake(), { reason: 'SSL_R_UNSUPPORTED_PROTOCOL', alert: AlertDescription.protocol_version });
  });
  test('a client offering only RSA key transport and CBC suites gets handshake_failure (SSL_R_NO_SHARED_CIPHER)', () => {
    const p = pair(TLS12, {});
    const bad = rewriteFlight(clientHello(p), (raw) => {
      const ch = decodeClientHello(raw.subarray(4));
      ch.cipherSuites = [0x002f, 0x009c, 0xc013]; // RSA_AES_128_CBC_SHA, RSA_AES_128_GCM, ECDHE_RSA_AES_128_CBC_SHA
      return encodeClientHello(ch);
    });
    p.s.input.write(bad);
    const info = expectFailure(p.s, () => p.server.doHandshake(), { reason: 'SSL_R_NO_SHARED_CIPHER', alert: AlertDescription.handshake_failure });
    assert.match(info.message, /RSA key transport, CBC/);
  });
  test('a client without the extended master secret gets handshake_failure (SSL_R_EXTENDED_MASTER_SECRET_REQUIRED)', () => {
    const p = pair(TLS12, {});
    const bad = rewriteFlight(clientHello(p), (raw) => {
      const ch = decodeClientHello(raw.subarray(4));
      ch.extensions = ch.extensions.filter((e) => e.type !== ExtensionType.extended_master_secret);
      return encodeClientHello(ch);
    });
    p.s.input.write(bad);
    expectFailure(p.s, () => p.server.doHandshake(), { reason: 'SSL_R_EXTENDED_MASTER_SECRET_REQUIRED', alert: AlertDescription.handshake_failure });
  });
  test('TLS_FALLBACK_SCSV from a TLS 1.2 client to a TLS 1.3-capable server is inappropriate_fallback', () => {
    const p = pair(TLS12, {});
    const bad = rewriteFlight(clientHello(p), (raw) => {
      const ch = decodeClientHello(raw.subarray(4));
      ch.cipherSuites = [...ch.cipherSuites, CipherSuite.TLS_FALLBACK_SCSV];
      return encodeClientHello(ch);
    });
    p.s.input.write(bad);
    expectFailure(p.s, () => p.server.doHandshake(), { reason: 'SSL_R_INAPPROPRIATE_FALLBACK', alert: AlertDescription.inappropriate_fallback });
  });
  test('asking for SSLv3, TLS 1.0/1.1 or a CBC / RSA key transport suite is a clear error at configuration time', () => {
    const ctx = (o: SslContextOptions) => () => new SslContext({ provider: nodeCrypto, ...o });
    assert.throws(ctx({ minVersion: 'TLSv1.1' as never }), /TLSv1\.1 is not supported: typessl speaks only TLS 1\.2 and TLS 1\.3/);
    assert.throws(ctx({ minVersion: 'SSLv3' as never }), /not supported/);
    assert.throws(ctx({ maxVersion: 'TLSv1' as never }), /not supported/);
    assert.throws(ctx({ cipherList: 'AES128-SHA' }), /no RSA key transport, CBC, NULL, export/);
    assert.throws(ctx({ cipherList: 'ECDHE-RSA-AES128-SHA256' }), /only ECDHE with AES-GCM or ChaCha20-Poly1305/);
    assert.throws(ctx({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' }), /above maximum/);
  });
});

// Client certificates (mutual TLS): the client's certificate is the pair's own test certificate
// (serverAuth + clientAuth), which the server trusts as an anchor.
const mtlsClient = (): SslContextOptions => ({ ...TLS12, certificate: testCertificate().certificatePem, privateKey: testCertificate().privateKeyPem });
const mtlsServer = (mode = SSL_VERIFY_PEER): SslContextOptions => ({ trustedCertificates: testCertificate().certificatePem, verifyMode: mode });

/** The handshake messages of the plaintext records of a flight (up to its change_cipher_spec). */
function plaintextMessages(flight: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const r of parseRecords(flight)) {
    if (r.type === ContentType.change_cipher_spec) break;
    if (r.type === ContentType.handshake) out.push(...splitMessages(r.fragment));
  }
  return out;
}

/**
 * A mutual-TLS pair up to the client's second flight (Certificate, ClientKeyExchange,
 * CertificateVerify, CCS, Finished), which `fn` rewrites message by message as the client sends it;
 * the flight is left in the client's output.
 */
function clientSecondFlight(
  fn: (raw: Uint8Array, before: Uint8Array[]) => Uint8Array[],
  clientOpts: SslContextOptions = mtlsClient(),
  serverOpts: SslContextOptions = mtlsServer(),
): Pair {
  const p = pair(clientOpts, serverOpts);
  const hello = clientHello(p);
  // Every handshake message before the one `fn` sees, as a CertificateVerify would sign them.
  const before = plaintextMessages(hello);
  p.serverIn.write(hello);
  assert.equal(p.server.doHandshake(), -1);
  const flight = p.serverOut.drain();
  before.push(...plaintextMessages(flight));
  p.clientIn.write(flight);
  interceptSent(p.client.connection!, (raw) => {
    const out = fn(raw, before.slice());
    before.push(raw);
    return out;
  });
  assert.equal(p.client.doHandshake(), -1);
  return p;
}

/** Delivers the client's (tampered) second flight and expects the server to fail with a plaintext alert. */
function serverRejects(p: Pair, reason: string, alert: number): SslErrorInfo {
  p.transfer();
  return expectFailure(p.s, () => p.server.doHandshake(), { reason, alert });
}

/** `fn` applied to the body of one message type; other messages pass unchanged. */
function onType(type: number, fn: (body: Uint8Array, before: Uint8Array[]) => Uint8Array | null): (raw: Uint8Array, before: Uint8Array[]) => Uint8Array[] {
  return (raw, before) => {
    if (raw[0] !== type) return [raw];
    const body = fn(raw.subarray(4), before);
    return body === null ? [] : [encodeHandshake(type, body)];
  };
}

describe('CertificateRequest (client side)', () => {
  const toRequest = () => toServerFlight(mtlsClient(), mtlsServer());
  test('the server asks with rsa_sign + ecdsa_sign, its TLS 1.2 schemes and its CA name', () => {
    const { flight } = toRequest();
    const raw = plaintextMessages(flight).find((m) => m[0] === HandshakeType.certificate_request);
    assert.ok(raw, 'a CertificateRequest');
    const cr = decodeCertificateRequestTls12(raw.subarray(4));
    assert.deepEqual([...cr.certificateTypes], [ClientCertificateType.rsa_sign, ClientCertificateType.ecdsa_sign]);
    assert.ok(cr.signatureAlgorithms.includes(0x0403) && cr.signatureAlgorithms.includes(0x0804) && cr.signatureAlgorithms.includes(0x0401));
    assert.ok(!cr.signatureAlgorithms.some((s) => s >> 8 === 0x02), 'no SHA-1');
    assert.equal(cr.certificateAuthorities.length, 1);
  });
  test('a truncated CertificateRequest is decode_error (SSL_R_LENGTH_MISMATCH)', () => {
    const { p, flight } = toRequest();
    clientRejects(p, rewriteType(flight, HandshakeType.certificate_request, (b) => b.subarray(0, b.length - 1)), 'SSL_R_LENGTH_MISMATCH', AlertDescription.decode_error);
  });
  test('an empty certificate_types list is decode_error', () => {
    const { p, flight } = toRequest();
    clientRejects(p, rewriteType(flight, HandshakeType.certificate_request, (b) => concat(new Uint8Array([0]), b.subarray(1 + b[0]!))), 'SSL_R_LENGTH_MISMATCH', AlertDescription.decode_error);
  });
  test('an odd-length supported_signature_algorithms is decode_error', () => {
    const { p, flight } = toRequest();
    const bad = rewriteType(flight, HandshakeType.certificate_request, () => concat(new Uint8Array([1, 64, 0, 3, 4, 3, 8, 0, 0])));
    clientRejects(p, bad, 'SSL_R_LENGTH_MISMATCH', AlertDescription.decode_error);
  });
  test('a second CertificateRequest is unexpected_message (SSL_R_UNEXPECTED_MESSAGE)', () => {
    const { p, flight } = toRequest();
    const bad = rewriteFlight(flight, (raw) => (raw[0] === HandshakeType.certificate_request ? concat(raw, raw) : raw));
    clientRejects(p, bad, 'SSL_R_UNEXPECTED_MESSAGE', AlertDescription.unexpected_message);
  });
  test('a CertificateRequest after ServerHelloDone is unexpected_message (SSL_R_UNEXPECTED_MESSAGE)', () => {
    const { p, flight } = toRequest();
    const messages = plaintextMessages(flight);
    const request = messages.find((m) => m[0] === HandshakeType.certificate_request)!;
    // The client answers the ServerHelloDone first (its flight goes out), then meets the request.
    p.c.input.write(record(ContentType.handshake, concat(...messages.filter((m) => m !== request), request)));
    const info = assertFatal(p.client, p.client.doHandshake(), 'SSL_R_UNEXPECTED_MESSAGE');
    assert.deepEqual(info.alert, { description: AlertDescription.unexpected_message, name: 'unexpected_message', direction: 'sent' });
    // The alert follows the flight as the last record (encrypted: the client's keys are on by then).
    const records = parseRecords(p.clientOut.drain());
    assert.equal(records.at(-1)!.type, ContentType.alert);
    assert.equal(records.at(-2)!.type, ContentType.handshake, 'the Finished before it');
  });
  test('certificate_types without ecdsa_sign: an ECDSA client answers with an empty Certificate and no CertificateVerify', () => {
    const { p, flight } = toRequest();
    p.c.input.write(rewriteType(flight, HandshakeType.certificate_request, (b) => concat(new Uint8Array([1, ClientCertificateType.rsa_sign]), b.subarray(1 + b[0]!))));
    assert.equal(p.client.doHandshake(), -1);
    const sent = plaintextMessages(p.clientOut.drain());
    assert.deepEqual(sent.map((m) => m[0]), [HandshakeType.certificate, HandshakeType.client_key_exchange]);
    assert.deepEqual([...sent[0]!], [HandshakeType.certificate, 0, 0, 3, 0, 0, 0]);
  });
  test('signature schemes none of which fit the key: an empty Certificate, no CertificateVerify', () => {
    const { p, flight } = toRequest();
    p.c.input.write(rewriteType(flight, HandshakeType.certificate_request, (b) => concat(b.subarray(0, 1 + b[0]!), new Uint8Array([0, 4, 0x08, 0x04, 0x04, 0x01]), new Uint8Array([0, 0]))));
    assert.equal(p.client.doHandshake(), -1);
    const sent = plaintextMessages(p.clientOut.drain());
    assert.deepEqual(sent.map((m) => m[0]), [HandshakeType.certificate, HandshakeType.client_key_exchange]);
  });
});

describe('client Certificate and CertificateVerify (server side)', () => {
  test('the untampered flight: the server verifies the certificate and its CertificateVerify', () => {
    const p = clientSecondFlight((raw) => [raw]);
    p.transfer();
    assert.equal(p.server.doHandshake(), 1);
    assert.equal(p.server.getPeerCertificates().length, 1);
    assert.equal(p.server.getNegotiated()?.peerSignatureScheme, 0x0403);
  });
  test('no CertificateVerify after a certificate: unexpected_message (SSL_R_MISSING_VERIFY_MESSAGE)', () => {
    const p = clientSecondFlight(onType(HandshakeType.certificate_verify, () => null));
    const info = serverRejects(p, 'SSL_R_MISSING_VERIFY_MESSAGE', AlertDescription.unexpected_message);
    assert.match(info.message, /no CertificateVerify/);
  });
  test('a flipped signature bit is decrypt_error (SSL_R_BAD_SIGNATURE)', () => {
    const p = clientSecondFlight(onType(HandshakeType.certificate_verify, (b) => flipBit(b, b.length - 2)));
    serverRejects(p, 'SSL_R_BAD_SIGNATURE', AlertDescription.decrypt_error);
  });
  test('a signature by another key (the certificate is not the signer\'s) is decrypt_error (SSL_R_BAD_SIGNATURE)', () => {
    const stranger = nodeCrypto.importPrivateKey(createSelfSignedCertificate({ provider: nodeCrypto }).privateKeyPem);
    const p = clientSecondFlight(
      onType(HandshakeType.certificate_verify, (b, before) => {
        // The right content (every message before CertificateVerify), signed with a key the certificate does not hold.
        const { scheme } = decodeCertificateVerify(b);
        return encodeCertificateVerify({ scheme, signature: nodeCrypto.sign(scheme, stranger, concat(...before), true) }).subarray(4);
      }),
    );
    serverRejects(p, 'SSL_R_BAD_SIGNATURE', AlertDescription.decrypt_error);
  });
  test('a scheme the CertificateRequest did not offer (rsa_pkcs1_sha1) is illegal_parameter (SSL_R_WRONG_SIGNATURE_TYPE)', () => {
    const p = clientSecondFlight(onType(HandshakeType.certificate_verify, (b) => concat(new Uint8Array([0x02, 0x01]), b.subarray(2))));
    serverRejects(p, 'SSL_R_WRONG_SIGNATURE_TYPE', AlertDescription.illegal_parameter);
  });
  test('an offered scheme that does not fit the ECDSA key (rsa_pss_rsae_sha256) is illegal_parameter (SSL_R_WRONG_SIGNATURE_TYPE)', () => {
    const p = clientSecondFlight(onType(HandshakeType.certificate_verify, (b) => concat(new Uint8Array([0x08, 0x04]), b.subarray(2))));
    const info = serverRejects(p, 'SSL_R_WRONG_SIGNATURE_TYPE', AlertDescription.illegal_parameter);
    assert.match(info.message, /does not fit its ec certificate key/);
  });
  test('a truncated CertificateVerify is decode_error (SSL_R_LENGTH_MISMATCH)', () => {
    const p = clientSecondFlight(onType(HandshakeType.certificate_verify, (b) => b.subarray(0, b.length - 1)));
    serverRejects(p, 'SSL_R_LENGTH_MISMATCH', AlertDescription.decode_error);
  });
  test('a truncated client Certificate is decode_error (SSL_R_LENGTH_MISMATCH)', () => {
    const p = clientSecondFlight(onType(HandshakeType.certificate, (b) => b.subarray(0, b.length - 1)));
    serverRejects(p, 'SSL_R_LENGTH_MISMATCH', AlertDescription.decode_error);
  });
  test('a client Certificate that is not DER is bad_certificate', () => {
    const p = clientSecondFlight(onType(HandshakeType.certificate, () => encodeCertificateTls12({ chain: [new Uint8Array([0x30, 0x03, 1, 2, 3])] }).subarray(4)));
    serverRejects(p, 'SSL_R_BAD_CERTIFICATE', AlertDescription.bad_certificate);
  });
  test('a CertificateVerify after an empty Certificate is unexpected_message (SSL_R_UNEXPECTED_MESSAGE)', () => {
    const p = clientSecondFlight(onType(HandshakeType.certificate, () => encodeCertificateTls12({ chain: [] }).subarray(4)));
    serverRejects(p, 'SSL_R_UNEXPECTED_MESSAGE', AlertDescription.unexpected_message);
  });
  test('no Certificate message at all under FAIL_IF_NO_PEER_CERT: handshake_failure (SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE), as OpenSSL', () => {
    const p = clientSecondFlight(onType(HandshakeType.certificate, () => null), { ...TLS12 }, mtlsServer(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT));
    serverRejects(p, 'SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE', AlertDescription.handshake_failure);
  });
  test('no Certificate message at all under SSL_VERIFY_PEER alone: taken as no certificate, as OpenSSL', () => {
    const p = clientSecondFlight(onType(HandshakeType.certificate, () => null), { ...TLS12 }, mtlsServer());
    p.transfer();
    assert.equal(p.server.doHandshake(), 1, JSON.stringify(p.server.getErrorInfo()));
    assert.equal(p.server.getPeerCertificates().length, 0);
  });
});

describe('session tickets (RFC 5077)', () => {
  /** A full handshake whose server NewSessionTicket goes through `edit`; returns the pair with the server's last flight delivered to the client. */
  function lastFlightWithTicket(edit: (raw: Uint8Array) => Uint8Array[]): Pair {
    const p = pair(TLS12, {});
    p.server.doHandshake();
    interceptSent(p.server.connection!, (raw) => (raw[0] === HandshakeType.new_session_ticket ? edit(raw) : [raw]));
    deliverServerLastFlight(p);
    return p;
  }
  test('a truncated NewSessionTicket is decode_error, encrypted (the client already sent its Finished)', () => {
    const p = lastFlightWithTicket((raw) => [encodeHandshake(HandshakeType.new_session_ticket, raw.subarray(4, 9))]);
    const info = expectFailure(p.c, () => p.client.doHandshake(), { reason: 'SSL_R_LENGTH_MISMATCH', alert: AlertDescription.decode_error }, reader(p.s));
    assert.match(info.message, /NewSessionTicket/);
  });
  test('a promised NewSessionTicket that never comes: the change_cipher_spec is unexpected_message (SSL_R_CCS_RECEIVED_EARLY)', () => {
    const p = lastFlightWithTicket(() => []);
    expectFailure(p.c, () => p.client.doHandshake(), { reason: 'SSL_R_CCS_RECEIVED_EARLY', alert: AlertDescription.unexpected_message }, reader(p.s));
  });
  test('session_ticket in a ServerHello to a client that did not offer it (SSL_OP_NO_TICKET) is unsupported_extension', () => {
    const { p, flight } = toServerFlight({ options: SSL_OP_NO_TICKET });
    const bad = rewriteServerHello(flight, (sh) => sh.extensions.push({ type: ExtensionType.session_ticket, data: new Uint8Array(0) }));
    clientRejects(p, bad, 'SSL_R_UNSOLICITED_EXTENSION', AlertDescription.unsupported_extension);
  });
  test('a non-empty session_ticket in the ServerHello is decode_error (SSL_R_BAD_EXTENSION)', () => {
    const { p, flight } = toServerFlight();
    const bad = rewriteServerHello(flight, (sh) => {
      const ext = sh.extensions.find((e) => e.type === ExtensionType.session_ticket);
      assert.ok(ext, 'the server promised a ticket');
      ext.data = new Uint8Array([1, 2, 3]);
    });
    clientRejects(p, bad, 'SSL_R_BAD_EXTENSION', AlertDescription.decode_error);
  });
});
