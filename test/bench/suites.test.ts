import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUITES, type Impl, type SuiteId } from '../../bench/common.js';
import { clientFactory, requireSuite, resumingClient, startServer, type BenchConn, type Credentials } from '../../bench/endpoints.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import { createSelfSignedCertificate } from '../../src/x509/self-signed.js';

const cert = createSelfSignedCertificate({ provider: nodeCrypto, keyKind: 'ec-p256', commonName: 'localhost', dnsNames: ['localhost'] });
const creds: Credentials = { certPem: cert.certificatePem, keyPem: cert.privateKeyPem };
const IMPLS: readonly Impl[] = ['node', 'typessl'];

/** A server of `impl` whose connections are collected, so the test can close them all. */
async function server(impl: Impl, suite: SuiteId): Promise<{ port: number; accepted: BenchConn[]; close: () => void }> {
  const accepted: BenchConn[] = [];
  const { server: raw, port } = await startServer(impl, suite, creds, (c) => {
    accepted.push(c);
    void c.consume(() => {});
  });
  return {
    port,
    accepted,
    close: () => {
      for (const c of accepted) c.destroy();
      raw.close();
    },
  };
}

// Every figure is labelled with a suite; both implementations on both sides must really negotiate
// it. (node:tls once ignored the TLS 1.3 suite it was given and ran TLS_AES_256_GCM_SHA384 in both
// TLS 1.3 figures.)
for (const suite of SUITES) {
  for (const serverImpl of IMPLS) {
    for (const clientImpl of IMPLS) {
      test(`bench: ${clientImpl} client to ${serverImpl} server negotiates ${suite.openSslName} (${suite.version}) on both sides`, { timeout: 20_000 }, async () => {
        const srv = await server(serverImpl, suite.id);
        try {
          const c = await clientFactory(clientImpl, suite.id, creds, srv.port)();
          try {
            assert.equal(c.version, suite.version);
            assert.equal(c.cipher, suite.openSslName);
            assert.equal(c.group, 'x25519');
            while (srv.accepted.length === 0) await new Promise((r) => setTimeout(r, 5));
            assert.equal(srv.accepted[0]!.version, suite.version);
            assert.equal(srv.accepted[0]!.cipher, suite.openSslName);
          } finally {
            c.destroy();
          }
        } finally {
          srv.close();
        }
      });
    }
  }
}

// Resumed connections are checked too: a TLS 1.3 resumption still makes an X25519 exchange, a
// TLS 1.2 one makes none (and must not fail the check for it).
for (const suite of SUITES.filter((s) => s.id !== 'tls13-aes128gcm')) {
  for (const impl of IMPLS) {
    test(`bench: a resumed ${impl} connection is checked for ${suite.openSslName} as well`, { timeout: 20_000 }, async () => {
      const srv = await server(impl, suite.id);
      try {
        const client = resumingClient(impl, suite.id, creds, srv.port);
        await client.prime();
        const { conn, reused } = await client.connect();
        try {
          assert.equal(reused, true);
          assert.equal(conn.version, suite.version);
          assert.equal(conn.cipher, suite.openSslName);
          if (suite.version === 'TLSv1.3') assert.equal(conn.group, 'x25519');
        } finally {
          conn.destroy();
        }
      } finally {
        srv.close();
      }
    });
  }
}

test('bench: requireSuite closes and rejects a connection that negotiated another suite', () => {
  let destroyed = false;
  const other: BenchConn = {
    version: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    group: 'x25519',
    send: () => true,
    drained: async () => {},
    consume: async () => {},
    destroy: () => {
      destroyed = true;
    },
  };
  assert.throws(() => requireSuite(other, 'tls13-aes128gcm'), /negotiated TLSv1\.3 TLS_AES_256_GCM_SHA384 over x25519, not TLSv1\.3 TLS_AES_128_GCM_SHA256 over x25519/);
  assert.equal(destroyed, true);
  const right: BenchConn = { ...other, cipher: 'TLS_AES_128_GCM_SHA256' };
  assert.equal(requireSuite(right, 'tls13-aes128gcm'), right);
  // The version is checked too, not only the suite's name.
  const wrongVersion: BenchConn = { ...other, version: 'TLSv1.2', cipher: 'TLS_AES_128_GCM_SHA256' };
  assert.throws(() => requireSuite(wrongVersion, 'tls13-aes128gcm'), /negotiated TLSv1\.2 TLS_AES_128_GCM_SHA256/);
  // And the key exchange.
  const p256: BenchConn = { ...right, group: 'secp256r1' };
  assert.throws(() => requireSuite(p256, 'tls13-aes128gcm'), /over secp256r1, not TLSv1\.3 TLS_AES_128_GCM_SHA256 over x25519/);
  // Unless the handshake had no key exchange to check.
  const resumed12: BenchConn = { ...other, version: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', group: 'unknown' };
  assert.equal(requireSuite(resumed12, 'tls12-ecdhe-ecdsa-aes128gcm', false), resumed12);
  assert.throws(() => requireSuite(resumed12, 'tls12-ecdhe-ecdsa-aes128gcm'), /over unknown/);
});
