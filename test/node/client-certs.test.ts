/**
 * typessl/node servers asking for client certificates the node:tls way (issue 7): `requestCert`,
 * `rejectUnauthorized` (default true with requestCert), `ca`; the server socket's `authorized` /
 * `authorizationError` and `getPeerCertificate()`. The reference is a node:tls server (a child
 * process) with the same options judging the same client credentials; the clients are node:tls
 * and openssl s_client child processes and a typessl client, on 127.0.0.1 with a PKI made at test
 * time. TLS 1.3 and TLS 1.2.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';
import { connect, createServer, type Server, type ServerOptions, type TLSSocket } from '../../src/node/index.js';
import { CertFactory, EXT } from '../helpers/cert-factory.js';
import { killAllPeers, startNodeTlsClient, startNodeTlsServer, startOpensslClient, type PeerEvent, type PeerProcess } from '../helpers/peers.js';

const f = new CertFactory();
after(async () => {
  await killAllPeers();
  f.cleanup();
});

/** Client credentials by name: certificate file (leaf, then intermediates) and key; none for 'none'. */
const creds: Record<string, { cert: string; key: string } | null> = {};
let serverCert = '';
let serverKey = '';
let serverRoot = '';
let clientRoot = '';

before(() => {
  f.make('root', { subject: '/O=typessl node/CN=Server Root', ext: EXT.root });
  f.make('server', { subject: '/O=typessl node/CN=localhost', issuer: 'root', ext: EXT.leaf() });
  f.make('clientRoot', { subject: '/O=typessl node/CN=Client Root', ext: EXT.root });
  f.make('clientInt', { subject: '/O=typessl node/CN=Client Intermediate', issuer: 'clientRoot', ext: EXT.intermediate });
  f.make('client', { subject: '/O=typessl node/CN=client', issuer: 'clientInt', ext: EXT.leaf('DNS:client.example') });
  f.make('expiredClient', { subject: '/O=typessl node/CN=old client', issuer: 'clientInt', ext: EXT.leaf('DNS:client.example'), start: '20200101000000Z', end: '20200201000000Z' });
  f.make('otherRoot', { subject: '/O=typessl node/CN=Unknown Root', ext: EXT.root });
  f.make('stranger', { subject: '/O=typessl node/CN=stranger', issuer: 'otherRoot', ext: EXT.leaf('DNS:client.example') });
  const chain = (leaf: string, ...rest: string[]) => ({ cert: f.file(`${leaf}-chain.pem`, [leaf, ...rest].map((n) => f.get(n).pem).join('')), key: f.get(leaf).keyPath });
  creds.valid = chain('client', 'clientInt');
  creds.expired = chain('expiredClient', 'clientInt');
  creds.stranger = chain('stranger');
  creds.none = null;
  serverCert = f.get('server').pem;
  serverKey = f.get('server').keyPem;
  serverRoot = f.get('root').certPath;
  clientRoot = f.get('clientRoot').pem;
});

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

type Version = 'TLSv1.2' | 'TLSv1.3';

/** A node:tls client child process offering the named credentials, speaking at most `version`. */
function nodeClient(port: number, cred: string, version: Version = 'TLSv1.3'): Promise<PeerProcess> {
  const c = creds[cred];
  return startNodeTlsClient({ port, servername: 'localhost', ca: serverRoot, maxVersion: version, ...(c ? { cert: c.cert, key: c.key } : {}) });
}

/** The first 'secureConnection' or 'tlsClientError' of a typessl server. */
function nextOutcome(server: Server): Promise<{ socket: TLSSocket } | { error: Error & { code?: string; reason?: string } }> {
  return new Promise((resolve) => {
    const onSecure = (socket: TLSSocket) => {
      server.off('tlsClientError', onError);
      resolve({ socket });
    };
    const onError = (error: Error) => {
      server.off('secureConnection', onSecure);
      resolve({ error });
    };
    server.once('secureConnection', onSecure);
    server.once('tlsClientError', onError);
  });
}

/** What a node:tls server with requestCert and rejectUnauthorized: false says of each credential. */
const reference: Record<string, PeerEvent> = {};

