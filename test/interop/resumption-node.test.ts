/**
 * Session resumption against node:tls on 127.0.0.1, both roles, TLS 1.3 and TLS 1.2: node's
 * server resuming a typessl client's ticket, and node's client ('session' event, `session`
 * option) resuming on a typessl server (TLS 1.2: by RFC 5077 ticket, or by session ID when the
 * typessl server issues no tickets). Each second connection is proven resumed on both sides, with
 * no Certificate.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllPeers, startNodeTlsClient, startNodeTlsServer } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';
import { SslContext } from '../../src/ssl/context.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import { HandshakeType } from '../../src/wire/enums.js';
import { SSL_OP_NO_TICKET } from '../../src/ssl/constants.js';
import { certificatesSeen, resumableClient, typesslServerLoop } from './resumption-endpoints.js';

after(killAllPeers);
const pki = makeTestPki();
const enc = new TextEncoder();

/** node:tls options that pin `version`. */
const only = (version: 'TLSv1.3' | 'TLSv1.2') => (version === 'TLSv1.3' ? { minVersion: version } : { maxVersion: version });

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  describe(`typessl client -> node:tls server: ${version} resumption`, () => {
    test('the second connection resumes with a ticket from the first; node agrees', async () => {
      const peer = await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, ...only(version), connections: 2 });
      const ctx = new SslContext({ provider: nodeCrypto, trustedCertificates: pki.ec.certPem });
      const sessions = [];
      for (const conn of [0, 1]) {
        const { tls, trace } = await resumableClient(ctx, peer.port, sessions[0] ?? null);
        const secure = await peer.waitForEvent('secure', (e) => e.conn === conn);
        assert.equal(tls.ssl.getVersion(), version);
        assert.equal(tls.ssl.sessionReused(), conn === 1, 'typessl');
        assert.equal(secure.sessionReused, conn === 1, 'node:tls');
        assert.equal(certificatesSeen(trace), conn === 1 ? 0 : 1);
        const before = peer.received().length;
        await tls.write(enc.encode('hello\n'));
        await peer.waitForReceived(before + 6);
        await tls.shutdownBoth();
        sessions.push(tls.ssl.getSession()!);
        // node's server does not renew tickets on a resumed connection, so only the first must have them.
        if (conn === 0) assert.ok(sessions[0]!.isResumable(), 'tickets read during the close (S-20)');
        if (conn === 0 && version === 'TLSv1.2') assert.ok(sessions[0]!.ticket12, "node's RFC 5077 ticket");
      }
      await peer.exited;
    });
  });

  describe(`node:tls client -> typessl server: ${version} resumption (session event, session option)`, () => {
    const modes = version === 'TLSv1.3' ? ([['tickets', 0]] as const) : ([['RFC 5077 ticket', 0], ['session ID (SSL_OP_NO_TICKET)', SSL_OP_NO_TICKET]] as const);
    for (const [mode, options] of modes) {
      test(`${mode}: node resumes the session it was given; both sides agree; no Certificate sent`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'typessl-node-sess-'));
        const sessFile = join(dir, 'session.der');
        const server = await typesslServerLoop({ certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, options });
        try {
          for (const round of [1, 2]) {
            const client = await startNodeTlsClient({
              port: server.port,
              servername: 'localhost',
              ca: pki.ec.certPath,
              ...only(version),
              ...(round === 1 ? { sessionOut: sessFile } : { sessionIn: sessFile }),
            });
            const conn = await server.next();
            const secure = await client.waitForEvent('secure');
            if (round === 1) await client.waitForEvent('session');
            await conn.tls.write(enc.encode('from typessl\n'));
            await client.waitForReceived(13);
            client.endInput();
            await conn.tls.shutdownBoth();
            await client.exited;
            const sentCertificates = conn.trace.filter((e) => e.direction === 'sent' && e.content === 'handshake' && e.code === HandshakeType.certificate).length;
            assert.equal(conn.tls.ssl.getVersion(), version);
            assert.equal(conn.tls.ssl.sessionReused(), round === 2, 'typessl');
            assert.equal(secure.sessionReused, round === 2, 'node:tls');
            assert.equal(sentCertificates, round === 2 ? 0 : 1);
            if (round === 1) assert.ok(statSync(sessFile).size > 0);
          }
        } finally {
          server.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
}
