/**
 * Bad input at the handshake layer (TLS 1.3): hellos with missing, duplicated, contradictory or
 * malformed extensions, key shares that are not points, choices the other side never offered,
 * messages out of order, and forged CertificateVerify / Finished. Each case makes one side send
 * the bad message (through the engine's hooks, or by rewriting what it sends) and checks the
 * victim's return value, reason, the alert it put on the wire and that the failure is sticky
 * (see `expectFailure` in bad-input-kit.ts). The record-layer cases are in bad-input.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HandshakeHooks } from '../../src/engine/config.js';
import type { SslContextOptions } from '../../src/ssl/context.js';
import { AlertDescription, CipherSuite, ExtensionType, HandshakeType, NamedGroup, SignatureScheme } from '../../src/wire/enums.js';
import {
  decodeCertificateVerify,
  decodeFinished,
  encodeCertificateVerify,
  encodeFinished,
  encodeHandshake,
} from '../../src/wire/handshake.js';
import {
  decodeKeyShareClient,
  encodeKeyShareClient,
  encodeKeyShareServer,
  encodeSupportedVersionsClient,
  encodeSupportedVersionsServer,
  encodeU16List,
  decodeKeyShareServer,
} from '../../src/wire/extensions.js';
import type { ClientHello, Extension, ServerHello } from '../../src/wire/messages.js';
import {
  clientHello,
  expectFailure,
  handshaker,
  interceptSent,
  pair,
  serverConnection,
  serverFlight,
  type Pair,
} from './bad-input-kit.js';

// ------------------------------------------------------------------------------ helpers

const without = (exts: Extension[], type: number): Extension[] => exts.filter((e) => e.type !== type);
const replace = (exts: Extension[], type: number, data: Uint8Array): Extension[] => exts.map((e) => (e.type === type ? { type, data } : e));

/** A pair whose client sends a ClientHello rewritten by `fn`. */
function withClientHello(fn: (h: ClientHello) => ClientHello, clientOpts: SslContextOptions = {}, serverOpts: SslContextOptions = {}): Pair {
  const hooks: HandshakeHooks = { clientHello: fn };
  return pair({ ...clientOpts, hooks }, serverOpts);
}

/** The server reads the rewritten ClientHello and must fail on it with a plaintext alert. */
function serverRejects(p: Pair, reason: string, alert: number): void {
  p.s.input.write(clientHello(p));
  expectFailure(p.s, () => p.server.accept(), { reason, alert });
}

/** A pair whose server sends a ServerHello rewritten by `fn`; the client must fail on it with a plaintext alert. */
function clientRejectsServerHello(fn: (h: ServerHello) => ServerHello, reason: string, alert: number, clientOpts: SslContextOptions = {}): void {
  const p = pair(clientOpts, { hooks: { serverHello: fn } });
  p.c.input.write(serverFlight(p, clientHello(p)));
  expectFailure(p.c, () => p.client.connect(), { reason, alert });
}

/**
 * A pair whose server's encrypted flight is rewritten message by message (`fn` gets each handshake
 * message, header included, and returns what to send instead). The client must fail on it; its
 * alert is protected under its handshake key, so the server, waiting for the client's Finished,
 * is the witness.
 */
function clientRejectsServerFlight(fn: (raw: Uint8Array) => Uint8Array[], reason: string, alert: number): void {
  const p = pair();
  interceptSent(serverConnection(p), fn);
  p.c.input.write(serverFlight(p, clientHello(p)));
  expectFailure(p.c, () => p.client.connect(), { reason, alert }, handshaker(p.s));
}

const only = (type: number, fn: (raw: Uint8Array) => Uint8Array[]) => (raw: Uint8Array): Uint8Array[] => (raw[0] === type ? fn(raw) : [raw]);

// ------------------------------------------------------------------------------ ClientHello (server is the victim)

test('ClientHello with no cipher suite the server enables: handshake_failure', () => {
  const p = withClientHello((h) => ({ ...h, cipherSuites: [0x1304 /* TLS_AES_128_CCM_SHA256, not implemented */] }));
  serverRejects(p, 'SSL_R_NO_SHARED_CIPHER', AlertDescription.handshake_failure);
});

test('ClientHello offering only TLS 1.1 in supported_versions: protocol_version', () => {
  const p = withClientHello((h) => ({ ...h, extensions: replace(h.extensions, ExtensionType.supported_versions, encodeSupportedVersionsClient([0x0302])) }));
  serverRejects(p, 'SSL_R_UNSUPPORTED_PROTOCOL', AlertDescription.protocol_version);
});