describe('typessl/node server with requestCert agrees with node:tls (node:tls clients)', () => {
  before(async () => {
    const caPath = f.get('clientRoot').certPath;
    const names = Object.keys(creds);
    const peer = await startNodeTlsServer({ cert: f.get('server').certPath, key: f.get('server').keyPath, ca: caPath, requestCert: true, rejectUnauthorized: false, connections: names.length });
    try {
      for (const [i, name] of names.entries()) {
        const client = await nodeClient(peer.port, name);
        reference[name] = await peer.waitForEvent('secure', (e) => e.conn === i);
        await client.stop();
      }
    } finally {
      await peer.stop();
    }
  });

  test('node:tls reference verdicts (what the rows below must match)', () => {
    assert.deepEqual(
      Object.fromEntries(Object.entries(reference).map(([k, e]) => [k, e.authorizationError])),
      { valid: null, expired: 'CERT_HAS_EXPIRED', stranger: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', none: 'UNABLE_TO_GET_ISSUER_CERT' },
    );
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const)
  for (const cred of ['valid', 'expired', 'stranger', 'none']) {
    test(`${version}, rejectUnauthorized false, client ${cred}: authorized / authorizationError / getPeerCertificate as node:tls`, async () => {
      const server = createServer({ cert: serverCert, key: serverKey, ca: clientRoot, requestCert: true, rejectUnauthorized: false });
      const port = await listen(server);
      const outcome = nextOutcome(server);
      const client = await nodeClient(port, cred, version);
      try {
        const o = await outcome;
        assert.ok('socket' in o, `the handshake completes: ${'error' in o ? o.error.message : ''}`);
        const s = o.socket;
        s.on('error', () => undefined); // the client child may leave without close_notify when stopped
        assert.equal(s.authorized, reference[cred]!.authorized);
        assert.equal(s.authorizationError, reference[cred]!.authorizationError);
        const pc = s.getPeerCertificate();
        assert.equal('subject' in pc ? pc.subject.CN : null, reference[cred]!.peerSubjectCN);
        const secure = await client.waitForEvent('secure');
        assert.equal(secure.protocol, version);
        assert.equal(s.getProtocol(), version);
        s.destroy();
      } finally {
        await client.stop();
        server.close();
      }
    });

    test(`${version}, rejectUnauthorized default (true), client ${cred}: ${cred === 'valid' ? 'authorized' : 'refused in the handshake, tlsClientError'}`, async () => {
      const server = createServer({ cert: serverCert, key: serverKey, ca: clientRoot, requestCert: true });
      const port = await listen(server);
      const outcome = nextOutcome(server);
      const client = await nodeClient(port, cred, version);
      try {
        const o = await outcome;
        if (cred === 'valid') {
          assert.ok('socket' in o);
          assert.equal(o.socket.authorized, true);
          assert.equal(o.socket.authorizationError, null);
          const pc = o.socket.getPeerCertificate(true);
          assert.ok('subject' in pc);
          assert.equal(pc.subject.CN, 'client');
          assert.equal(pc.issuerCertificate?.subject.CN, 'Client Intermediate');
          const secure = await client.waitForEvent('secure');
          assert.equal(secure.protocol, version);
          o.socket.destroy();
        } else {
          assert.ok('error' in o, 'no secureConnection for a refused client');
          if (cred === 'none') assert.equal(o.error.reason, 'SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE');
          else assert.equal(o.error.code, reference[cred]!.authorizationError, o.error.message);
          // The client hears the alert (certificate_required, unknown_ca, certificate_expired).
          const err = await client.waitForEvent('error');
          assert.match(String(err.message), /alert/i);
        }
      } finally {
        await client.stop();
        server.close();
      }
    });
  }
});

describe('typessl/node server with requestCert: other clients', () => {
  const serverOptions = (): ServerOptions => ({ cert: serverCert, key: serverKey, ca: clientRoot, requestCert: true });

  test('openssl s_client with a client certificate (and its intermediate): authorized', async () => {
    const server = createServer(serverOptions());
    const port = await listen(server);
    const outcome = nextOutcome(server);
    const client = await startOpensslClient({ port, servername: 'localhost', caFile: serverRoot, cert: f.get('client').certPath, key: f.get('client').keyPath, chain: f.file('client-int.pem', f.get('clientInt').pem) });
    try {
      const o = await outcome;
      assert.ok('socket' in o, 'error' in o ? o.error.message : '');
      assert.equal(o.socket.authorized, true);
      const pc = o.socket.getPeerCertificate();
      assert.ok('subject' in pc);
      assert.equal(pc.subject.CN, 'client');
      await client.waitForLog(/CONNECTION ESTABLISHED/);
      o.socket.destroy();
    } finally {
      await client.stop();
      server.close();
    }
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const)
  test(`${version}: a typessl client with cert/key: both sides authorized; the client sees the server, the server the client`, async () => {
    const server = createServer(serverOptions());
    const port = await listen(server);
    const outcome = nextOutcome(server);
    const client = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: f.get('root').pem, cert: f.get('client').pem + f.get('clientInt').pem, key: f.get('client').keyPem, maxVersion: version });
    try {
      const [o] = await Promise.all([outcome, once(client, 'secureConnect')]);
      assert.ok('socket' in o);
      assert.equal(o.socket.getProtocol(), version);
      assert.equal(o.socket.authorized, true);
      assert.equal(client.authorized, true);
      const seen = o.socket.getPeerCertificate();
      assert.equal('subject' in seen && seen.subject.CN, 'client');
      const server_ = client.getPeerCertificate();
      assert.equal('subject' in server_ && server_.subject.CN, 'localhost');
      o.socket.destroy();
    } finally {
      client.destroy();
      server.close();
    }
  });

  test('without requestCert no certificate is asked for: authorized false, authorizationError null, getPeerCertificate() {}', async () => {
    const server = createServer({ cert: serverCert, key: serverKey, ca: clientRoot });
    const port = await listen(server);
    const outcome = nextOutcome(server);
    const client = await nodeClient(port, 'valid');
    try {
      const o = await outcome;
      assert.ok('socket' in o);
      assert.equal(o.socket.authorized, false);
      assert.equal(o.socket.authorizationError, null);
      assert.deepEqual(o.socket.getPeerCertificate(), {});
      await client.waitForEvent('secure');
      o.socket.destroy();
    } finally {
      await client.stop();
      server.close();
    }
  });
});
