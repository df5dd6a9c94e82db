// Internal consistency of the RFC 8448 transcription in rfc8448-data.ts.
//
// Everything here is recomputed with node:crypto alone (never with typessl code, so a bug in the
// library cannot hide a typo in the data, nor the other way round). Each hex string of the data
// file is either recomputed from other values or checked against a value it must equal, so a
// single wrong digit anywhere makes a test fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  X509Certificate,
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  verify,
} from 'node:crypto';
import {
  RFC8448_SERVER_CERTIFICATE_DER,
  RFC8448_SERVER_RSA_KEY,
  RFC8448_SERVER_RSA_KEY_PEM,
  rfc8448HelloRetry,
  rfc8448Simple,
  type Rfc8448HelloRetry,
  type Rfc8448Simple,
} from './rfc8448-data.js';

// ---- small helpers over node:crypto ----

const h = (hex: string): Buffer => Buffer.from(hex, 'hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sha256 = (...parts: string[]): string => {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(h(p));
  return hash.digest('hex');
};
const hmac = (key: string, data: string): string => createHmac('sha256', h(key)).update(h(data)).digest('hex');

/** HKDF-Extract (RFC 5869). An absent salt is HashLen zero octets, which HMAC treats like an empty key. */
const hkdfExtract = (salt: string, ikm: string): string => hmac(salt === '' ? '00'.repeat(32) : salt, ikm);

/** HKDF-Expand (RFC 5869), written out because node:crypto only offers extract+expand together. */
function hkdfExpand(prk: string, info: string, length: number): string {
  let t = '';
  let out = '';
  for (let i = 1; out.length < length * 2; i++) {
    t = hmac(prk, t + info + i.toString(16).padStart(2, '0'));
    out += t;
  }
  return out.slice(0, length * 2);
}

/** The HkdfLabel structure of RFC 8446 section 7.1, hex encoded. */
function hkdfLabel(label: string, context: string, length: number): string {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(length);
  return hex(len) + hex(Uint8Array.of(full.length)) + hex(full) + hex(Uint8Array.of(context.length / 2)) + context;
}
const expandLabel = (secret: string, label: string, context: string, length: number): string =>
  hkdfExpand(secret, hkdfLabel(label, context, length), length);

/** Splits a TLSPlaintext/TLSCiphertext record and checks its length field against its body. */
function record(rec: string): { type: number; version: number; header: string; body: string } {
  const b = h(rec);
  assert.ok(b.length >= 5, 'record shorter than its header');
  assert.equal(b.readUInt16BE(3), b.length - 5, `length field of ${rec.slice(0, 10)}… does not match its body`);
  return { type: b[0]!, version: b.readUInt16BE(1), header: rec.slice(0, 10), body: rec.slice(10) };
}

/** Per-record nonce of RFC 8446 section 5.3: the 64-bit sequence number XORed into the IV's tail. */
function nonce(iv: string, seq: number): Buffer {
  const n = h(iv);
  const s = Buffer.alloc(12);
  s.writeBigUInt64BE(BigInt(seq), 4);
  for (let i = 0; i < 12; i++) n[i] = n[i]! ^ s[i]!;
  return n;
}

/** Decrypts a TLS 1.3 AES-128-GCM record; returns inner content and content type. */
function open(rec: string, key: string, iv: string, seq: number): { content: string; type: number } {
  const { type, header, body } = record(rec);
  assert.equal(type, 23, 'protected records are application_data on the outside');
  const ct = h(body);
  const d = createDecipheriv('aes-128-gcm', h(key), nonce(iv, seq));
  d.setAAD(h(header));
  d.setAuthTag(ct.subarray(ct.length - 16));
  const inner = Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
  // The traces use no padding: the last octet is the real content type.
  return { content: hex(inner.subarray(0, inner.length - 1)), type: inner[inner.length - 1]! };
}