test('ClientHello with compression methods other than [null]: illegal_parameter', () => {
  const p = withClientHello((h) => ({ ...h, legacyCompressionMethods: new Uint8Array([1, 0]) }));
  serverRejects(p, 'SSL_R_BAD_COMPRESSION', AlertDescription.illegal_parameter);
});

test('TLS 1.3 ClientHello without signature_algorithms: missing_extension', () => {
  const p = withClientHello((h) => ({ ...h, extensions: without(h.extensions, ExtensionType.signature_algorithms) }));
  serverRejects(p, 'SSL_R_MISSING_EXTENSION', AlertDescription.missing_extension);
});

test('TLS 1.3 ClientHello with key_share but no supported_groups: missing_extension', () => {
  const p = withClientHello((h) => ({ ...h, extensions: without(h.extensions, ExtensionType.supported_groups) }));
  serverRejects(p, 'SSL_R_MISSING_EXTENSION', AlertDescription.missing_extension);
});

test('TLS 1.3 ClientHello with supported_groups but no key_share: missing_extension', () => {
  const p = withClientHello((h) => ({ ...h, extensions: without(h.extensions, ExtensionType.key_share) }));
  serverRejects(p, 'SSL_R_MISSING_EXTENSION', AlertDescription.missing_extension);
});

test('ClientHello with the same extension twice: illegal_parameter', () => {
  const p = withClientHello((h) => {
    const alpn = h.extensions.find((e) => e.type === ExtensionType.signature_algorithms)!;
    return { ...h, extensions: [alpn, ...h.extensions] };
  });
  serverRejects(p, 'SSL_R_DUPLICATE_EXTENSION', AlertDescription.illegal_parameter);
});

test('ClientHello key_share with two entries for one group: illegal_parameter', () => {
  const p = withClientHello((h) => {
    const [entry] = decodeKeyShareClient(h.extensions.find((e) => e.type === ExtensionType.key_share)!.data);
    return { ...h, extensions: replace(h.extensions, ExtensionType.key_share, encodeKeyShareClient([entry!, entry!])) };
  });
  serverRejects(p, 'SSL_R_BAD_KEY_SHARE', AlertDescription.illegal_parameter);
});

test('ClientHello key_share for a group missing from supported_groups: illegal_parameter', () => {
  const p = withClientHello((h) => ({
    ...h,
    extensions: replace(h.extensions, ExtensionType.supported_groups, encodeU16List([NamedGroup.secp256r1])),
  }));
  serverRejects(p, 'SSL_R_BAD_KEY_SHARE', AlertDescription.illegal_parameter);
});

test('an X25519 key share of 31 bytes: illegal_parameter', () => {
  const p = withClientHello((h) => ({
    ...h,
    extensions: replace(h.extensions, ExtensionType.key_share, encodeKeyShareClient([{ group: NamedGroup.x25519, keyExchange: new Uint8Array(31).fill(9) }])),
  }));
  serverRejects(p, 'SSL_R_BAD_KEY_SHARE', AlertDescription.illegal_parameter);
});

test('an all-zero X25519 key share (a low-order point: the shared secret would be zero): illegal_parameter', () => {
  const p = withClientHello((h) => ({
    ...h,
    extensions: replace(h.extensions, ExtensionType.key_share, encodeKeyShareClient([{ group: NamedGroup.x25519, keyExchange: new Uint8Array(32) }])),
  }));
  serverRejects(p, 'SSL_R_BAD_KEY_SHARE', AlertDescription.illegal_parameter);
});

test('a P-256 key share that is not a point on the curve: illegal_parameter', () => {
  const bogus = new Uint8Array(65).fill(0x11);
  bogus[0] = 4;
  const p = withClientHello(
    (h) => ({ ...h, extensions: replace(h.extensions, ExtensionType.key_share, encodeKeyShareClient([{ group: NamedGroup.secp256r1, keyExchange: bogus }])) }),
    { groups: 'P-256' },
  );
  serverRejects(p, 'SSL_R_BAD_KEY_SHARE', AlertDescription.illegal_parameter);
});

test('a ClientHello whose body is cut short (length fields disagree): decode_error', () => {
  const p = pair();
  const hello = clientHello(p);
  // Drop the last 3 bytes of the message but keep every length field: the record and handshake
  // headers are fixed up, so only the inner vectors disagree with what is there.
  const cut = hello.slice(0, hello.length - 3);
  const recLen = cut.length - 5;
  cut[3] = recLen >> 8;
  cut[4] = recLen & 0xff;
  const hsLen = recLen - 4;
  cut[6] = hsLen >> 16;
  cut[7] = (hsLen >> 8) & 0xff;
  cut[8] = hsLen & 0xff;
  p.s.input.write(cut);
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_LENGTH_MISMATCH', alert: AlertDescription.decode_error });
});

