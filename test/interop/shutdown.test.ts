/**
 * Wire-level shutdown interop (the SSL_shutdown contract against real peers), TLS 1.3 and TLS 1.2, over real
 * sockets on 127.0.0.1: typessl closes first (unidirectional, then bidirectional), the peer closes
 * first, quiet shutdown, and a transport closed with no close_notify, against openssl s_server /
 * s_client and node:tls in both roles. Each test checks shutdown()'s return sequence, the flags,
 * what the peer saw, and that no data written before a close_notify is lost.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { killAllPeers, startNodeTlsClient, startNodeTlsServer, startOpensslClient, startOpensslServer, type PeerProcess } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';
import { SSL_OP_IGNORE_UNEXPECTED_EOF, SSL_RECEIVED_SHUTDOWN, SSL_SENT_SHUTDOWN } from '../../src/ssl/constants.js';
import type { AsyncSsl } from '../../src/ssl/async-ssl.js';
import type { SslContextOptions } from '../../src/ssl/context.js';
import { readExactly, typesslClient, typesslServer } from './endpoints.js';

after(killAllPeers);
const pki = makeTestPki();
const SENT = SSL_SENT_SHUTDOWN;
const BOTH = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;
const DATA = 256 * 1024;

type Version = '1.3' | '1.2';

/** A connected pair: typessl in `role`, the peer in the other role, in one protocol version. */
interface Setup {
  name: string;
  version: Version;
  kind: 'openssl' | 'node';
  role: 'client' | 'server';
  start(opts?: SslContextOptions): Promise<{ tls: AsyncSsl; peer: PeerProcess }>;
}

const setupsFor = (version: Version): Setup[] => {
  const pin: SslContextOptions = version === '1.2' ? { maxVersion: 'TLSv1.2' } : {};
  const nodeVersion = version === '1.2' ? 'TLSv1.2' : 'TLSv1.3';
  return [
    {
      version,
      name: `TLS ${version}: typessl client -> openssl s_server`,
      kind: 'openssl',
      role: 'client',
      async start(opts = {}) {
        const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version });
        return { peer, tls: await typesslClient(peer.port, { trustedCertificates: pki.ec.certPem, ...pin, ...opts }) };
      },
    },
    {
      version,
      name: `TLS ${version}: typessl server <- openssl s_client`,
      kind: 'openssl',
      role: 'server',
      async start(opts = {}) {
        const srv = await typesslServer({ certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, ...pin, ...opts });
        const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', version, caFile: pki.ec.certPath });
        return { peer, tls: await srv.accepted };
      },
    },
    {
      version,
      name: `TLS ${version}: typessl client -> node:tls server`,
      kind: 'node',
      role: 'client',
      async start(opts = {}) {
        const peer = await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, minVersion: nodeVersion, maxVersion: nodeVersion });
        return { peer, tls: await typesslClient(peer.port, { trustedCertificates: pki.ec.certPem, ...pin, ...opts }) };
      },
    },
    {
      version,
      name: `TLS ${version}: typessl server <- node:tls client`,
      kind: 'node',
      role: 'server',
      async start(opts = {}) {
        const srv = await typesslServer({ certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, ...pin, ...opts });
        const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: pki.ec.certPath, minVersion: nodeVersion, maxVersion: nodeVersion });
        return { peer, tls: await srv.accepted };
      },
    },
  ];
};
const setups: Setup[] = [...setupsFor('1.3'), ...setupsFor('1.2')];

/** The line of openssl's -msg trace for a received close_notify. */
function closeNotifyLine(s: Setup): RegExp {
  return new RegExp(`<<< TLS ${s.version.replace('.', '\\.')}, Alert \\[length 0002\\], warning close_notify`);
}

/** Waits until the peer reports that our close_notify arrived. */
async function peerSawCloseNotify(s: Setup, peer: PeerProcess): Promise<void> {
  if (s.kind === 'openssl') await peer.waitForLog(closeNotifyLine(s), 10_000);
  else await peer.waitForEvent('end', undefined, 10_000);
}