/** Encrypts content the way the RFC's sender did, so the whole record can be compared byte for byte. */
function seal(content: string, type: number, key: string, iv: string, seq: number): string {
  const inner = Buffer.concat([h(content), Uint8Array.of(type)]);
  const header = Buffer.from([23, 3, 3, 0, 0]);
  header.writeUInt16BE(inner.length + 16, 3);
  const c = createCipheriv('aes-128-gcm', h(key), nonce(iv, seq));
  c.setAAD(header);
  const ct = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
  return hex(header) + hex(ct);
}

/** Handshake message type and body, checking the 3-octet length. */
function message(msg: string): { type: number; body: string } {
  const b = h(msg);
  assert.equal(b.readUIntBE(1, 3), b.length - 4, `handshake length of ${msg.slice(0, 8)}…`);
  return { type: b[0]!, body: msg.slice(8) };
}

const x25519Private = (raw: string) =>
  createPrivateKey({ key: h('302e020100300506032b656e04220420' + raw), format: 'der', type: 'pkcs8' });
const x25519Public = (raw: string) =>
  createPublicKey({ key: h('302a300506032b656e032100' + raw), format: 'der', type: 'spki' });
const b64uToHex = (s: string | undefined): string => Buffer.from(s ?? '', 'base64url').toString('hex');
const big = (x: string): bigint => BigInt('0x' + x);

// The HelloRetryRequest random: SHA-256("HelloRetryRequest") (RFC 8446 section 4.1.3).
const HRR_RANDOM = createHash('sha256').update('HelloRetryRequest').digest('hex');

// ---- what both traces share ----

/** Fields present in both sections (same names, same meaning). */
type Common = { [K in keyof Rfc8448Simple & keyof Rfc8448HelloRetry]: Rfc8448Simple[K] };

/** The messages each transcript starts with, up to and including ServerHello. */
const helloPrefix = {
  s3: [rfc8448Simple.clientHello, rfc8448Simple.serverHello],
  // RFC 8446 4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by message_hash(Hash(ClientHello1)).
  s5: [
    'fe000020' + sha256(rfc8448HelloRetry.clientHello1),
    rfc8448HelloRetry.helloRetryRequest,
    rfc8448HelloRetry.clientHello2,
    rfc8448HelloRetry.serverHello,
  ],
};

const sections: Array<[name: 's3' | 's5', v: Common]> = [
  ['s3', rfc8448Simple],
  ['s5', rfc8448HelloRetry],
];

