/**
 * TLS 1.3 interop with OpenSSL's s_server and s_client on 127.0.0.1: typessl in both roles,
 * with both crypto providers (node:crypto and portable), random data each way checked by SHA-256
 * (1 MiB with node:crypto, 256 KiB with portable), every suite, every group, RSA and ECDSA
 * certificates, ALPN and SNI, HelloRetryRequest forced from each side, KeyUpdate both ways.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAllPeers, startOpensslClient, startOpensslServer } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';
import { NamedGroup } from '../../src/wire/enums.js';
import { INTEROP_PROVIDERS, exchange, readExactly, typesslClient, typesslServer } from './endpoints.js';
import { GROUPS, TLS13_SUITES } from './matrix.js';

after(killAllPeers);
const pki = makeTestPki();

const CERTS = [['ECDSA P-256', pki.ec], ['RSA-2048', pki.rsa]] as const;

for (const { provider, size } of INTEROP_PROVIDERS) {
  describe(`typessl client [${provider.name}] -> openssl s_server (TLS 1.3)`, () => {
    for (const suite of TLS13_SUITES) {
      test(`suite ${suite}`, async () => {
        const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.3', ciphersuites: suite });
        const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem, ciphersuites: suite });
        assert.equal(tls.ssl.getCipherName(), suite);
        await exchange(tls, peer, size);
        await tls.shutdownBoth();
        await peer.stop();
      });
    }
    for (const { openssl: name, code } of GROUPS) {
      test(`group ${name}`, async () => {
        const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.3', groups: name });
        // The client shares only this group, so no HelloRetryRequest is needed.
        const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem, groups: [code] });
        assert.equal(tls.ssl.getNegotiated()?.group, code);
        assert.equal(tls.ssl.getNegotiated()?.helloRetry, false);
        await exchange(tls, peer, size);
        await tls.shutdownBoth();
        await peer.stop();
      });
    }
    for (const [name, cred] of CERTS) {
      test(`${name} certificate, ALPN and SNI seen by the server`, async () => {
        const peer = await startOpensslServer({ cert: cred.certPath, key: cred.keyPath, version: '1.3', alpn: 'h2,http/1.1', diag: 'trace' });
        const tls = await typesslClient(peer.port, { provider, trustedCertificates: cred.certPem, alpnProtocols: ['http/1.1'] });
        assert.equal(tls.ssl.getAlpnSelected(), 'http/1.1');
        await exchange(tls, peer, size);
        await tls.shutdownBoth();
        await peer.exited;
        const log = peer.log();
        assert.match(log, /server_name/);
        assert.match(log, /localhost/);
        assert.match(log, /application_layer_protocol_negotiation/);
      });
    }
    test('HelloRetryRequest forced by the server (it accepts only P-384)', async () => {
      const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.3', groups: 'P-384' });
      const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem, groups: [NamedGroup.x25519, NamedGroup.secp384r1] });
      assert.equal(tls.ssl.getNegotiated()?.helloRetry, true);
      assert.equal(tls.ssl.getNegotiated()?.group, NamedGroup.secp384r1);
      await exchange(tls, peer, size);
      await tls.shutdownBoth();
      await peer.stop();
    });
    test('KeyUpdate both ways with data before and after', async () => {
      const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.3' });
      const tls = await typesslClient(peer.port, { provider, trustedCertificates: pki.ec.certPem });
      await exchange(tls, peer, 64 * 1024);
      await tls.keyUpdate(true); // ours, and we ask the server to update too
      await exchange(tls, peer, 64 * 1024);
      await tls.keyUpdate(false);
      await exchange(tls, peer, 64 * 1024);
      const conn = tls.ssl.connection!;
      assert.ok(conn.serverTrafficSecret && conn.clientTrafficSecret);
      await tls.shutdownBoth();
      await peer.stop();
    });
  });

  describe(`typessl server [${provider.name}] <- openssl s_client (TLS 1.3)`, () => {
    for (const suite of TLS13_SUITES) {
      test(`suite ${suite}`, async () => {
        const srv = await typesslServer({ provider, certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, ciphersuites: suite });
        const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', version: '1.3', ciphersuites: suite, caFile: pki.ec.certPath });
        const tls = await srv.accepted;
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
        const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', version: '1.3', groups: name, caFile: pki.ec.certPath });
        const tls = await srv.accepted;
        assert.equal(tls.ssl.getNegotiated()?.group, code);
        await exchange(tls, peer, size);
        await tls.shutdown();
        await peer.stop();
      });
    }
    for (const [name, cred] of CERTS) {
      test(`${name} certificate, SNI and ALPN from s_client`, async () => {
        const srv = await typesslServer({ provider, certificate: cred.certPem, privateKey: cred.keyPem, alpnProtocols: ['h2', 'http/1.1'] });
        const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', version: '1.3', alpn: 'http/1.1', caFile: cred.certPath });
        const tls = await srv.accepted;
        assert.equal(tls.ssl.getNegotiated()?.serverName, 'localhost');
        assert.equal(tls.ssl.getAlpnSelected(), 'http/1.1');
        await exchange(tls, peer, size);
        await tls.shutdown();
        await peer.stop();
      });
    }
    test('HelloRetryRequest forced by typessl (it accepts only P-384)', async () => {
      const srv = await typesslServer({ provider, certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, groups: [NamedGroup.secp384r1] });
      const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', version: '1.3', groups: 'X25519:P-384', caFile: pki.ec.certPath });
      const tls = await srv.accepted;
      assert.equal(tls.ssl.getNegotiated()?.helloRetry, true);
      assert.equal(tls.ssl.getNegotiated()?.group, NamedGroup.secp384r1);
      await exchange(tls, peer, size);
      await tls.shutdown();
      await peer.stop();
    });
    test('KeyUpdate both ways: typessl updates, and s_client updates on its "K" command', async () => {
      const srv = await typesslServer({ provider, certificate: pki.ec.certPem, privateKey: pki.ec.keyPem });
      const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', version: '1.3', caFile: pki.ec.certPath, commands: true });
      const tls = await srv.accepted;
      // A copy: the connection overwrites a traffic secret in place when it moves to the next one.
      const before = tls.ssl.connection!.clientTrafficSecret!.slice();
      // 'K' at the start of a stdin read makes s_client send KeyUpdate(update_requested).
      peer.send(Buffer.from('K\n'));
      await peer.waitForLog(/KEYUPDATE/, 10_000);
      await tls.write(Buffer.from('after-peer-update\n'));
      await peer.waitForReceived('after-peer-update\n'.length);
      await tls.keyUpdate(true);
      await tls.write(Buffer.from('after-our-update\n'));
      const got = await peer.waitForReceived('after-peer-update\nafter-our-update\n'.length);
      assert.equal(got.toString(), 'after-peer-update\nafter-our-update\n');
      peer.send(Buffer.from('data after both updates\n'));
      const back = await readExactly(tls, 'data after both updates\n'.length);
      assert.equal(back.toString(), 'data after both updates\n');
      assert.notDeepEqual(tls.ssl.connection!.clientTrafficSecret, before, 'client write key changed');
      await tls.shutdown();
      await peer.stop();
    });
  });
}
