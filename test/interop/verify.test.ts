/**
 * Certificate verification against real peers on 127.0.0.1 (TLS 1.3): the typessl client verifies
 * openssl s_server and node:tls servers that present leaf + intermediate under a test root, and
 * refuses a wrong host name, an expired leaf and an unknown root with the right code and alert;
 * mutual TLS in both roles against openssl and node:tls, in TLS 1.3 and TLS 1.2, with the
 * refusals (no certificate, unknown CA) seen from both ends, and TLS 1.2 against GnuTLS. The PKI is made by `openssl ca` at
 * test time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { nodeCrypto } from '../../src/crypto/node.js';
import { SocketBio } from '../../src/bio/socket.js';
import { AsyncSsl, SslError } from '../../src/ssl/async-ssl.js';
import { SslContext, type SslContextOptions } from '../../src/ssl/context.js';
import { Ssl } from '../../src/ssl/ssl.js';
import { SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_PEER } from '../../src/ssl/constants.js';
import { AlertDescription } from '../../src/wire/enums.js';
import * as V from '../../src/x509/verify-result.js';
import { gnutlsPriority, killAllPeers, startGnutlsClient, startGnutlsServer, startNodeTlsClient, startNodeTlsServer, startOpensslClient, startOpensslServer, type PeerProcess } from '../helpers/peers.js';
import { CertFactory, EXT } from '../helpers/cert-factory.js';
import { echoExchange, exchange, typesslServer } from './endpoints.js';

const f = new CertFactory();
after(async () => {
  await killAllPeers();
  f.cleanup();
});

let rootFile = '';
let clientRootFile = '';
before(() => {
  f.make('root', { subject: '/O=typessl interop/CN=Test Root', ext: EXT.root });
  f.make('int', { subject: '/O=typessl interop/CN=Test Intermediate', issuer: 'root', ext: EXT.intermediate });
  f.make('leaf', { subject: '/O=typessl interop/CN=localhost', issuer: 'int', ext: EXT.leaf() });
  f.make('expired', { subject: '/O=typessl interop/CN=localhost', issuer: 'int', ext: EXT.leaf(), start: '20200101000000Z', end: '20200201000000Z' });
  f.make('otherRoot', { subject: '/O=typessl interop/CN=Unknown Root', ext: EXT.root });
  f.make('otherInt', { subject: '/O=typessl interop/CN=Unknown Intermediate', issuer: 'otherRoot', ext: EXT.intermediate });
  f.make('otherLeaf', { subject: '/O=typessl interop/CN=localhost', issuer: 'otherInt', ext: EXT.leaf() });
  f.make('clientRoot', { subject: '/O=typessl interop/CN=Client Root', ext: EXT.root });
  f.make('clientInt', { subject: '/O=typessl interop/CN=Client Intermediate', issuer: 'clientRoot', ext: EXT.intermediate });
  f.make('client', { subject: '/O=typessl interop/CN=client', issuer: 'clientInt', ext: EXT.leaf('DNS:client.example') });
  rootFile = f.get('root').certPath;
  clientRootFile = f.get('clientRoot').certPath;
});

const intermediateOf: Record<string, string> = { leaf: 'int', expired: 'int', otherLeaf: 'otherInt', client: 'clientInt' };
const chainPem = (name: string) => f.get(name).pem + f.get(intermediateOf[name]!).pem;
const chainFile = (name: string) => f.file(`${name}-intermediate.pem`, f.get(intermediateOf[name]!).pem);
const fullChainFile = (name: string) => f.file(`${name}-fullchain.pem`, chainPem(name));

interface Attempt {
  ssl: Ssl;
  tls: AsyncSsl | null;
  error: SslError | null;
}

/** A typessl client handshake to 127.0.0.1:port that reports failure instead of throwing. */
async function attempt(port: number, options: SslContextOptions, servername = 'localhost'): Promise<Attempt> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const ssl = new Ssl(new SslContext({ provider: nodeCrypto, ...options }));
  ssl.setConnectState();
  ssl.setServerName(servername);
  const tls = new AsyncSsl(ssl, new SocketBio(socket));
  try {
    await tls.handshake();
    return { ssl, tls, error: null };
  } catch (e) {
    socket.destroy();
    if (!(e instanceof SslError)) throw e;
    return { ssl, tls: null, error: e };
  }
}

