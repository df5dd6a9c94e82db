/**
 * RFC 8448 section 4 (Resumed 0-RTT Handshake), the parts typessl does: the PSK binder of the
 * client's ClientHello, and a server that accepts that PSK while refusing the 0-RTT data safely.
 * The early data itself is out of scope (typessl never sends it and never accepts it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../src/crypto/node.js';
import { suiteInfo } from '../../src/crypto/suites.js';
import type { EngineConfig, PskQuery } from '../../src/engine/config.js';
import { Connection } from '../../src/engine/connection.js';
import { Transcript } from '../../src/engine/transcript.js';
import { binderTranscriptHash, pskBinder } from '../../src/engine/tls13/psk.js';
import { CipherSuite, ExtensionType, HandshakeType, NamedGroup, SignatureScheme } from '../../src/wire/enums.js';
import { decodeOfferedPsks } from '../../src/wire/extensions.js';
import { decodeClientHello, decodeServerHello, findExtension } from '../../src/wire/handshake.js';
import { rfc8448Simple as simple } from './rfc8448-data.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** {client} send handshake record: the ClientHello of section 4 (512 octets), binder at the end. */
const CLIENT_HELLO = hex(`
  01 00 01 fc 03 03 1b c3 ce b6 bb e3 9c ff
  93 83 55 b5 a5 0a db 6d b2 1b 7a 6a f6 49 d7 b4 bc 41 9d 78 76
  48 7d 95 00 00 06 13 01 13 03 13 02 01 00 01 cd 00 00 00 0b 00
  09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00 12
  00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 33 00
  26 00 24 00 1d 00 20 e4 ff b6 8a c0 5f 8d 96 c9 9d a2 66 98 34
  6c 6b e1 64 82 ba dd da fe 05 1a 66 b4 f1 8d 66 8f 0b 00 2a 00
  00 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02
  03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06 02
  02 02 00 2d 00 02 01 01 00 1c 00 02 40 01 00 15 00 57 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 29 00 dd 00 b8 00 b2 2c 03 5d 82 93 59 ee 5f f7 af 4e c9 00
  00 00 00 26 2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70
  ad 3c 49 88 83 c9 36 7c 09 a2 be 78 5a bc 55 cd 22 60 97 a3 a9
  82 11 72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6
  1d 28 27 db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0
  37 25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5
  90 6c 5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5
  ae a6 17 64 6f ac 5c 03 27 2e 97 07 27 c6 21 a7 91 41 ef 5f 7d
  e6 50 5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 fa d6 aa
  cb 00 21 20 3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d
  ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d`);
/** The binder hash (transcript of the truncated ClientHello) and the binder, as the RFC prints them. */
const BINDER_HASH = '63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14';
const BINDER = '3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d';
/** {client} send application_data record: the 0-RTT data under client_early_traffic_secret. */
const EARLY_DATA_RECORD = hex('17 03 03 00 17 ab 1d f4 20 e7 5c 45 7a 7c c5 d2 84 4f 76 d5 ae e4 b4 ed bf 04 9b e0');

function record(type: number, fragment: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + fragment.length);
  out.set([type, 3, 1, fragment.length >> 8, fragment.length & 0xff]);
  out.set(fragment, 5);
  return out;
}

test('RFC 8448 section 4: the ClientHello PSK binder from the section 3 ticket PSK', () => {
  const offered = decodeOfferedPsks(findExtension(decodeClientHello(CLIENT_HELLO.subarray(4)).extensions, ExtensionType.pre_shared_key)!.data);
  assert.equal(toHex(offered.binders[0]!), BINDER);
  const th = binderTranscriptHash(new Transcript(nodeCrypto), 'sha256', CLIENT_HELLO, offered.binders);
  assert.equal(toHex(th), BINDER_HASH);
  assert.equal(toHex(pskBinder(nodeCrypto, 'sha256', hex(simple.resumptionPsk), th)), BINDER);
});

test('RFC 8448 section 4, server role: the PSK is accepted, 0-RTT is refused and its record skipped', () => {
  const queries: PskQuery[] = [];
  const cfg: EngineConfig = {
    provider: nodeCrypto,
    now: () => 0,
    cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256],
    groups: [NamedGroup.x25519],
    signatureSchemes: [SignatureScheme.rsa_pss_rsae_sha256],
    alpnProtocols: [],
    middleboxCompat: false,
    maxFragmentLength: 16384,
    lookupPsk(query) {
      queries.push(query);
      return { psk: hex(simple.resumptionPsk), suite: suiteInfo(CipherSuite.TLS_AES_128_GCM_SHA256)!, peerCertificates: [] };
    },
  };
  const conn = new Connection(cfg, 'server');
  conn.receive(record(22, CLIENT_HELLO));
  assert.deepEqual(conn.nextRecord(), { kind: 'handshake' });
  assert.equal(queries.length, 1);
  assert.equal(queries[0]!.serverName, 'server');
  assert.equal(queries[0]!.identity.length, 178);
  assert.equal(conn.negotiated.resumed, true);
  // ServerHello: pre_shared_key selects identity 0.
  const out = conn.takeOutput()!;
  assert.equal(out[0], 22);
  assert.equal(out[5], HandshakeType.server_hello);
  const sh = decodeServerHello(out.subarray(9, 5 + ((out[3]! << 8) | out[4]!)));
  assert.equal(toHex(findExtension(sh.extensions, ExtensionType.pre_shared_key)!.data), '0000');
  // The early data record cannot be opened with the handshake key: skipped, not fatal.
  conn.receive(EARLY_DATA_RECORD);
  assert.deepEqual(conn.nextRecord(), { kind: 'ignored', what: 'skipped early data' });
  assert.equal(conn.failure, null);
});

test('RFC 8448 section 4, server role: a binder that does not verify is decrypt_error', () => {
  const bad = CLIENT_HELLO.slice();
  bad[bad.length - 1]! ^= 1;
  const conn = new Connection(
    {
      provider: nodeCrypto,
      now: () => 0,
      cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256],
      groups: [NamedGroup.x25519],
      signatureSchemes: [SignatureScheme.rsa_pss_rsae_sha256],
      alpnProtocols: [],
      middleboxCompat: false,
      maxFragmentLength: 16384,
      lookupPsk: () => ({ psk: hex(simple.resumptionPsk), suite: suiteInfo(CipherSuite.TLS_AES_128_GCM_SHA256)!, peerCertificates: [] }),
    },
    'server',
  );
  conn.receive(record(22, bad));
  assert.throws(() => conn.nextRecord(), (e: Error & { reason?: string; alert?: number }) => e.reason === 'SSL_R_BINDER_DOES_NOT_VERIFY' && e.alert === 51);
});