for (const [name, v] of sections) {
  const prefix = helloPrefix[name];
  const serverFlight = [v.encryptedExtensions, v.certificate, v.certificateVerify, v.serverFinished];

  test(`${name}: every hex string is lowercase hex with whole octets`, () => {
    for (const [k, val] of Object.entries(v)) {
      if (k === 'serverRsaPrivateKey' || k === 'serverRsaPrivateKeyPem') continue;
      assert.equal(typeof val, 'string', k);
      assert.match(val as string, /^(?:[0-9a-f]{2})+$/, k);
    }
  });

  test(`${name}: handshake messages have matching length fields and the right types`, () => {
    assert.equal(message(v.serverHello).type, 2);
    assert.equal(message(v.encryptedExtensions).type, 8);
    assert.equal(message(v.certificate).type, 11);
    assert.equal(message(v.certificateVerify).type, 15);
    assert.equal(message(v.serverFinished).type, 20);
    assert.equal(message(v.clientFinished).type, 20);
  });

  test(`${name}: the ServerHello record carries the ServerHello`, () => {
    const r = record(v.serverHelloRecord);
    assert.equal(r.type, 22);
    assert.equal(r.version, 0x0303);
    assert.equal(r.body, v.serverHello);
  });

  test(`${name}: early, handshake and master secrets follow HKDF-Extract`, () => {
    assert.equal(v.earlySecret, hkdfExtract('', '00'.repeat(32)));
    assert.equal(v.emptyHash, sha256());
    assert.equal(v.derivedInfo, hkdfLabel('derived', v.emptyHash, 32));
    assert.equal(v.derivedForHandshake, expandLabel(v.earlySecret, 'derived', sha256(), 32));
    assert.equal(v.handshakeSecret, hkdfExtract(v.derivedForHandshake, v.sharedSecret));
    assert.equal(v.derivedForMaster, expandLabel(v.handshakeSecret, 'derived', sha256(), 32));
    assert.equal(v.masterSecret, hkdfExtract(v.derivedForMaster, '00'.repeat(32)));
  });

  test(`${name}: transcript hashes cover the messages the RFC says`, () => {
    assert.equal(v.helloTranscriptHash, sha256(...prefix));
    assert.equal(v.serverFinishedTranscriptHash, sha256(...prefix, ...serverFlight));
    assert.equal(v.clientFinishedTranscriptHash, sha256(...prefix, ...serverFlight, v.clientFinished));
  });

  test(`${name}: HkdfLabel "info" values match their labels`, () => {
    assert.equal(v.clientHandshakeTrafficInfo, hkdfLabel('c hs traffic', v.helloTranscriptHash, 32));
    assert.equal(v.serverHandshakeTrafficInfo, hkdfLabel('s hs traffic', v.helloTranscriptHash, 32));
    assert.equal(v.keyInfo, hkdfLabel('key', '', 16));
    assert.equal(v.ivInfo, hkdfLabel('iv', '', 12));
    assert.equal(v.finishedInfo, hkdfLabel('finished', '', 32));
    assert.equal(v.clientApplicationTrafficInfo, hkdfLabel('c ap traffic', v.serverFinishedTranscriptHash, 32));
    assert.equal(v.serverApplicationTrafficInfo, hkdfLabel('s ap traffic', v.serverFinishedTranscriptHash, 32));
    assert.equal(v.exporterMasterInfo, hkdfLabel('exp master', v.serverFinishedTranscriptHash, 32));
    assert.equal(v.resumptionMasterInfo, hkdfLabel('res master', v.clientFinishedTranscriptHash, 32));
  });

  test(`${name}: traffic secrets are Derive-Secret of the right secret and transcript`, () => {
    assert.equal(v.clientHandshakeTrafficSecret, hkdfExpand(v.handshakeSecret, v.clientHandshakeTrafficInfo, 32));
    assert.equal(v.serverHandshakeTrafficSecret, hkdfExpand(v.handshakeSecret, v.serverHandshakeTrafficInfo, 32));
    assert.equal(v.clientApplicationTrafficSecret0, hkdfExpand(v.masterSecret, v.clientApplicationTrafficInfo, 32));
    assert.equal(v.serverApplicationTrafficSecret0, hkdfExpand(v.masterSecret, v.serverApplicationTrafficInfo, 32));
    assert.equal(v.exporterMasterSecret, hkdfExpand(v.masterSecret, v.exporterMasterInfo, 32));
    assert.equal(v.resumptionMasterSecret, hkdfExpand(v.masterSecret, v.resumptionMasterInfo, 32));
  });

  test(`${name}: write keys and IVs come from their traffic secrets`, () => {
    const pairs: Array<[string, string, string]> = [
      [v.serverHandshakeTrafficSecret, v.serverHandshakeKey, v.serverHandshakeIv],
      [v.clientHandshakeTrafficSecret, v.clientHandshakeKey, v.clientHandshakeIv],
      [v.serverApplicationTrafficSecret0, v.serverApplicationKey, v.serverApplicationIv],
      [v.clientApplicationTrafficSecret0, v.clientApplicationKey, v.clientApplicationIv],
    ];
    for (const [secret, key, iv] of pairs) {
      assert.equal(key, hkdfExpand(secret, v.keyInfo, 16));
      assert.equal(iv, hkdfExpand(secret, v.ivInfo, 12));
    }
  });

  test(`${name}: Finished keys, verify_data and Finished messages`, () => {
    assert.equal(v.serverFinishedKey, hkdfExpand(v.serverHandshakeTrafficSecret, v.finishedInfo, 32));
    assert.equal(v.clientFinishedKey, hkdfExpand(v.clientHandshakeTrafficSecret, v.finishedInfo, 32));
    // Server Finished covers ClientHello..CertificateVerify; client Finished covers up to server Finished.
    assert.equal(v.serverFinishedVerifyData, hmac(v.serverFinishedKey, sha256(...prefix, ...serverFlight.slice(0, 3))));
    assert.equal(v.clientFinishedVerifyData, hmac(v.clientFinishedKey, v.serverFinishedTranscriptHash));
    assert.equal(v.serverFinished, '14000020' + v.serverFinishedVerifyData);
    assert.equal(v.clientFinished, '14000020' + v.clientFinishedVerifyData);
  });

  test(`${name}: protected handshake records decrypt to the flights and re-encrypt byte for byte`, () => {
    const cases: Array<[string, string, string, string]> = [
      [v.serverEncryptedHandshakeRecord, serverFlight.join(''), v.serverHandshakeKey, v.serverHandshakeIv],
      [v.clientEncryptedHandshakeRecord, v.clientFinished, v.clientHandshakeKey, v.clientHandshakeIv],
    ];
    for (const [rec, content, key, iv] of cases) {
      const got = open(rec, key, iv, 0);
      assert.equal(got.type, 22);
      assert.equal(got.content, content);
      assert.equal(seal(content, 22, key, iv, 0), rec);
    }
  });

  test(`${name}: the Certificate message's first entry is serverCertificateDer`, () => {
    const b = h(v.certificate);
    const ctx = b[4]!;
    assert.equal(ctx, 0, 'server Certificate has an empty request context');
    const listLen = b.readUIntBE(5, 3);
    assert.equal(listLen, b.length - 8);
    const certLen = b.readUIntBE(8, 3);
    assert.equal(hex(b.subarray(11, 11 + certLen)), v.serverCertificateDer);
    assert.equal(b.readUInt16BE(11 + certLen), 0, 'no certificate extensions');
    assert.equal(11 + certLen + 2, b.length);
    assert.equal(v.serverCertificateDer, RFC8448_SERVER_CERTIFICATE_DER);
    const cert = new X509Certificate(h(v.serverCertificateDer));
    assert.equal(cert.subject, 'CN=rsa');
  });

  test(`${name}: CertificateVerify is a valid RSA-PSS SHA-256 signature over the transcript`, () => {
    const b = h(v.certificateVerify);
    assert.equal(b.readUInt16BE(4), 0x0804, 'rsa_pss_rsae_sha256');
    const sigLen = b.readUInt16BE(6);
    assert.equal(sigLen, b.length - 8);
    const signed = Buffer.concat([
      Buffer.alloc(64, 0x20),
      Buffer.from('TLS 1.3, server CertificateVerify', 'latin1'),
      Buffer.of(0),
      h(sha256(...prefix, v.encryptedExtensions, v.certificate)),
    ]);
    const key = new X509Certificate(h(v.serverCertificateDer)).publicKey;
    const opts = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    assert.ok(verify('sha256', signed, opts, b.subarray(8)));
    // A different transcript must not verify: the check above is not vacuous.
    signed[signed.length - 1] = signed[signed.length - 1]! ^ 1;
    assert.ok(!verify('sha256', signed, opts, b.subarray(8)));
  });

  test(`${name}: the RSA key in the section is the section 2 key`, () => {
    assert.deepEqual(v.serverRsaPrivateKey, RFC8448_SERVER_RSA_KEY);
    assert.equal(v.serverRsaPrivateKeyPem, RFC8448_SERVER_RSA_KEY_PEM);
  });
}