function refused(a: Attempt, code: number, alert: number): void {
  assert.ok(a.error, 'the handshake should fail');
  assert.equal(a.error.reason, 'SSL_R_CERTIFICATE_VERIFY_FAILED', a.error.message);
  assert.equal(a.error.alert?.description, alert, a.error.message);
  assert.equal(V.verifyErrorName(a.ssl.getVerifyResult()), V.verifyErrorName(code));
}

type ServerStarter = (cert: string) => Promise<PeerProcess>;

const servers: [string, ServerStarter][] = [
  ['openssl s_server', (cert) => startOpensslServer({ cert: f.get(cert).certPath, key: f.get(cert).keyPath, chain: chainFile(cert), version: '1.3' })],
  ['node:tls server', (cert) => startNodeTlsServer({ cert: fullChainFile(cert), key: f.get(cert).keyPath, minVersion: 'TLSv1.3' })],
];

for (const [peerName, start] of servers) {
  describe(`typessl client verifies ${peerName} (leaf + intermediate under a test root)`, () => {
    test('a good chain is accepted, the verified path ends at the root', async () => {
      const peer = await start('leaf');
      const a = await attempt(peer.port, { ca: f.get('root').pem });
      assert.equal(a.error, null, a.error?.message);
      assert.equal(a.ssl.getVerifyResult(), V.X509_V_OK);
      assert.equal(a.ssl.getPeerCertificates().length, 2);
      await exchange(a.tls!, peer, 16 * 1024);
      await a.tls!.shutdown();
      await peer.stop();
    });
    test('the same chain is accepted by IP address (SAN IP:127.0.0.1, no SNI sent)', async () => {
      const peer = await start('leaf');
      const a = await attempt(peer.port, { ca: f.get('root').pem }, '127.0.0.1');
      assert.equal(a.error, null, a.error?.message);
      await a.tls!.shutdown();
      await peer.stop();
    });
    test('a wrong host name is refused (X509_V_ERR_HOSTNAME_MISMATCH, bad_certificate)', async () => {
      const peer = await start('leaf');
      const a = await attempt(peer.port, { ca: f.get('root').pem }, 'wrong.example');
      refused(a, V.X509_V_ERR_HOSTNAME_MISMATCH, AlertDescription.bad_certificate);
      assert.match(a.error!.message, /valid for DNS:localhost, IP:127\.0\.0\.1, not for "wrong\.example"/);
      await peer.stop();
    });
    test('an expired leaf is refused (X509_V_ERR_CERT_HAS_EXPIRED, certificate_expired)', async () => {
      const peer = await start('expired');
      refused(await attempt(peer.port, { ca: f.get('root').pem }), V.X509_V_ERR_CERT_HAS_EXPIRED, AlertDescription.certificate_expired);
      await peer.stop();
    });
    test('an unknown root is refused (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, unknown_ca)', async () => {
      const peer = await start('otherLeaf');
      const a = await attempt(peer.port, { ca: f.get('root').pem });
      refused(a, V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, AlertDescription.unknown_ca);
      assert.match(a.error!.message, /issued by "CN=Unknown Root, O=typessl interop"/);
      await peer.stop();
    });
  });
}

/**
 * Mutual TLS in each version. `peerVersion` pins the peer (`-tls1_2`/`-tls1_3`, node's min/max);
 * typessl offers both and must land on it. A missing required client certificate is
 * certificate_required in TLS 1.3 and handshake_failure in TLS 1.2 (no certificate_required
 * there; OpenSSL sends handshake_failure).
 */
const MTLS_VERSIONS = [
  { version: 'TLSv1.3', peerVersion: '1.3', node: { minVersion: 'TLSv1.3' }, noCertAlert: AlertDescription.certificate_required, noCertLog: /certificate required/i },
  { version: 'TLSv1.2', peerVersion: '1.2', node: { maxVersion: 'TLSv1.2' }, noCertAlert: AlertDescription.handshake_failure, noCertLog: /handshake failure/i },
] as const;