for (const s of setups) {
  describe(`${s.name}: shutdown`, () => {
    test('typessl closes first, unidirectional: shutdown() = 0, flags SENT; the peer gets all data then close_notify', async () => {
      const { tls, peer } = await s.start();
      const data = randomBytes(DATA);
      await tls.write(data);
      assert.equal(await tls.shutdown(), 0);
      assert.equal(tls.ssl.getShutdown(), SENT);
      await peerSawCloseNotify(s, peer);
      const got = await peer.waitForReceived(DATA);
      assert.ok(got.equals(data), 'every byte written before close_notify arrived');
      await tls.close();
      await peer.stop();
    });

    test('typessl closes first, bidirectional: shutdown() = 0 then 1 once the peer answers, flags SENT|RECEIVED', async () => {
      const { tls, peer } = await s.start();
      const data = randomBytes(DATA);
      await tls.write(data);
      assert.equal(await tls.shutdown(), 0);
      await peerSawCloseNotify(s, peer);
      // openssl s_server/s_client answer at stdin EOF, node:tls answers by itself (allowHalfOpen false).
      if (s.kind === 'openssl') peer.endInput();
      assert.equal(await tls.shutdown(), 1);
      assert.equal(tls.ssl.getShutdown(), BOTH);
      assert.ok((await peer.waitForReceived(DATA)).equals(data));
      await tls.close();
      await peer.stop();
    });

    test('the peer closes first: read() ends (ZERO_RETURN) after all its data, flags RECEIVED, then shutdown() = 1 at once', async () => {
      const { tls, peer } = await s.start();
      const data = randomBytes(DATA);
      peer.send(data);
      peer.endInput(); // the peer sends its data, then close_notify
      const got = await readExactly(tls, DATA);
      assert.ok(got.equals(data), 'every byte the peer wrote before its close_notify arrived');
      assert.equal(await tls.read(), null);
      assert.equal(tls.ssl.getShutdown(), SSL_RECEIVED_SHUTDOWN);
      assert.equal(await tls.shutdown(), 1);
      assert.equal(tls.ssl.getShutdown(), BOTH);
      // node:tls reads our answering close_notify before our FIN ('end' while the TCP stream is
      // still open). openssl s_server/s_client send theirs and close at once (one SSL_shutdown
      // call in the apps), so they never read ours: nothing more to see there.
      if (s.kind === 'node') await peer.waitForEvent('end', undefined, 10_000);
      await tls.close();
      await peer.stop();
    });

    test('quiet shutdown: shutdown() = 1, flags SENT|RECEIVED, no close_notify on the wire; the peer sees a bare EOF', async () => {
      const { tls, peer } = await s.start();
      const data = randomBytes(64 * 1024);
      await tls.write(data);
      const alertsSent: number[] = [];
      tls.ssl.setTrace((e) => {
        if (e.direction === 'sent' && e.content === 'alert') alertsSent.push(e.code ?? -1);
      });
      tls.ssl.setQuietShutdown(true);
      assert.equal(await tls.shutdown(), 1);
      assert.equal(tls.ssl.getShutdown(), BOTH);
      assert.deepEqual(alertsSent, [], 'quiet shutdown sends no alert');
      await peer.waitForReceived(data.length);
      await tls.close();
      if (s.kind === 'openssl') {
        await peer.waitForLog(/unexpected eof while reading/i, 10_000);
        assert.doesNotMatch(peer.log(), closeNotifyLine(s));
      } else {
        // node:tls reports a bare EOF as 'end' too (it has no truncation signal); that no
        // close_notify was sent is proven by our own trace above.
        await peer.waitForEvent('close', undefined, 10_000);
      }
      await peer.stop();
    });

    test('typessl closes the transport with no close_notify (free(), then FIN): the peer gets all data, then sees a bare EOF', async () => {
      const { tls, peer } = await s.start();
      const data = randomBytes(64 * 1024);
      await tls.write(data);
      const alertsSent: number[] = [];
      tls.ssl.setTrace((e) => {
        if (e.direction === 'sent' && e.content === 'alert') alertsSent.push(e.code ?? -1);
      });
      tls.ssl.free(); // D-5: free() never sends close_notify
      assert.equal(tls.ssl.getShutdown(), 0);
      await tls.close();
      assert.ok((await peer.waitForReceived(data.length)).equals(data), 'no data lost before the bare close');
      assert.deepEqual(alertsSent, []);
      if (s.kind === 'openssl') {
        await peer.waitForLog(/unexpected eof while reading/i, 10_000);
        assert.doesNotMatch(peer.log(), closeNotifyLine(s));
      } else {
        await peer.waitForEvent('end', undefined, 10_000);
      }
      await peer.stop();
    });

    test('the transport closes with no close_notify: read() fails with SSL_R_UNEXPECTED_EOF_WHILE_READING; with SSL_OP_IGNORE_UNEXPECTED_EOF it is a clean end', async () => {
      for (const ignore of [false, true]) {
        const { tls, peer } = await s.start(ignore ? { options: SSL_OP_IGNORE_UNEXPECTED_EOF } : {});
        const data = randomBytes(64 * 1024);
        peer.send(data);
        assert.ok((await readExactly(tls, data.length)).equals(data));
        // The peer has read everything we sent (a TLS 1.3 server's tickets, then this), so the
        // kernel closes its socket with FIN: unread bytes would make it a reset (SSL_ERROR_SYSCALL).
        const before = peer.received().length;
        await tls.write(Buffer.from('bye'));
        await peer.waitForReceived(before + 3, 10_000);
        await peer.stop(); // killed: the kernel closes the socket, no close_notify
        if (ignore) {
          assert.equal(await tls.read(), null);
          assert.equal(tls.ssl.getShutdown() & SSL_RECEIVED_SHUTDOWN, SSL_RECEIVED_SHUTDOWN);
        } else {
          await assert.rejects(tls.read(), (e: { reason?: string }) => e.reason === 'SSL_R_UNEXPECTED_EOF_WHILE_READING');
        }
        await tls.close();
      }
    });
  });
}
