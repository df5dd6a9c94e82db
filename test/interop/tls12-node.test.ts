/**
 * TLS 1.2 interop with node:tls peers (maxVersion 'TLSv1.2', child processes) on 127.0.0.1:
 * typessl in both roles, every TLS 1.2 suite with its certificate type (1 MiB each way, checked by
 * SHA-256), every group (a smaller transfer), ALPN and SNI as the peer saw them, and version
 * negotiation against a TLS 1.3-capable node:tls.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAllPeers, startNodeTlsClient, startNodeTlsServer } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';
import { suiteByName } from '../../src/crypto/suites.js';
import { exchange, typesslClient, typesslServer } from './endpoints.js';
import { GROUPS, tls12Suites } from './matrix.js';

after(killAllPeers);
const pki = makeTestPki();

const SUITES = tls12Suites(pki);
const KiB64 = 64 * 1024;

describe('typessl client -> node:tls server (TLS 1.2)', () => {
  for (const { name: suite, cred } of SUITES) {
    test(`suite ${suite}`, async () => {
      const peer = await startNodeTlsServer({ cert: cred.certPath, key: cred.keyPath, maxVersion: 'TLSv1.2', ciphers: suite });
      const tls = await typesslClient(peer.port, { trustedCertificates: cred.certPem });
      const secure = await peer.waitForEvent('secure');
      assert.equal(secure.protocol, 'TLSv1.2');
      assert.equal(secure.cipher, suiteByName(suite)!.name); // node reports the IANA name
      assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
      await exchange(tls, peer);
      await tls.shutdown();
      await peer.stop();
    });
  }
  for (const { openssl: name, node: nodeName, code } of GROUPS) {
    test(`group ${name}`, async () => {
      const peer = await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, maxVersion: 'TLSv1.2', ecdhCurve: nodeName });
      const tls = await typesslClient(peer.port, { trustedCertificates: pki.ec.certPem });
      assert.equal(tls.ssl.getNegotiated()?.group, code);
      await exchange(tls, peer, KiB64);
      await tls.shutdown();
      await peer.stop();
    });
  }
  test('the server sees SNI and ALPN', async () => {
    const peer = await startNodeTlsServer({ cert: pki.rsa.certPath, key: pki.rsa.keyPath, maxVersion: 'TLSv1.2', ALPNProtocols: ['h2', 'http/1.1'] });
    const tls = await typesslClient(peer.port, { trustedCertificates: pki.rsa.certPem, alpnProtocols: ['http/1.1'] });
    const secure = await peer.waitForEvent('secure');
    assert.equal(secure.servername, 'localhost');
    assert.equal(secure.alpn, 'http/1.1');
    assert.equal(tls.ssl.getAlpnSelected(), 'http/1.1');
    await exchange(tls, peer, KiB64);
    await tls.shutdown();
    await peer.stop();
  });
});

describe('typessl server <- node:tls client (TLS 1.2)', () => {
  for (const { name: suite, cred } of SUITES) {
    test(`suite ${suite}`, async () => {
      const srv = await typesslServer({ certificate: cred.certPem, privateKey: cred.keyPem });
      const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: cred.certPath, maxVersion: 'TLSv1.2', ciphers: suite });
      const tls = await srv.accepted;
      const secure = await peer.waitForEvent('secure');
      assert.equal(secure.authorized, true);
      assert.equal(secure.protocol, 'TLSv1.2');
      assert.equal(tls.ssl.getCipherName(), suite);
      await exchange(tls, peer);
      await tls.shutdown();
      await peer.stop();
    });
  }
  for (const { openssl: name, node: nodeName, code } of GROUPS) {
    test(`group ${name}`, async () => {
      const srv = await typesslServer({ certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, groups: [code] });
      // The client also names P-256, the curve of the ECDSA certificate (RFC 8422 5.1.1).
      const ecdhCurve = nodeName === 'prime256v1' ? nodeName : `${nodeName}:prime256v1`;
      const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: pki.ec.certPath, maxVersion: 'TLSv1.2', ecdhCurve });
      const tls = await srv.accepted;
      assert.equal(tls.ssl.getNegotiated()?.group, code);
      await exchange(tls, peer, KiB64);
      await tls.shutdown();
      await peer.stop();
    });
  }
  test('SNI and ALPN from the client', async () => {
    const srv = await typesslServer({ certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, alpnProtocols: ['h2', 'http/1.1'] });
    const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: pki.ec.certPath, maxVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] });
    const tls = await srv.accepted;
    assert.equal(tls.ssl.getNegotiated()?.serverName, 'localhost');
    assert.equal(tls.ssl.getAlpnSelected(), 'http/1.1');
    assert.equal((await peer.waitForEvent('secure')).alpn, 'http/1.1');
    await exchange(tls, peer, KiB64);
    await tls.shutdown();
    await peer.stop();
  });
});

describe('version negotiation with node:tls', () => {
  test('TLS 1.3-capable typessl client, TLS 1.2-only node:tls server: TLS 1.2', async () => {
    const peer = await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, maxVersion: 'TLSv1.2' });
    const tls = await typesslClient(peer.port, { trustedCertificates: pki.ec.certPem });
    assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
    await exchange(tls, peer, KiB64);
    await tls.shutdown();
    await peer.stop();
  });
  test('TLS 1.3-capable node:tls client, TLS 1.2-only typessl server: TLS 1.2', async () => {
    const srv = await typesslServer({ certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, maxVersion: 'TLSv1.2' });
    const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: pki.ec.certPath });
    const tls = await srv.accepted;
    assert.equal((await peer.waitForEvent('secure')).protocol, 'TLSv1.2');
    await exchange(tls, peer, KiB64);
    await tls.shutdown();
    await peer.stop();
  });
  test('TLS 1.2-only typessl client, TLS 1.3-capable node:tls server: TLS 1.2', async () => {
    const peer = await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath });
    const tls = await typesslClient(peer.port, { trustedCertificates: pki.ec.certPem, maxVersion: 'TLSv1.2' });
    assert.equal((await peer.waitForEvent('secure')).protocol, 'TLSv1.2');
    await exchange(tls, peer, KiB64);
    await tls.shutdown();
    await peer.stop();
  });
});
