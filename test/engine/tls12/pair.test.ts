/**
 * TLS 1.2 between two typessl endpoints over memory BIOs: every suite with ECDSA and RSA
 * certificates, every group, version negotiation in each direction, ALPN/SNI, the exporter and
 * the negotiated session state.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../../src/crypto/node.js';
import { suiteInfo, TLS12_SUITES } from '../../../src/crypto/suites.js';
import { NamedGroup } from '../../../src/wire/enums.js';
import { createSelfSignedCertificate } from '../../../src/x509/self-signed.js';
import { memoryPair } from '../../helpers/memory-pair.js';

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
const rsa = createSelfSignedCertificate({ provider: nodeCrypto, keyKind: 'rsa-2048' });

function roundTrip(p: ReturnType<typeof memoryPair>, size = 40000): void {
  const up = nodeCrypto.randomBytes(size);
  const down = nodeCrypto.randomBytes(size);
  assert.equal(p.client.write(up), size);
  assert.equal(p.server.write(down), size);
  p.transfer();
  const got = (ssl: typeof p.client): Uint8Array => {
    const buf = new Uint8Array(size);
    let n = 0;
    while (n < size) {
      const r = ssl.read(buf.subarray(n));
      if (r <= 0) break;
      n += r;
    }
    return Buffer.from(buf.subarray(0, n));
  };
  assert.ok(same(got(p.server), up), 'client -> server data intact');
  assert.ok(same(got(p.client), down), 'server -> client data intact');
}

describe('TLS 1.2 typessl <-> typessl', () => {
  for (const id of TLS12_SUITES) {
    const suite = suiteInfo(id)!;
    test(`suite ${suite.opensslName}`, () => {
      const serverOpts = suite.auth === 'rsa' ? { certificate: rsa.certificatePem, privateKey: rsa.privateKeyPem } : {};
      const clientOpts = suite.auth === 'rsa' ? { trustedCertificates: rsa.certificatePem } : {};
      const p = memoryPair({ ...clientOpts, maxVersion: 'TLSv1.2', cipherList: [id] }, serverOpts);
      p.handshake();
      for (const ssl of [p.client, p.server]) {
        assert.equal(ssl.getVersion(), 'TLSv1.2');
        assert.equal(ssl.getCipherName(), suite.opensslName);
      }
      const c = p.client.connection!.tls12!;
      const s = p.server.connection!.tls12!;
      assert.ok(same(c.masterSecret, s.masterSecret));
      assert.equal(c.extendedMasterSecret, true);
      assert.equal(c.secureRenegotiation, true);
      assert.equal(s.sessionId.length, 32);
      assert.ok(same(c.sessionId, s.sessionId));
      roundTrip(p);
    });
  }
  for (const [name, group] of [['X25519', NamedGroup.x25519], ['P-256', NamedGroup.secp256r1], ['P-384', NamedGroup.secp384r1]] as const) {
    test(`group ${name}`, () => {
      const p = memoryPair({ maxVersion: 'TLSv1.2' }, { groups: [group] });
      p.handshake();
      assert.equal(p.client.getNegotiated()?.group, group);
      roundTrip(p, 1000);
    });
  }
  test('a TLS 1.3-capable client and a TLS 1.2-only server agree on TLS 1.2', () => {
    const p = memoryPair({}, { maxVersion: 'TLSv1.2' });
    p.handshake();
    assert.equal(p.client.getVersion(), 'TLSv1.2');
    assert.equal(p.server.getVersion(), 'TLSv1.2');
    roundTrip(p, 1000);
  });
  test('a TLS 1.2-only client and a TLS 1.3-capable server agree on TLS 1.2', () => {
    const p = memoryPair({ maxVersion: 'TLSv1.2' }, {});
    p.handshake();
    assert.equal(p.server.getVersion(), 'TLSv1.2');
    roundTrip(p, 1000);
  });
  test('both TLS 1.3-capable: TLS 1.3', () => {
    const p = memoryPair({}, {});
    p.handshake();
    assert.equal(p.client.getVersion(), 'TLSv1.3');
  });
  test('ALPN, SNI and the RFC 5705 exporter agree on both sides', () => {
    const p = memoryPair({ maxVersion: 'TLSv1.2', alpnProtocols: ['h2', 'http/1.1'] }, { alpnProtocols: ['http/1.1'] });
    p.handshake();
    assert.equal(p.client.getAlpnSelected(), 'http/1.1');
    assert.equal(p.server.getAlpnSelected(), 'http/1.1');
    assert.equal(p.server.getNegotiated()?.serverName, 'localhost');
    const ctx = new TextEncoder().encode('ctx');
    assert.ok(same(p.client.exportKeyingMaterial('EXPERIMENTAL test', ctx, 32), p.server.exportKeyingMaterial('EXPERIMENTAL test', ctx, 32)));
  });
});