// ---- the server RSA key (section 2) ----

test('RSA key components are a consistent RSA key', () => {
  const k = RFC8448_SERVER_RSA_KEY;
  const n = big(k.modulus);
  const e = big(k.publicExponent);
  const d = big(k.privateExponent);
  const p = big(k.prime1);
  const q = big(k.prime2);
  assert.equal(p * q, n);
  assert.equal(d % (p - 1n), big(k.exponent1));
  assert.equal(d % (q - 1n), big(k.exponent2));
  assert.equal((q * big(k.coefficient)) % p, 1n);
  assert.equal((e * d) % (p - 1n), 1n);
  assert.equal((e * d) % (q - 1n), 1n);
});

test('RSA PEM is the same key as the components', () => {
  const jwk = createPrivateKey(RFC8448_SERVER_RSA_KEY_PEM).export({ format: 'jwk' });
  const k = RFC8448_SERVER_RSA_KEY;
  assert.equal(b64uToHex(jwk.n), k.modulus);
  assert.equal(b64uToHex(jwk.e), k.publicExponent);
  assert.equal(b64uToHex(jwk.d), k.privateExponent);
  assert.equal(b64uToHex(jwk.p), k.prime1);
  assert.equal(b64uToHex(jwk.q), k.prime2);
  assert.equal(b64uToHex(jwk.dp), k.exponent1);
  assert.equal(b64uToHex(jwk.dq), k.exponent2);
  assert.equal(b64uToHex(jwk.qi), k.coefficient);
});

