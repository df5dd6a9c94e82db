/**
 * Certificate verification through the Ssl API over memory BIOs: strict client default, the
 * alerts each failure sends, getVerifyResult / getVerifyInfo, setHost and SNI, the verify
 * callback, and client certificates (mutual TLS) in TLS 1.3 and TLS 1.2 with the server's verify
 * modes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../src/crypto/node.js';
import { portableCrypto } from '../../src/crypto/portable.js';
import { MemoryBio } from '../../src/bio/memory.js';
import { SslContext, type SslContextOptions } from '../../src/ssl/context.js';
import { Ssl, type SslErrorInfo } from '../../src/ssl/ssl.js';
import { SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE, SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_PEER } from '../../src/ssl/constants.js';
import { AlertDescription, alertName } from '../../src/wire/enums.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import * as V from '../../src/x509/verify-result.js';
import { CertFactory, EXT } from '../helpers/cert-factory.js';
import { setPlatformRootSource, TrustStore } from '../../src/x509/anchors.js';
import { nodeRootSource } from '../../src/node/roots.js';

// What the Node entry point (src/index.ts) does; these tests import the modules directly.
setPlatformRootSource(nodeRootSource);

const f = new CertFactory();
after(() => f.cleanup());

before(() => {
  f.make('root', { subject: '/O=typessl test/CN=Root', ext: EXT.root });
  f.make('int', { subject: '/O=typessl test/CN=Int', issuer: 'root', ext: EXT.intermediate });
  f.make('server', { subject: '/O=typessl test/CN=server', issuer: 'int', ext: EXT.leaf() });
  f.make('expired', { subject: '/O=typessl test/CN=expired', issuer: 'int', ext: EXT.leaf(), start: '20200101000000Z', end: '20200201000000Z' });
  f.make('clientRoot', { subject: '/O=typessl test/CN=Client Root', ext: EXT.root });
  f.make('client', { subject: '/O=typessl test/CN=client', issuer: 'clientRoot', ext: EXT.leaf('DNS:client.example') });
  f.make('serverOnly', {
    subject: '/O=typessl test/CN=server only',
    issuer: 'clientRoot',
    ext: EXT.leaf('DNS:client.example').map((l) => (l.startsWith('extendedKeyUsage') ? 'extendedKeyUsage=serverAuth' : l)),
  });
  f.make('clientExpired', { subject: '/O=typessl test/CN=expired client', issuer: 'clientRoot', ext: EXT.leaf('DNS:client.example'), start: '20200101000000Z', end: '20200201000000Z' });
  f.make('clientRsa', { subject: '/O=typessl test/CN=rsa client', issuer: 'clientRoot', key: 'rsa', ext: EXT.leaf('DNS:client.example') });
  f.make('otherRoot', { subject: '/O=typessl test/CN=Other Root', ext: EXT.root });
  f.make('stranger', { subject: '/O=typessl test/CN=stranger', issuer: 'otherRoot', ext: EXT.leaf() });
});

const chainOf = (...names: string[]) => names.map((n) => f.get(n).pem).join('');

interface Outcome {
  client: Ssl;
  server: Ssl;
  c: number;
  s: number;
  clientError: SslErrorInfo | null;
  serverError: SslErrorInfo | null;
}

function run(clientOpts: SslContextOptions, serverOpts: SslContextOptions, setup?: (client: Ssl) => void): Outcome {
  const serverCtx = new SslContext({ provider: nodeCrypto, certificate: chainOf('server', 'int'), privateKey: f.get('server').keyPem, ...serverOpts });
  const clientCtx = new SslContext({ provider: nodeCrypto, ...clientOpts });
  return runWith(clientCtx, serverCtx, setup);
}

/** One handshake between connections of the given contexts, over memory BIOs. */
function runWith(clientCtx: SslContext, serverCtx: SslContext, setup?: (client: Ssl) => void): Outcome {
  const client = new Ssl(clientCtx);
  const server = new Ssl(serverCtx);
  const [ci, co, si, so] = [new MemoryBio(), new MemoryBio(), new MemoryBio(), new MemoryBio()];
  client.setBio(ci, co);
  server.setBio(si, so);
  client.setConnectState();
  server.setAcceptState();
  if (setup) setup(client);
  else client.setServerName('localhost');
  // null: not called yet. A side is "settled" when done (1) or failed with anything but a retry.
  let c: number | null = null;
  let s: number | null = null;
  const settled = (ssl: Ssl, r: number | null) => r !== null && (r === 1 || ![SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE].includes(ssl.getError(r) as 2 | 3));
  for (let i = 0; i < 20 && !(settled(client, c) && settled(server, s)); i++) {
    if (!settled(client, c)) c = client.doHandshake();
    if (!settled(server, s)) s = server.doHandshake();
    if (co.pending()) si.write(co.drain());
    if (so.pending()) ci.write(so.drain());
  }
  return { client, server, c: c ?? 0, s: s ?? 0, clientError: client.getErrorInfo(), serverError: server.getErrorInfo() };
}

