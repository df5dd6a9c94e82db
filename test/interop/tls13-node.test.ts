/**
 * TLS 1.3 interop with node:tls peers (child processes) on 127.0.0.1: typessl in both roles,
 * with both crypto providers, 1 MiB (node:crypto) or 256 KiB (portable) each way checked by
 * SHA-256, every suite and group, RSA and ECDSA certificates, ALPN and
 * SNI as the peer saw them, HelloRetryRequest from each side, KeyUpdate answered by the peer.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAllPeers, startNodeTlsClient, startNodeTlsServer } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';
import { NamedGroup } from '../../src/wire/enums.js';
import { INTEROP_PROVIDERS, exchange, typesslClient, typesslServer } from './endpoints.js';
import { GROUPS, TLS13_SUITES } from './matrix.js';

after(killAllPeers);
const pki = makeTestPki();

const CERTS = [['ECDSA P-256', pki.ec, 'EC prime256v1'], ['RSA-2048', pki.rsa, 'RSA 2048']] as const;

for (const { provider, size } of INTEROP_PROVIDERS) {
  describe(`typessl client [${provider.name}] -> node:tls server (TLS 1.3)`, () => {
    for (const suite of TLS13_SUITES) {
      test(`suite ${suite}`, async () => {
        const peer = await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, minVersion: 'TLSv1.3' });
        const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem, ciphersuites: suite });
        const secure = await peer.waitForEvent('secure');
        assert.equal(secure.cipher, suite);
        await exchange(tls, peer, size);
        await tls.shutdown();
        await peer.stop();
      });
    }
    for (const { openssl: name, node: nodeName, code } of GROUPS) {
      test(`group ${name}`, async () => {
        const peer = await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, minVersion: 'TLSv1.3', ecdhCurve: nodeName });
        const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem, groups: [code] });
        assert.equal(tls.ssl.getNegotiated()?.group, code);
        await exchange(tls, peer, size);
        await tls.shutdown();
        await peer.stop();
      });
    }
    for (const [name, cred] of CERTS) {
      test(`${name} certificate; the server sees SNI and ALPN`, async () => {
        const peer = await startNodeTlsServer({ cert: cred.certPath, key: cred.keyPath, minVersion: 'TLSv1.3', ALPNProtocols: ['h2', 'http/1.1'] });
        const tls = await typesslClient(peer.port, { provider, trustedCertificates: cred.certPem, alpnProtocols: ['http/1.1'] });
        const secure = await peer.waitForEvent('secure');
        assert.equal(secure.servername, 'localhost');
        assert.equal(secure.alpn, 'http/1.1');
        assert.equal(tls.ssl.getAlpnSelected(), 'http/1.1');
        await exchange(tls, peer, size);
        await tls.shutdown();
        await peer.stop();
      });
    }
    test('HelloRetryRequest forced by the server (ecdhCurve P-384 only)', async () => {
      const peer = await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, minVersion: 'TLSv1.3', ecdhCurve: 'secp384r1' });
      const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem, groups: [NamedGroup.x25519, NamedGroup.secp384r1] });
      assert.equal(tls.ssl.getNegotiated()?.helloRetry, true);
      assert.equal(tls.ssl.getNegotiated()?.group, NamedGroup.secp384r1);
      await exchange(tls, peer, size);
      await tls.shutdown();
      await peer.stop();
    });
    test('KeyUpdate: typessl updates and requests an update; node answers; data flows before and after', async () => {
      const peer = await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, minVersion: 'TLSv1.3' });
      const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem });
      await exchange(tls, peer, 64 * 1024);
      // A copy: the connection overwrites a traffic secret in place when it moves to the next one.
      const serverSecret = tls.ssl.connection!.serverTrafficSecret!.slice();
      await tls.keyUpdate(true);
      await exchange(tls, peer, 64 * 1024);
      // OpenSSL answers an update request with its next write after reading our KeyUpdate; the
      // data above may have been written before that, the data below is written after it.
      await exchange(tls, peer, 64 * 1024);
      assert.notDeepEqual(tls.ssl.connection!.serverTrafficSecret, serverSecret, 'the server updated its keys as asked');
      await tls.shutdown();
      await peer.stop();
    });
  });

  describe(`typessl server [${provider.name}] <- node:tls client (TLS 1.3)`, () => {
    for (const suite of TLS13_SUITES) {
      test(`suite ${suite}`, async () => {
        const srv = await typesslServer({ provider, certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, ciphersuites: suite });
        const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: pki.ec.certPath, minVersion: 'TLSv1.3' });
        const tls = await srv.accepted;
        assert.equal(tls.ssl.getCipherName(), suite);
        const secure = await peer.waitForEvent('secure');
        assert.equal(secure.authorized, true);
        await exchange(tls, peer, size);
        await tls.shutdown();
        await peer.stop();
      });
    }
    for (const { openssl: name, node: nodeName, code } of GROUPS) {
      test(`group ${name}`, async () => {
        const srv = await typesslServer({ provider, certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, groups: [code] });
        const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: pki.ec.certPath, minVersion: 'TLSv1.3', ecdhCurve: nodeName });
        const tls = await srv.accepted;
        assert.equal(tls.ssl.getNegotiated()?.group, code);
        await exchange(tls, peer, size);
        await tls.shutdown();
        await peer.stop();
      });
    }
    for (const [name, cred, keyDesc] of CERTS) {
      test(`${name} certificate verified by node; SNI and ALPN reach typessl`, async () => {
        const srv = await typesslServer({ provider, certificate: cred.certPem, privateKey: cred.keyPem, alpnProtocols: ['http/1.1'] });
        const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: cred.certPath, minVersion: 'TLSv1.3', ALPNProtocols: ['h2', 'http/1.1'] });
        const tls = await srv.accepted;
        const secure = await peer.waitForEvent('secure');
        assert.equal(secure.authorized, true);
        assert.equal(secure.peerKey, keyDesc);
        assert.equal(secure.alpn, 'http/1.1');
        assert.equal(tls.ssl.getNegotiated()?.serverName, 'localhost');
        await exchange(tls, peer, size);
        await tls.shutdown();
        await peer.stop();
      });
    }
    test('HelloRetryRequest forced by typessl (only P-384 accepted)', async () => {
      const srv = await typesslServer({ provider, certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, groups: [NamedGroup.secp384r1] });
      const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: pki.ec.certPath, minVersion: 'TLSv1.3' });
      const tls = await srv.accepted;
      assert.equal(tls.ssl.getNegotiated()?.helloRetry, true);
      await exchange(tls, peer, size);
      await tls.shutdown();
      await peer.stop();
    });
  });
}