test("RSA key's public half is the certificate's key", () => {
  const fromCert = new X509Certificate(h(RFC8448_SERVER_CERTIFICATE_DER)).publicKey.export({ type: 'spki', format: 'der' });
  const fromKey = createPublicKey(RFC8448_SERVER_RSA_KEY_PEM).export({ type: 'spki', format: 'der' });
  assert.equal(hex(fromCert), hex(fromKey));
});

test('the certificate is self-signed by the RSA key', () => {
  const cert = new X509Certificate(h(RFC8448_SERVER_CERTIFICATE_DER));
  assert.ok(cert.verify(createPublicKey(RFC8448_SERVER_RSA_KEY_PEM)));
  assert.equal(cert.validFrom, 'Jul 30 01:23:59 2016 GMT');
  assert.equal(cert.validTo, 'Jul 30 01:23:59 2026 GMT');
});

// ---- section 3 only ----

test('s3: ClientHello record carries the ClientHello and the hellos carry the X25519 shares', () => {
  const v = rfc8448Simple;
  const r = record(v.clientHelloRecord);
  assert.equal(r.type, 22);
  assert.equal(r.version, 0x0301);
  assert.equal(r.body, v.clientHello);
  assert.equal(message(v.clientHello).type, 1);
  // key_share entry: group x25519 (0x001d), 32-octet key.
  assert.ok(v.clientHello.includes('001d0020' + v.clientX25519Public));
  assert.ok(v.serverHello.includes('001d0020' + v.serverX25519Public));
});

test('s3: X25519 public keys match private keys and both sides agree on the shared secret', () => {
  const v = rfc8448Simple;
  const pubOf = (priv: string) => hex(createPublicKey(x25519Private(priv)).export({ type: 'spki', format: 'der' })).slice(24);
  assert.equal(pubOf(v.clientX25519Private), v.clientX25519Public);
  assert.equal(pubOf(v.serverX25519Private), v.serverX25519Public);
  const c = diffieHellman({ privateKey: x25519Private(v.clientX25519Private), publicKey: x25519Public(v.serverX25519Public) });
  const s = diffieHellman({ privateKey: x25519Private(v.serverX25519Private), publicKey: x25519Public(v.clientX25519Public) });
  assert.equal(hex(c), v.sharedSecret);
  assert.equal(hex(s), v.sharedSecret);
});