test('a handshake message announcing 16 MiB is rejected from its header (illegal_parameter), not buffered', () => {
  const p = pair();
  const header = encodeHandshake(HandshakeType.client_hello, new Uint8Array(0));
  header[1] = 0xff;
  header[2] = 0xff;
  header[3] = 0xff;
  const rec = new Uint8Array(5 + 4);
  rec.set([22, 3, 1, 0, 4], 0);
  rec.set(header.subarray(0, 4), 5);
  p.s.input.write(rec);
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_EXCESSIVE_MESSAGE_SIZE', alert: AlertDescription.illegal_parameter });
});

// ------------------------------------------------------------------------------ ServerHello (client is the victim)

test('ServerHello choosing a suite the client did not offer: illegal_parameter', () => {
  clientRejectsServerHello(
    (h) => ({ ...h, cipherSuite: CipherSuite.TLS_AES_256_GCM_SHA384 }),
    'SSL_R_WRONG_CIPHER_RETURNED',
    AlertDescription.illegal_parameter,
    { ciphersuites: 'TLS_AES_128_GCM_SHA256' },
  );
});

test('ServerHello with a key share for a group the client did not send: illegal_parameter', () => {
  clientRejectsServerHello(
    (h) => ({ ...h, extensions: replace(h.extensions, ExtensionType.key_share, encodeKeyShareServer({ group: NamedGroup.secp384r1, keyExchange: new Uint8Array(97).fill(4) })) }),
    'SSL_R_BAD_KEY_SHARE',
    AlertDescription.illegal_parameter,
  );
});

test('ServerHello without key_share (and no PSK): missing_extension', () => {
  clientRejectsServerHello((h) => ({ ...h, extensions: without(h.extensions, ExtensionType.key_share) }), 'SSL_R_MISSING_EXTENSION', AlertDescription.missing_extension);
});

test('ServerHello selecting a version the client did not offer (0x0305): illegal_parameter', () => {
  clientRejectsServerHello(
    (h) => ({ ...h, extensions: replace(h.extensions, ExtensionType.supported_versions, encodeSupportedVersionsServer(0x0305)) }),
    'SSL_R_UNSUPPORTED_PROTOCOL',
    AlertDescription.illegal_parameter,
  );
});

test('ServerHello not echoing the legacy session ID: illegal_parameter', () => {
  clientRejectsServerHello(
    (h) => ({ ...h, legacySessionIdEcho: h.legacySessionIdEcho.map((b) => b ^ 0xff) }),
    'SSL_R_BAD_SESSION_ID',
    AlertDescription.illegal_parameter,
  );
});

test('ServerHello with a compression method other than 0: illegal_parameter', () => {
  clientRejectsServerHello((h) => ({ ...h, legacyCompressionMethod: 1 }), 'SSL_R_BAD_COMPRESSION', AlertDescription.illegal_parameter);
});

test('ServerHello with an extension the client never offered: unsupported_extension', () => {
  clientRejectsServerHello(
    (h) => ({ ...h, extensions: [...h.extensions, { type: 0x1234, data: new Uint8Array(0) }] }),
    'SSL_R_UNSOLICITED_EXTENSION',
    AlertDescription.unsupported_extension,
  );
});

test('ServerHello with an X25519 key share that is not 32 bytes: illegal_parameter', () => {
  clientRejectsServerHello(
    (h) => {
      const share = decodeKeyShareServer(h.extensions.find((e) => e.type === ExtensionType.key_share)!.data);
      return { ...h, extensions: replace(h.extensions, ExtensionType.key_share, encodeKeyShareServer({ group: share.group, keyExchange: share.keyExchange.subarray(0, 16) })) };
    },
    'SSL_R_BAD_KEY_SHARE',
    AlertDescription.illegal_parameter,
  );
});

// ------------------------------------------------------------------------------ the server's encrypted flight

test('EncryptedExtensions with a key_share extension (not allowed there): illegal_parameter', () => {
  const p = pair({}, { hooks: { encryptedExtensions: (ee) => ({ extensions: [...ee.extensions, { type: ExtensionType.key_share, data: new Uint8Array(0) }] }) } });
  p.c.input.write(serverFlight(p, clientHello(p)));
  expectFailure(p.c, () => p.client.connect(), { reason: 'SSL_R_BAD_EXTENSION', alert: AlertDescription.illegal_parameter }, handshaker(p.s));
});