for (const { version, peerVersion, node, noCertAlert, noCertLog } of MTLS_VERSIONS) {
  describe(`mutual TLS in ${version}: typessl client with a certificate`, () => {
    const clientOptions = (leaf = 'client'): SslContextOptions => ({ ca: f.get('root').pem, certificate: chainPem(leaf), privateKey: f.get(leaf).keyPem });
    const opensslServer = () =>
      startOpensslServer({ cert: f.get('leaf').certPath, key: f.get('leaf').keyPath, chain: chainFile('leaf'), version: peerVersion, verifyCAfile: clientRootFile });
    const nodeServer = () =>
      startNodeTlsServer({ cert: fullChainFile('leaf'), key: f.get('leaf').keyPath, ...node, ca: clientRootFile, requestCert: true, rejectUnauthorized: true });

    test('openssl s_server -Verify with the client root verifies the typessl client chain', async () => {
      const peer = await opensslServer();
      const a = await attempt(peer.port, clientOptions());
      assert.equal(a.error, null, a.error?.message);
      assert.equal(a.ssl.getVersion(), version);
      assert.equal(a.ssl.getNegotiated()?.certificateRequested, true);
      await exchange(a.tls!, peer, 16 * 1024);
      assert.match(peer.log(), /Client certificate|CN *= *client|Verification: OK/);
      await a.tls!.shutdown();
      await peer.stop();
    });
    test('node:tls server with requestCert + rejectUnauthorized authorizes the typessl client', async () => {
      const peer = await nodeServer();
      const a = await attempt(peer.port, clientOptions());
      assert.equal(a.error, null, a.error?.message);
      assert.equal(a.ssl.getVersion(), version);
      await exchange(a.tls!, peer, 16 * 1024);
      const secure = await peer.waitForEvent('secure');
      assert.equal(secure.authorized, true);
      assert.equal(secure.peerSubjectCN, 'client');
      await a.tls!.shutdown();
      await peer.stop();
    });
    if (version === 'TLSv1.2') {
      // A TLS 1.2 client waits for the server's Finished, so the server's refusal ends its handshake.
      test('openssl s_server refuses a typessl client without a certificate: handshake_failure reaches it', async () => {
        const peer = await opensslServer();
        const a = await attempt(peer.port, { ca: f.get('root').pem });
        assert.ok(a.error, 'the handshake should fail');
        assert.equal(a.error.alert?.description, AlertDescription.handshake_failure, a.error.message);
        assert.equal(a.error.alert?.direction, 'received');
        assert.match(a.error.message, /the server asked for a client certificate and none was sent/);
        assert.equal(a.ssl.getNegotiated()?.certificateRequested, true);
        await peer.stop();
      });
      test('node:tls server refuses a typessl client certificate from an unknown CA', async () => {
        const peer = await nodeServer();
        const a = await attempt(peer.port, clientOptions('otherLeaf'));
        // node:tls checks a client chain in JavaScript once OpenSSL's handshake is done and then
        // destroys the socket: no alert, the typessl client meets the end of the stream.
        assert.ok(a.error, 'the handshake should fail');
        assert.equal(a.error.reason, 'SSL_R_UNEXPECTED_EOF_WHILE_READING', a.error.message);
        await peer.waitForEvent('error');
        assert.ok(!peer.events().some((e) => e.event === 'secure'), 'node never let the client in');
        await peer.stop();
      });
    }
  });

  describe(`mutual TLS in ${version}: typessl server requiring a client certificate`, () => {
    const serverOptions = (): SslContextOptions => ({
      certificate: chainPem('leaf'),
      privateKey: f.get('leaf').keyPem,
      ca: f.get('clientRoot').pem,
      verifyMode: SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
    });

    test('openssl s_client with a certificate chain is verified', async () => {
      const srv = await typesslServer(serverOptions());
      const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', caFile: rootFile, cert: f.get('client').certPath, key: f.get('client').keyPath, chain: chainFile('client'), version: peerVersion });
      const tls = await srv.accepted;
      assert.equal(tls.ssl.getVersion(), version);
      assert.equal(tls.ssl.getVerifyResult(), V.X509_V_OK);
      assert.equal(tls.ssl.getPeerCertificates().length, 2);
      await exchange(tls, peer, 16 * 1024);
      await tls.shutdown();
      await peer.stop();
    });
    test('node:tls client with a certificate is verified', async () => {
      const srv = await typesslServer(serverOptions());
      const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: rootFile, cert: fullChainFile('client'), key: f.get('client').keyPath, ...node });
      const tls = await srv.accepted;
      assert.equal(tls.ssl.getVersion(), version);
      assert.equal(tls.ssl.getVerifyResult(), V.X509_V_OK);
      const secure = await peer.waitForEvent('secure');
      assert.equal(secure.authorized, true);
      await exchange(tls, peer, 16 * 1024);
      await tls.shutdown();
      await peer.stop();
    });
    test(`openssl s_client without a certificate gets ${version === 'TLSv1.3' ? 'certificate_required' : 'handshake_failure'}`, async () => {
      const srv = await typesslServer(serverOptions());
      const peer = await startOpensslClient({ port: srv.port, servername: 'localhost', caFile: rootFile, version: peerVersion });
      await assert.rejects(srv.accepted, (e: SslError) => {
        assert.equal(e.reason, 'SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE');
        assert.equal(e.alert?.description, noCertAlert);
        return true;
      });
      await peer.waitForLog(noCertLog, 10_000);
      await peer.stop();
    });
    test('node:tls client with a certificate from an unknown CA gets unknown_ca', async () => {
      const srv = await typesslServer(serverOptions());
      const peer = await startNodeTlsClient({ port: srv.port, servername: 'localhost', ca: rootFile, cert: fullChainFile('otherLeaf'), key: f.get('otherLeaf').keyPath, ...node });
      await assert.rejects(srv.accepted, (e: SslError) => {
        assert.equal(e.reason, 'SSL_R_CERTIFICATE_VERIFY_FAILED');
        assert.equal(e.alert?.description, AlertDescription.unknown_ca);
        return true;
      });
      if (version === 'TLSv1.2') {
        // The TLS 1.2 client is still in its handshake and reports the alert as its error.
        const err = await peer.waitForEvent('error');
        assert.match(String(err.message), /unknown ca/i);
        assert.ok(!peer.events().some((e) => e.event === 'secure'));
      }
      await peer.stop();
    });
  });
}