test('s3: NewSessionTicket, its nonce and the resumption PSK', () => {
  const v = rfc8448Simple;
  const { type, body } = message(v.newSessionTicket);
  assert.equal(type, 4);
  const b = h(body);
  // ticket_lifetime(4) ticket_age_add(4) ticket_nonce<0..255> ticket<1..2^16-1> extensions<0..2^16-2>
  const nonceLen = b[8]!;
  assert.equal(hex(b.subarray(9, 9 + nonceLen)), v.ticketNonce);
  const ticketLen = b.readUInt16BE(9 + nonceLen);
  const extAt = 11 + nonceLen + ticketLen;
  assert.equal(b.readUInt16BE(extAt), b.length - extAt - 2);
  assert.equal(v.resumptionInfo, hkdfLabel('resumption', v.ticketNonce, 32));
  assert.equal(v.resumptionPsk, expandLabel(v.resumptionMasterSecret, 'resumption', v.ticketNonce, 32));
});

test('s3: post-handshake records decrypt with the right keys and sequence numbers and re-encrypt byte for byte', () => {
  const v = rfc8448Simple;
  // Sequence numbers restart at 0 with each key; the server sends NewSessionTicket before its data.
  const cases: Array<[string, string, number, string, string, number]> = [
    [v.newSessionTicketRecord, v.newSessionTicket, 22, v.serverApplicationKey, v.serverApplicationIv, 0],
    [v.clientApplicationDataRecord, v.clientApplicationData, 23, v.clientApplicationKey, v.clientApplicationIv, 0],
    [v.serverApplicationDataRecord, v.serverApplicationData, 23, v.serverApplicationKey, v.serverApplicationIv, 1],
    [v.clientAlertRecord, v.clientAlert, 21, v.clientApplicationKey, v.clientApplicationIv, 1],
    [v.serverAlertRecord, v.serverAlert, 21, v.serverApplicationKey, v.serverApplicationIv, 2],
  ];
  for (const [rec, content, type, key, iv, seq] of cases) {
    const got = open(rec, key, iv, seq);
    assert.equal(got.type, type);
    assert.equal(got.content, content);
    assert.equal(seal(content, type, key, iv, seq), rec);
  }
  assert.equal(v.clientApplicationData, hex(Uint8Array.from({ length: 50 }, (_, i) => i)));
  assert.equal(v.serverApplicationData, v.clientApplicationData);
  assert.equal(v.clientAlert, '0100', 'warning close_notify');
  assert.equal(v.serverAlert, '0100', 'warning close_notify');
});

test('s3: a wrong sequence number does not decrypt (the record check is not vacuous)', () => {
  const v = rfc8448Simple;
  assert.throws(() => open(v.serverApplicationDataRecord, v.serverApplicationKey, v.serverApplicationIv, 0));
});

// ---- section 5 only ----

test('s5: plaintext records carry ClientHello1, HelloRetryRequest and ClientHello2', () => {
  const v = rfc8448HelloRetry;
  const cases: Array<[string, string, number]> = [
    [v.clientHello1Record, v.clientHello1, 0x0301],
    [v.helloRetryRequestRecord, v.helloRetryRequest, 0x0303],
    [v.clientHello2Record, v.clientHello2, 0x0303],
  ];
  for (const [rec, msg, version] of cases) {
    const r = record(rec);
    assert.equal(r.type, 22);
    assert.equal(r.version, version);
    assert.equal(r.body, msg);
  }
  assert.equal(message(v.clientHello1).type, 1);
  assert.equal(message(v.clientHello2).type, 1);
  // Both ClientHellos share random and session id: the retry changes only the extensions.
  assert.equal(v.clientHello1.slice(12, 78), v.clientHello2.slice(12, 78));
});