test('EncryptedExtensions with ALPN the client did not offer: unsupported_extension', () => {
  const alpn: Extension = { type: ExtensionType.application_layer_protocol_negotiation, data: new Uint8Array([0, 3, 2, 0x68, 0x32]) };
  const p = pair({}, { hooks: { encryptedExtensions: (ee) => ({ extensions: [...ee.extensions, alpn] }) } });
  p.c.input.write(serverFlight(p, clientHello(p)));
  expectFailure(p.c, () => p.client.connect(), { reason: 'SSL_R_UNSOLICITED_EXTENSION', alert: AlertDescription.unsupported_extension }, handshaker(p.s));
});

test('server flight without EncryptedExtensions (Certificate first): unexpected_message', () => {
  clientRejectsServerFlight(only(HandshakeType.encrypted_extensions, () => []), 'SSL_R_UNEXPECTED_MESSAGE', AlertDescription.unexpected_message);
});

test('server flight without CertificateVerify (Finished after Certificate): unexpected_message', () => {
  clientRejectsServerFlight(only(HandshakeType.certificate_verify, () => []), 'SSL_R_UNEXPECTED_MESSAGE', AlertDescription.unexpected_message);
});

test('server Certificate with no certificates: decode_error (RFC 8446 4.4.2.4)', () => {
  // An empty Certificate: context length 0, certificate_list length 0.
  clientRejectsServerFlight(
    only(HandshakeType.certificate, () => [encodeHandshake(HandshakeType.certificate, new Uint8Array([0, 0, 0, 0]))]),
    'SSL_R_BAD_CERTIFICATE',
    AlertDescription.decode_error,
  );
});

test('server CertificateVerify with a flipped signature bit: decrypt_error', () => {
  clientRejectsServerFlight(
    only(HandshakeType.certificate_verify, (raw) => {
      const cv = decodeCertificateVerify(raw.subarray(4));
      const sig = cv.signature.slice();
      sig[sig.length - 5]! ^= 1;
      return [encodeCertificateVerify({ scheme: cv.scheme, signature: sig })];
    }),
    'SSL_R_BAD_SIGNATURE',
    AlertDescription.decrypt_error,
  );
});

test('server CertificateVerify with a scheme the client did not offer: illegal_parameter', () => {
  clientRejectsServerFlight(
    only(HandshakeType.certificate_verify, (raw) => {
      const cv = decodeCertificateVerify(raw.subarray(4));
      return [encodeCertificateVerify({ scheme: SignatureScheme.rsa_pkcs1_sha256, signature: cv.signature })];
    }),
    'SSL_R_WRONG_SIGNATURE_TYPE',
    AlertDescription.illegal_parameter,
  );
});

test('server Finished with wrong verify_data: decrypt_error', () => {
  clientRejectsServerFlight(
    only(HandshakeType.finished, (raw) => {
      const f = decodeFinished(raw.subarray(4));
      const v = f.verifyData.slice();
      v[0]! ^= 0x80;
      return [encodeFinished({ verifyData: v })];
    }),
    'SSL_R_DIGEST_CHECK_FAILED',
    AlertDescription.decrypt_error,
  );
});

test('server Finished of the wrong length: decode_error', () => {
  clientRejectsServerFlight(
    only(HandshakeType.finished, (raw) => [encodeHandshake(HandshakeType.finished, raw.subarray(4, raw.length - 1))]),
    'SSL_R_BAD_DIGEST_LENGTH',
    AlertDescription.decode_error,
  );
});

test('a second ServerHello inside the encrypted flight: unexpected_message', () => {
  let serverHello: Uint8Array | null = null;
  clientRejectsServerFlight(
    (raw) => {
      if (raw[0] === HandshakeType.server_hello) {
        serverHello = raw;
        return [raw];
      }
      return raw[0] === HandshakeType.encrypted_extensions ? [serverHello!, raw] : [raw];
    },
    'SSL_R_UNEXPECTED_MESSAGE',
    AlertDescription.unexpected_message,
  );
});

// ------------------------------------------------------------------------------ the client's flight (server is the victim)

test('client Finished with wrong verify_data: decrypt_error (the client reads the server alert)', () => {
  const p = pair();
  p.s.input.write(clientHello(p));
  assert.equal(p.server.accept(), -1);
  p.c.input.write(p.s.output.drain());
  interceptSent(p.client.connection!, only(HandshakeType.finished, (raw) => {
    const v = decodeFinished(raw.subarray(4)).verifyData.slice();
    v[3]! ^= 1;
    return [encodeFinished({ verifyData: v })];
  }));
  // The client believes it is done; the server checks its Finished.
  assert.equal(p.client.connect(), 1);
  p.s.input.write(p.c.output.drain());
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_DIGEST_CHECK_FAILED', alert: AlertDescription.decrypt_error }, {
    side: p.c,
    op: () => p.client.read(new Uint8Array(16)),
    ret: 0,
  });
});