describe('mutual TLS in TLSv1.2 with GnuTLS (a third CertificateRequest/CertificateVerify implementation)', () => {
  const TLS12 = gnutlsPriority({ versions: ['TLS1.2'] });
  /** gnutls-serv in TLS 1.2 that requires a client certificate issued under the client root. */
  const startMtlsServer = () =>
    startGnutlsServer({
      cert: fullChainFile('leaf'),
      key: f.get('leaf').keyPath,
      priority: TLS12,
      extraArgs: ['--require-client-cert', '--verify-client-cert', '--x509cafile', clientRootFile],
    });
  test('gnutls-serv --require-client-cert verifies the typessl client chain', async () => {
    const peer = await startMtlsServer();
    const a = await attempt(peer.port, { ca: f.get('root').pem, certificate: chainPem('client'), privateKey: f.get('client').keyPem });
    assert.equal(a.error, null, a.error?.message);
    assert.equal(a.ssl.getVersion(), 'TLSv1.2');
    assert.equal(a.ssl.getNegotiated()?.certificateRequested, true);
    assert.notEqual(a.ssl.getNegotiated()?.signatureScheme, null, 'a CertificateVerify was sent');
    await echoExchange(a.tls!, 16 * 1024);
    await a.tls!.shutdown();
    await peer.stop();
  });
  test('gnutls-serv refuses a typessl client certificate from an unknown CA', async () => {
    const peer = await startMtlsServer();
    const a = await attempt(peer.port, { ca: f.get('root').pem, certificate: chainPem('otherLeaf'), privateKey: f.get('otherLeaf').keyPem });
    // GnuTLS refuses a client chain it cannot verify with access_denied.
    assert.ok(a.error, 'the handshake should fail');
    assert.equal(a.error.alert?.description, AlertDescription.access_denied, a.error.message);
    assert.equal(a.error.alert?.direction, 'received');
    assert.match(a.error.message, /the server refused our client certificate/);
    await peer.stop();
  });
  test('gnutls-cli with a certificate is verified by the typessl server', async () => {
    const srv = await typesslServer({
      certificate: chainPem('leaf'),
      privateKey: f.get('leaf').keyPem,
      ca: f.get('clientRoot').pem,
      verifyMode: SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
    });
    const peer = await startGnutlsClient({
      port: srv.port,
      servername: 'localhost',
      caFile: rootFile,
      priority: TLS12,
      extraArgs: ['--x509certfile', fullChainFile('client'), '--x509keyfile', f.get('client').keyPath],
    });
    const tls = await srv.accepted;
    assert.equal(tls.ssl.getVersion(), 'TLSv1.2');
    assert.equal(tls.ssl.getVerifyResult(), V.X509_V_OK);
    assert.equal(tls.ssl.getPeerCertificates().length, 2);
    await exchange(tls, peer, 16 * 1024);
    await tls.shutdown();
    await peer.stop();
  });
});