test('s5: HelloRetryRequest asks for secp256r1 and carries the cookie ClientHello2 echoes', () => {
  const v = rfc8448HelloRetry;
  const { type, body } = message(v.helloRetryRequest);
  assert.equal(type, 2, 'HelloRetryRequest has the ServerHello type');
  const b = h(body);
  assert.equal(hex(b.subarray(2, 34)), HRR_RANDOM);
  // legacy_version(2) random(32) session_id(1+0) cipher_suite(2) compression(1), then extensions.
  assert.equal(b[34], 0);
  assert.equal(b.readUInt16BE(35), 0x1301);
  let o = 38;
  const end = o + 2 + b.readUInt16BE(o);
  assert.equal(end, b.length);
  o += 2;
  const exts = new Map<number, string>();
  while (o < end) {
    const t = b.readUInt16BE(o);
    const len = b.readUInt16BE(o + 2);
    exts.set(t, hex(b.subarray(o + 4, o + 4 + len)));
    o += 4 + len;
  }
  assert.equal(o, end);
  assert.equal(exts.get(0x0033), '0017', 'key_share selected_group = secp256r1');
  assert.equal(exts.get(0x002b), '0304');
  const cookieLen = (v.helloRetryRequestCookie.length / 2).toString(16).padStart(4, '0');
  assert.equal(exts.get(0x002c), cookieLen + v.helloRetryRequestCookie);
  assert.ok(v.clientHello2.includes('002c' + (v.helloRetryRequestCookie.length / 2 + 2).toString(16).padStart(4, '0') + cookieLen + v.helloRetryRequestCookie));
});

test('s5: key shares appear in the hellos', () => {
  const v = rfc8448HelloRetry;
  assert.ok(v.clientHello1.includes('001d0020' + v.clientX25519Public));
  assert.ok(!v.clientHello1.includes(v.clientP256Public));
  assert.ok(v.clientHello2.includes('00170041' + v.clientP256Public));
  assert.ok(v.serverHello.includes('00170041' + v.serverP256Public));
  assert.equal(hex(h(v.serverHello).subarray(6, 38)) === HRR_RANDOM, false, 'the real ServerHello has its own random');
});

test('s5: X25519 and P-256 public keys match their private keys; ECDH gives the RFC shared secret', () => {
  const v = rfc8448HelloRetry;
  const xpub = hex(createPublicKey(x25519Private(v.clientX25519Private)).export({ type: 'spki', format: 'der' })).slice(24);
  assert.equal(xpub, v.clientX25519Public);
  const client = createECDH('prime256v1');
  client.setPrivateKey(h(v.clientP256Private));
  assert.equal(hex(client.getPublicKey()), v.clientP256Public);
  const server = createECDH('prime256v1');
  server.setPrivateKey(h(v.serverP256Private));
  assert.equal(hex(server.getPublicKey()), v.serverP256Public);
  assert.equal(hex(client.computeSecret(h(v.serverP256Public))), v.sharedSecret);
  assert.equal(hex(server.computeSecret(h(v.clientP256Public))), v.sharedSecret);
});

test('s5: the HelloRetryRequest transcript starts with message_hash of ClientHello1', () => {
  const v = rfc8448HelloRetry;
  // Hashing ClientHello1 directly instead would give a different hash: the construction matters.
  assert.notEqual(v.helloTranscriptHash, sha256(v.clientHello1, v.helloRetryRequest, v.clientHello2, v.serverHello));
  assert.equal(v.helloTranscriptHash, sha256('fe000020' + sha256(v.clientHello1), v.helloRetryRequest, v.clientHello2, v.serverHello));
});

test('s5: close_notify records decrypt and re-encrypt byte for byte', () => {
  const v = rfc8448HelloRetry;
  const cases: Array<[string, string, string, string]> = [
    [v.clientAlertRecord, v.clientAlert, v.clientApplicationKey, v.clientApplicationIv],
    [v.serverAlertRecord, v.serverAlert, v.serverApplicationKey, v.serverApplicationIv],
  ];
  for (const [rec, content, key, iv] of cases) {
    const got = open(rec, key, iv, 0);
    assert.equal(got.type, 21);
    assert.equal(got.content, content);
    assert.equal(content, '0100');
    assert.equal(seal(content, 21, key, iv, 0), rec);
  }
});
