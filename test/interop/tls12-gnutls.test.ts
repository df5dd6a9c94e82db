/**
 * TLS 1.2 interop with GnuTLS (gnutls-serv --echo, gnutls-cli) on 127.0.0.1: typessl in both
 * roles, every TLS 1.2 suite with its certificate type (1 MiB of random data each way, checked by
 * SHA-256), every group (a smaller transfer), ALPN, version negotiation against a TLS 1.3-capable
 * GnuTLS, and a renegotiation attempt from gnutls-cli.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gnutlsPriority, killAllPeers, startGnutlsClient, startGnutlsServer } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';
import { echoExchange, exchange, typesslClient, typesslServer } from './endpoints.js';
import { GROUPS, tls12Suites } from './matrix.js';

after(killAllPeers);
const pki = makeTestPki();

const SUITES = tls12Suites(pki);
const KiB64 = 64 * 1024;
const TLS12 = ['TLS1.2'];

describe('typessl client -> gnutls-serv (TLS 1.2)', () => {
  for (const { name: suite, gnutlsKx: kx, gnutlsCipher: cipher, cred } of SUITES) {
    test(`suite ${suite}`, async () => {
      const peer = await startGnutlsServer({ cert: cred.certPath, key: cred.keyPath, priority: gnutlsPriority({ versions: TLS12, kx: [kx], ciphers: [cipher] }) });
      try {
        const tls = await typesslClient(peer.port, { trustedCertificates: cred.certPem });
        assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
        assert.equal(tls.ssl.getCipherName(), suite);
        assert.equal(tls.ssl.connection!.tls12!.extendedMasterSecret, true);
        await echoExchange(tls);
        await tls.shutdown();
      } finally {
        await peer.stop();
      }
    });
  }
  for (const { gnutls: name, code } of GROUPS) {
    test(`group ${name}`, async () => {
      const peer = await startGnutlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, priority: gnutlsPriority({ versions: TLS12, groups: [name] }) });
      try {
        const tls = await typesslClient(peer.port, { trustedCertificates: pki.ec.certPem, maxVersion: 'TLSv1.2' });
        assert.equal(tls.ssl.getNegotiated()?.group, code);
        await echoExchange(tls, KiB64);
        await tls.shutdown();
      } finally {
        await peer.stop();
      }
    });
  }
  test('ALPN', async () => {
    const peer = await startGnutlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, priority: gnutlsPriority({ versions: TLS12 }), alpn: ['h2', 'http/1.1'] });
    try {
      const tls = await typesslClient(peer.port, { trustedCertificates: pki.ec.certPem, alpnProtocols: ['http/1.1'] });
      assert.equal(tls.ssl.getAlpnSelected(), 'http/1.1');
      await echoExchange(tls, 1024);
      await tls.shutdown();
    } finally {
      await peer.stop();
    }
  });
});

describe('typessl server <- gnutls-cli (TLS 1.2)', () => {
  for (const { name: suite, gnutlsKx: kx, gnutlsCipher: cipher, cred } of SUITES) {
    test(`suite ${suite}`, async () => {
      const srv = await typesslServer({ certificate: cred.certPem, privateKey: cred.keyPem });
      const peer = await startGnutlsClient({ port: srv.port, servername: 'localhost', caFile: cred.certPath, priority: gnutlsPriority({ versions: TLS12, kx: [kx], ciphers: [cipher] }) });
      const tls = await srv.accepted;
      assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
      assert.equal(tls.ssl.getCipherName(), suite);
      assert.equal(tls.ssl.getNegotiated()?.serverName, 'localhost');
      await exchange(tls, peer);
      peer.endInput(); // gnutls-cli sends close_notify at stdin EOF
      assert.equal(await tls.read(), null);
      await tls.shutdown();
      await peer.exited;
    });
  }
  for (const { gnutls: name, code } of GROUPS) {
    test(`group ${name}`, async () => {
      const srv = await typesslServer({ certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, groups: [code] });
      // The client also names P-256, the curve of the ECDSA certificate (RFC 8422 5.1.1).
      const groups = name === 'SECP256R1' ? [name] : [name, 'SECP256R1'];
      const peer = await startGnutlsClient({ port: srv.port, servername: 'localhost', caFile: pki.ec.certPath, priority: gnutlsPriority({ versions: TLS12, groups }) });
      const tls = await srv.accepted;
      assert.equal(tls.ssl.getNegotiated()?.group, code);
      await exchange(tls, peer, KiB64);
      await tls.shutdown();
      await peer.stop();
    });
  }
  test('renegotiation attempts (gnutls-cli --rehandshake) get a no_renegotiation warning each; a client that keeps asking is cut off', async () => {
    const srv = await typesslServer({ certificate: pki.ec.certPem, privateKey: pki.ec.keyPem });
    const peer = await startGnutlsClient({ port: srv.port, servername: 'localhost', caFile: pki.ec.certPath, priority: gnutlsPriority({ versions: TLS12 }), rehandshake: true });
    const tls = await srv.accepted;
    assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
    const sent: string[] = [];
    tls.ssl.setTrace((e) => {
      if (e.direction === 'sent' && e.content === 'alert') sent.push(`${e.level}/${e.code}`);
    });
    // gnutls-cli takes a warning as "try again": it renegotiates until refused for good.
    await assert.rejects(tls.read(), (e: { reason?: string }) => e.reason === 'SSL_R_RENEGOTIATION_NOT_SUPPORTED');
    assert.deepEqual(sent, ['1/100', '1/100', '1/100', '1/100', '2/10']);
    await peer.waitForLog(/Received alert \[10\]/, 10_000);
    assert.equal(peer.log().match(/Received alert \[100\]: No renegotiation/g)?.length, 4);
    await tls.close();
    await peer.stop();
  });
});

describe('version negotiation with GnuTLS', () => {
  test('TLS 1.3-capable typessl client, TLS 1.2-only gnutls-serv: TLS 1.2', async () => {
    const peer = await startGnutlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, priority: gnutlsPriority({ versions: TLS12 }) });
    try {
      const tls = await typesslClient(peer.port, { trustedCertificates: pki.ec.certPem });
      assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
      await echoExchange(tls, KiB64);
      await tls.shutdown();
    } finally {
      await peer.stop();
    }
  });
  test('TLS 1.3-capable gnutls-cli, TLS 1.2-only typessl server: TLS 1.2', async () => {
    const srv = await typesslServer({ certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, maxVersion: 'TLSv1.2' });
    const peer = await startGnutlsClient({ port: srv.port, servername: 'localhost', caFile: pki.ec.certPath });
    const tls = await srv.accepted;
    assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
    await exchange(tls, peer, KiB64);
    await tls.shutdown();
    await peer.stop();
  });
  test('both TLS 1.3-capable: TLS 1.3 with gnutls-serv', async () => {
    const peer = await startGnutlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath });
    try {
      const tls = await typesslClient(peer.port, { trustedCertificates: pki.ec.certPem });
      assert.equal(tls.ssl.getVersion(), 'TLSv1.3');
      await echoExchange(tls, KiB64);
      await tls.shutdown();
    } finally {
      await peer.stop();
    }
  });
});