describe('client verification through Ssl', () => {
  test('a chain to a trusted root verifies; getVerifyResult is X509_V_OK', () => {
    const o = run({ ca: f.get('root').pem }, {});
    assert.equal(o.c, 1, JSON.stringify(o.clientError));
    assert.equal(o.client.getVerifyResult(), V.X509_V_OK);
    assert.equal(o.client.getVerifyInfo()?.accepted, true);
  });
  test('strict by default: a client with no anchors refuses, with unknown_ca and a result code', () => {
    const o = run({}, {});
    assert.equal(o.c, -1);
    assert.equal(o.clientError?.reason, 'SSL_R_CERTIFICATE_VERIFY_FAILED');
    assert.equal(o.clientError?.alert?.description, AlertDescription.unknown_ca);
    assert.equal(o.client.getVerifyResult(), V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    // The server hears the alert.
    assert.equal(o.serverError?.alert?.description, AlertDescription.unknown_ca);
    assert.equal(o.serverError?.alert?.direction, 'received');
  });
  test('an expired leaf: certificate_expired alert and X509_V_ERR_CERT_HAS_EXPIRED', () => {
    const o = run({ ca: f.get('root').pem }, { certificate: chainOf('expired', 'int'), privateKey: f.get('expired').keyPem });
    assert.equal(o.clientError?.alert?.description, AlertDescription.certificate_expired);
    assert.equal(o.client.getVerifyResult(), V.X509_V_ERR_CERT_HAS_EXPIRED);
    const info = o.client.getVerifyInfo()!;
    assert.equal(info.name, 'X509_V_ERR_CERT_HAS_EXPIRED');
    assert.equal(info.depth, 0);
    assert.match(info.message, /expired at 2020-02-01T00:00:00Z/);
    assert.match(o.clientError?.message, /renew the certificate/);
  });
  test('a wrong host name: bad_certificate and X509_V_ERR_HOSTNAME_MISMATCH', () => {
    const o = run({ ca: f.get('root').pem }, {}, (c) => c.setServerName('db.example'));
    assert.equal(o.clientError?.alert?.description, AlertDescription.bad_certificate);
    assert.equal(o.client.getVerifyResult(), V.X509_V_ERR_HOSTNAME_MISMATCH);
    assert.match(o.clientError?.message, /not for "db\.example"/);
  });
  test('the verification time is the context clock', () => {
    const o = run({ ca: f.get('root').pem, now: () => Date.parse('2020-01-15T00:00:00Z') }, {});
    assert.equal(o.client.getVerifyResult(), V.X509_V_ERR_CERT_NOT_YET_VALID);
  });
  test('an IP address as server name: checked against IP SANs and not sent as SNI', () => {
    const o = run({ ca: f.get('root').pem }, {}, (c) => c.setServerName('127.0.0.1'));
    assert.equal(o.c, 1, JSON.stringify(o.clientError));
    assert.equal(o.server.getNegotiated()?.serverName, null);
  });
  test('setHost checks another name than the SNI name', () => {
    const o = run({ ca: f.get('root').pem }, {}, (c) => {
      c.setServerName('front.example');
      c.setHost('localhost');
    });
    assert.equal(o.c, 1, JSON.stringify(o.clientError));
    assert.equal(o.server.getNegotiated()?.serverName, 'front.example');
  });
  test('no name at all: the client refuses to start and says which call is missing', () => {
    const o = run({ ca: f.get('root').pem }, {}, () => undefined);
    assert.equal(o.c, -1);
    assert.equal(o.clientError?.reason, 'SSL_R_NO_SERVER_NAME_TO_VERIFY');
    assert.match(o.clientError?.message, /setServerName\(\)/);
  });
  test('a verify callback can accept a specific error; getVerifyResult still reports it', () => {
    const o = run({ ca: f.get('root').pem, verifyCallback: (ok, v) => ok || v.error === V.X509_V_ERR_HOSTNAME_MISMATCH }, {}, (c) => c.setServerName('other.example'));
    assert.equal(o.c, 1, JSON.stringify(o.clientError));
    assert.equal(o.client.getVerifyResult(), V.X509_V_ERR_HOSTNAME_MISMATCH);
    assert.equal(o.client.getVerifyInfo()?.accepted, true);
  });
  test('dangerouslySkipCertificateVerification completes, and getVerifyResult tells the truth', () => {
    const o = run({ dangerouslySkipCertificateVerification: true }, {});
    assert.equal(o.c, 1);
    assert.equal(o.client.getVerifyResult(), V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  });
  test('setTrustedCertificates replaces the anchors', () => {
    const ctx = new SslContext({ provider: nodeCrypto, ca: f.get('otherRoot').pem });
    ctx.setTrustedCertificates(f.get('root').pem);
    assert.equal(ctx.trustStore.size, 1);
    assert.equal(ctx.trustStore.certificates()[0]!.commonName, 'Root');
  });
  test('platform roots are joined with the explicit anchors once per context, and anchors changed later count', () => {
    const serverCtx = new SslContext({ provider: nodeCrypto, certificate: chainOf('server', 'int'), privateKey: f.get('server').keyPem });
    const clientCtx = new SslContext({ provider: nodeCrypto, useBundledRoots: true });
    const clone = TrustStore.prototype.clone;
    let joins = 0;
    TrustStore.prototype.clone = function (this: TrustStore) {
      joins++;
      return clone.call(this);
    };
    try {
      const before = runWith(clientCtx, serverCtx);
      assert.equal(before.client.getVerifyResult(), V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
      clientCtx.trustStore.add(f.get('root').pem);
      for (let i = 0; i < 3; i++) {
        const o = runWith(clientCtx, serverCtx);
        assert.equal(o.c, 1, `connection ${i} after the anchor was added: ${JSON.stringify(o.clientError)}`);
      }
      // Before the anchor was added the process-wide store of bundled roots served; after it, one
      // join for the three connections, not one per connection (each join copies the ~140 bundled
      // roots: milliseconds).
      assert.equal(joins, 1);
      clientCtx.setTrustedCertificates(f.get('otherRoot').pem);
      assert.equal(runWith(clientCtx, serverCtx).client.getVerifyResult(), V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
      clientCtx.clearPlatformRoots();
      assert.match(runWith(clientCtx, serverCtx).clientError?.message ?? '', /trust store \(1 anchors\)/);
    } finally {
      TrustStore.prototype.clone = clone;
    }
  });
  test('contexts that trust the bundled roots alone share one store of them (node:tls-style clients make a context per connection)', () => {
    const serverCtx = new SslContext({ provider: nodeCrypto, certificate: chainOf('server', 'int'), privateKey: f.get('server').keyPem });
    const addDer = TrustStore.prototype.addDer;
    const added: number[] = [];
    TrustStore.prototype.addDer = function (this: TrustStore, der) {
      added[added.length - 1]!++;
      return addDer.call(this, der);
    };
    try {
      for (let i = 0; i < 3; i++) {
        added.push(0);
        const o = runWith(new SslContext({ provider: nodeCrypto, useBundledRoots: true }), serverCtx);
        assert.match(o.clientError?.message ?? '', /trust store \(\d{2,} anchors\)/, 'verified against the bundled roots');
      }
    } finally {
      TrustStore.prototype.addDer = addDer;
    }
    // Built at most once (by the first connection, unless an earlier test did), never again.
    assert.deepEqual(added.slice(1), [0, 0]);
  });
  test('Node bundled roots can be added (and do not trust the test root)', () => {
    const o = run({ useBundledRoots: true }, {});
    assert.equal(o.client.getVerifyResult(), V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    assert.match(o.clientError?.message ?? '', /trust store \(\d{2,} anchors\)/);
  });
});

/** The client side of each mutual TLS version: its maxVersion, and the alert for "no certificate" under FAIL_IF_NO_PEER_CERT. */
const MTLS_VERSIONS = [
  { version: 'TLSv1.3', noCertAlert: AlertDescription.certificate_required },
  // TLS 1.2 has no certificate_required; OpenSSL sends handshake_failure.
  { version: 'TLSv1.2', noCertAlert: AlertDescription.handshake_failure },
] as const;

for (const { version, noCertAlert } of MTLS_VERSIONS) {
  describe(`${version} client certificates (mutual TLS), server side`, () => {
    const mtlsServer = (mode: number): SslContextOptions => ({ ca: f.get('clientRoot').pem, verifyMode: mode });
    const clientWith = (name: string): SslContextOptions => ({ ca: f.get('root').pem, certificate: f.get(name).pem, privateKey: f.get(name).keyPem, maxVersion: version });
    const noCertClient: SslContextOptions = { ca: f.get('root').pem, maxVersion: version };

    test('SSL_VERIFY_PEER: the server asks, verifies the client chain and keeps it', () => {
      const o = run(clientWith('client'), mtlsServer(SSL_VERIFY_PEER));
      assert.equal(o.s, 1, JSON.stringify(o.serverError));
      assert.equal(o.c, 1, JSON.stringify(o.clientError));
      assert.equal(o.server.getVersion(), version);
      assert.equal(o.server.getPeerCertificates().length, 1);
      assert.equal(o.server.getVerifyResult(), V.X509_V_OK);
      assert.equal(o.client.getNegotiated()?.certificateRequested, true);
      assert.equal(o.server.getNegotiated()?.peerSignatureScheme, o.client.getNegotiated()?.signatureScheme);
    });
    test('no client certificate with SSL_VERIFY_FAIL_IF_NO_PEER_CERT: refused with SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE', () => {
      const o = run(noCertClient, mtlsServer(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT));
      assert.equal(o.s, -1);
      assert.equal(o.serverError?.reason, 'SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE');
      assert.equal(o.serverError?.alert?.description, noCertAlert);
      assert.match(o.serverError?.message ?? '', /SSL_VERIFY_FAIL_IF_NO_PEER_CERT/);
      // A TLS 1.2 client still waits for the server's Finished and hears the alert in its handshake
      // (a TLS 1.3 client has finished by then and meets it on its first read).
      if (version === 'TLSv1.2') {
        assert.deepEqual(o.clientError?.alert, { description: noCertAlert, name: alertName(noCertAlert), direction: 'received' });
        assert.match(o.clientError?.message ?? '', /asked for a client certificate and none was sent \(configure certificate and privateKey/);
      }
    });
    test('no client certificate with SSL_VERIFY_PEER alone: the handshake completes without one', () => {
      const o = run(noCertClient, mtlsServer(SSL_VERIFY_PEER));
      assert.equal(o.s, 1, JSON.stringify(o.serverError));
      assert.equal(o.server.getVersion(), version);
      assert.equal(o.server.getPeerCertificates().length, 0);
      assert.equal(o.server.getVerifyInfo(), null);
    });
    test('a client certificate from an unknown CA: unknown_ca (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)', () => {
      const o = run(clientWith('stranger'), mtlsServer(SSL_VERIFY_PEER));
      assert.equal(o.s, -1);
      assert.equal(o.serverError?.reason, 'SSL_R_CERTIFICATE_VERIFY_FAILED');
      assert.equal(o.serverError?.alert?.description, AlertDescription.unknown_ca);
      assert.equal(o.server.getVerifyResult(), V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
      if (version === 'TLSv1.2') {
        assert.equal(o.clientError?.alert?.description, AlertDescription.unknown_ca);
        assert.match(o.clientError?.message ?? '', /refused our client certificate \(check that it chains to a CA the server trusts/);
      }
    });
    test('a client certificate without clientAuth: unsupported_certificate (X509_V_ERR_INVALID_PURPOSE)', () => {
      const o = run(clientWith('serverOnly'), mtlsServer(SSL_VERIFY_PEER));
      assert.equal(o.s, -1);
      assert.equal(o.serverError?.alert?.description, AlertDescription.unsupported_certificate);
      assert.equal(o.server.getVerifyResult(), V.X509_V_ERR_INVALID_PURPOSE);
    });
    test('an expired client certificate: certificate_expired (X509_V_ERR_CERT_HAS_EXPIRED), and the message says what to fix', () => {
      const o = run(clientWith('clientExpired'), mtlsServer(SSL_VERIFY_PEER));
      assert.equal(o.s, -1);
      assert.equal(o.serverError?.alert?.description, AlertDescription.certificate_expired);
      assert.equal(o.server.getVerifyResult(), V.X509_V_ERR_CERT_HAS_EXPIRED);
      assert.match(o.serverError?.message ?? '', /renew the certificate/);
    });
    test('a verify callback can accept a failed client chain; getVerifyResult still reports the error', () => {
      const o = run(clientWith('stranger'), {
        ...mtlsServer(SSL_VERIFY_PEER),
        verifyCallback: (ok, v) => ok || v.error === V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
      });
      assert.equal(o.s, 1, JSON.stringify(o.serverError));
      assert.equal(o.server.getVerifyResult(), V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
      assert.equal(o.server.getVerifyInfo()?.accepted, true);
    });
    test('a verify callback can reject a chain that verifies: the client is refused', () => {
      const o = run(clientWith('client'), { ...mtlsServer(SSL_VERIFY_PEER), verifyCallback: (ok, v) => ok && v.errorDepth !== 0 });
      assert.equal(o.s, -1);
      assert.equal(o.serverError?.reason, 'SSL_R_CERTIFICATE_VERIFY_FAILED');
      assert.equal(o.server.getVerifyInfo()?.accepted, false);
    });
    test('SSL_VERIFY_NONE (default): no CertificateRequest', () => {
      const o = run(clientWith('client'), {});
      assert.equal(o.s, 1);
      assert.equal(o.client.getNegotiated()?.certificateRequested, false);
      assert.equal(o.server.getPeerCertificates().length, 0);
    });
  });
}

describe('client certificates: configuration and TLS 1.2 specifics', () => {
  const mtlsServer = (mode: number): SslContextOptions => ({ ca: f.get('clientRoot').pem, verifyMode: mode });
  const clientWith = (name: string): SslContextOptions => ({ ca: f.get('root').pem, certificate: f.get(name).pem, privateKey: f.get(name).keyPem, maxVersion: 'TLSv1.2' });

  test('the CertificateRequest is configured with the trusted CA names (certificate_authorities)', () => {
    const ctx = new SslContext({ provider: nodeCrypto, ...mtlsServer(SSL_VERIFY_PEER), certificate: chainOf('server', 'int'), privateKey: f.get('server').keyPem });
    const cfg = ctx.engineConfig('server', null);
    assert.deepEqual(cfg.clientCertificates?.certificateAuthorities, [parseCertificate(f.get('clientRoot').der).subjectDer]);
    assert.equal(cfg.clientCertificates?.required, false);
  });
  test('TLS 1.2: RSA (PKCS#1 or PSS) and ECDSA client certificates both verify, each signed with a scheme that fits its key', () => {
    for (const [name, schemes] of [
      ['client', [0x0403]],
      ['clientRsa', [0x0804, 0x0401]],
    ] as const) {
      const o = run(clientWith(name), mtlsServer(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT));
      assert.equal(o.s, 1, JSON.stringify(o.serverError));
      assert.equal(o.server.getVersion(), 'TLSv1.2');
      assert.equal(o.server.getVerifyResult(), V.X509_V_OK);
      assert.ok((schemes as readonly number[]).includes(o.server.getNegotiated()!.peerSignatureScheme!), `${name}: 0x${o.server.getNegotiated()!.peerSignatureScheme!.toString(16)}`);
    }
  });
  test('TLS 1.2 with the portable provider on both sides: the RSA and ECDSA client certificates sign and verify the same way', () => {
    for (const name of ['client', 'clientRsa']) {
      const o = run({ ...clientWith(name), provider: portableCrypto }, { ...mtlsServer(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT), provider: portableCrypto });
      assert.equal(o.s, 1, `${name}: ${JSON.stringify(o.serverError)} ${JSON.stringify(o.clientError)}`);
      assert.equal(o.server.getVersion(), 'TLSv1.2');
      assert.equal(o.server.getVerifyResult(), V.X509_V_OK);
    }
  });
  test('TLS 1.2: a client whose schemes the server does not offer sends an empty Certificate (and is refused when one is required)', () => {
    // The server's own key is ECDSA, so it can offer ECDSA schemes only; the RSA client has none to use.
    const o = run(clientWith('clientRsa'), { ...mtlsServer(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT), signatureSchemes: [0x0403] });
    assert.equal(o.serverError?.reason, 'SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE');
    assert.equal(o.serverError?.alert?.description, AlertDescription.handshake_failure);
    assert.equal(o.client.getNegotiated()?.signatureScheme, null);
  });
});
