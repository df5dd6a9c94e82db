/**
 * TLS 1.2 interop with OpenSSL's s_server and s_client (-tls1_2) on 127.0.0.1: typessl in both
 * roles, every TLS 1.2 suite with its certificate type (1 MiB of random data each way, checked by
 * SHA-256; 256 KiB with the portable provider), every group (a smaller transfer), ALPN and SNI,
 * and version negotiation against a TLS 1.3-capable OpenSSL; all of it with both crypto providers.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAllPeers, startOpensslClient, startOpensslServer } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';
import { DOWNGRADE_TLS12 } from '../../src/wire/messages.js';
import { INTEROP_PROVIDERS, exchange, typesslClient, typesslServer } from './endpoints.js';
import { GROUPS, tls12Suites } from './matrix.js';

after(killAllPeers);
const pki = makeTestPki();

const SUITES = tls12Suites(pki);
const KiB64 = 64 * 1024;

for (const { provider, size } of INTEROP_PROVIDERS) {
  describe(`typessl client -> openssl s_server -tls1_2 [${provider.name}]`, () => {
    for (const { name: suite, cred } of SUITES) {
      test(`suite ${suite}`, async () => {
        const peer = await startOpensslServer({ cert: cred.certPath, key: cred.keyPath, version: '1.2', cipher: suite });
        const tls = await typesslClient(peer.port, { provider, trustedCertificates: cred.certPem });
        assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
        assert.equal(tls.ssl.getCipherName(), suite);
        assert.equal(tls.ssl.connection!.tls12!.extendedMasterSecret, true);
        await exchange(tls, peer, size);
        await tls.shutdownBoth();
        await peer.stop();
      });
    }
    for (const { openssl: name, code } of GROUPS) {
      test(`group ${name}`, async () => {
        const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.2', groups: name });
        const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem, maxVersion: 'TLSv1.2' });
        assert.equal(tls.ssl.getNegotiated()?.group, code);
        await exchange(tls, peer, KiB64);
        await tls.shutdownBoth();
        await peer.stop();
      });
    }
    test('ALPN and SNI seen by the server', async () => {
      const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.2', alpn: 'h2,http/1.1', diag: 'trace' });
      const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem, alpnProtocols: ['http/1.1'] });
      assert.equal(tls.ssl.getAlpnSelected(), 'http/1.1');
      await exchange(tls, peer, KiB64);
      await tls.shutdownBoth();
      await peer.exited;
      const log = peer.log();
      assert.match(log, /server_name/);
      assert.match(log, /extended_master_secret/);
      assert.match(log, /renegotiate/);
    });
    test('RSA-PSS and PKCS#1 v1.5 ServerKeyExchange signatures', async () => {
      for (const sigalgs of ['RSA-PSS+SHA256', 'RSA+SHA384', 'RSA+SHA512']) {
        const peer = await startOpensslServer({ cert: pki.rsa.certPath, key: pki.rsa.keyPath, version: '1.2', sigalgs });
        const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.rsa.certPem });
        assert.ok(tls.ssl.getNegotiated()?.peerSignatureScheme, sigalgs);
        await exchange(tls, peer, 1024);
        await tls.shutdownBoth();
        await peer.stop();
      }
    });
  });

  describe(`typessl server <- openssl s_client -tls1_2 [${provider.name}]`, () => {
    for (const { name: suite, cred } of SUITES) {
      test(`suite ${suite}`, async () => {
        const srv = await typesslServer({ provider, certificate: cred.certPem, privateKey: cred.keyPem });
        const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', version: '1.2', cipher: suite, caFile: cred.certPath });
        const tls = await srv.accepted;
        assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
        assert.equal(tls.ssl.getCipherName(), suite);
        await exchange(tls, peer, size);
        peer.endInput(); // s_client sends close_notify at stdin EOF
        assert.equal(await tls.read(), null);
        assert.equal(await tls.shutdown(), 1);
        await peer.exited;
      });
    }
    for (const { openssl: name, code } of GROUPS) {
      test(`group ${name}`, async () => {
        const srv = await typesslServer({ provider, certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, groups: [code] });
        // The client also names P-256, the curve of the ECDSA certificate (RFC 8422 5.1.1).
        const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', version: '1.2', groups: name === 'P-256' ? name : `${name}:P-256`, caFile: pki.ec.certPath });
        const tls = await srv.accepted;
        assert.equal(tls.ssl.getNegotiated()?.group, code);
        await exchange(tls, peer, KiB64);
        await tls.shutdown();
        await peer.stop();
      });
    }
    test('SNI and ALPN from s_client; a TLS 1.3-capable server marks the downgrade in its random', async () => {
      const srv = await typesslServer({ provider, certificate: pki.rsa.certPem, privateKey: pki.rsa.keyPem, alpnProtocols: ['h2', 'http/1.1'] });
      const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', version: '1.2', alpn: 'http/1.1', caFile: pki.rsa.certPath });
      const tls = await srv.accepted;
      assert.equal(tls.ssl.getNegotiated()?.serverName, 'localhost');
      assert.equal(tls.ssl.getAlpnSelected(), 'http/1.1');
      assert.deepEqual([...tls.ssl.connection!.tls12!.serverRandom.subarray(24)], [...DOWNGRADE_TLS12]);
      await exchange(tls, peer, KiB64);
      await tls.shutdown();
      await peer.stop();
    });
  });

  describe(`version negotiation with OpenSSL [${provider.name}]`, () => {
    test('TLS 1.3-capable typessl client, TLS 1.2-only s_server: TLS 1.2', async () => {
      const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.2' });
      const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem });
      assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
      await exchange(tls, peer, KiB64);
      await tls.shutdownBoth();
      await peer.stop();
    });
    test('TLS 1.2-only typessl client, TLS 1.3-capable s_server: TLS 1.2', async () => {
      const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath });
      const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem, maxVersion: 'TLSv1.2' });
      assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
      await exchange(tls, peer, KiB64);
      await tls.shutdownBoth();
      await peer.stop();
    });
    test('TLS 1.3-capable s_client, TLS 1.2-only typessl server: TLS 1.2', async () => {
      const srv = await typesslServer({ provider, certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, maxVersion: 'TLSv1.2' });
      const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', caFile: pki.ec.certPath });
      const tls = await srv.accepted;
      assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
      await exchange(tls, peer, KiB64);
      await tls.shutdown();
      await peer.stop();
    });
    test('TLS 1.2-only s_client, TLS 1.3-capable typessl server: TLS 1.2', async () => {
      const srv = await typesslServer({ provider, certificate: pki.ec.certPem, privateKey: pki.ec.keyPem });
      const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', version: '1.2', caFile: pki.ec.certPath });
      const tls = await srv.accepted;
      assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
      await exchange(tls, peer, KiB64);
      await tls.shutdown();
      await peer.stop();
    });
  });
}
