/**
 * typessl/node clients judge servers the way node:tls does (issue 7): `ca` (replacing the default
 * trust, tls.rootCertificates), `rejectUnauthorized`, `servername` / `host`, `checkServerIdentity`.
 * Each row connects a typessl client AND a node:tls client (the reference) to the same node:tls
 * server (a child process presenting a chain under a test root made at test time) and requires
 * the same outcome: `authorized` / `authorizationError` with rejectUnauthorized false, the same
 * 'error' code with rejectUnauthorized true. openssl s_server is checked the same way.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { connect, type ConnectOptions, type PeerCertificate } from '../../src/node/index.js';
import { CertFactory, EXT } from '../helpers/cert-factory.js';
import { killAllPeers, startNodeTlsServer, startOpensslServer, type PeerProcess } from '../helpers/peers.js';

const f = new CertFactory();
after(async () => {
  await killAllPeers();
  f.cleanup();
});

before(() => {
  f.make('root', { subject: '/O=typessl node/CN=Test Root', ext: EXT.root });
  f.make('int', { subject: '/O=typessl node/CN=Test Intermediate', issuer: 'root', ext: EXT.intermediate });
  f.make('leaf', { subject: '/O=typessl node/CN=localhost', issuer: 'int', ext: EXT.leaf() });
  f.make('dnsOnly', { subject: '/O=typessl node/CN=localhost', issuer: 'int', ext: EXT.leaf('DNS:localhost') });
  f.make('expired', { subject: '/O=typessl node/CN=localhost', issuer: 'int', ext: EXT.leaf(), start: '20200101000000Z', end: '20200201000000Z' });
  f.make('selfSigned', { subject: '/O=typessl node/CN=localhost', ext: EXT.leaf().filter((l) => !l.startsWith('authorityKeyIdentifier')) });
  f.make('otherRoot', { subject: '/O=typessl node/CN=Unknown Root', ext: EXT.root });
});

/** What a client ended with: a completed handshake and its verdict, or the error it failed with. */
type Outcome = { secure: true; authorized: boolean; authorizationError: string | null } | { secure: false; code: string | undefined; message: string };

interface ClientLike {
  authorized: boolean;
  authorizationError: unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  destroy(): unknown;
}

/** Waits for 'secureConnect' or 'error', whichever comes first, then closes the client. */
async function outcomeOf(client: ClientLike): Promise<Outcome> {
  const result = await new Promise<Outcome>((resolve) => {
    client.once('secureConnect', () => resolve({ secure: true, authorized: client.authorized, authorizationError: (client.authorizationError as string | null | undefined) ?? null }));
    client.once('error', (e: Error & { code?: string }) => resolve({ secure: false, code: e.code, message: e.message }));
  });
  client.destroy();
  return result;
}

interface Row {
  name: string;
  /** PEM certificates the server presents, leaf first. */
  chain: string[];
  /** The server's key: the leaf's. */
  leaf: string;
  options: Pick<ConnectOptions, 'servername' | 'host'> & { ca?: string };
  /** node:tls's verdict for this row (checked on the node:tls client too). */
  expected: string | null;
  /** When it differs: the error typessl reports with rejectUnauthorized true (the first of several problems, where the handshake stopped). */
  firstProblem?: string;
}

const rows: Row[] = [
  { name: 'leaf + intermediate under the trusted root', chain: ['leaf', 'int'], leaf: 'leaf', options: { servername: 'localhost', ca: 'root' }, expected: null },
  { name: 'an IP address as host, checked against IP SANs', chain: ['leaf', 'int'], leaf: 'leaf', options: { host: '127.0.0.1', ca: 'root' }, expected: null },
  { name: 'wrong host name', chain: ['leaf', 'int'], leaf: 'leaf', options: { servername: 'db.example', ca: 'root' }, expected: 'ERR_TLS_CERT_ALTNAME_INVALID' },
  { name: 'an IP address the certificate does not list', chain: ['dnsOnly', 'int'], leaf: 'dnsOnly', options: { host: '127.0.0.1', ca: 'root' }, expected: 'ERR_TLS_CERT_ALTNAME_INVALID' },
  { name: 'expired leaf', chain: ['expired', 'int'], leaf: 'expired', options: { servername: 'localhost', ca: 'root' }, expected: 'CERT_HAS_EXPIRED' },
  { name: 'unknown root (ca is another root)', chain: ['leaf', 'int'], leaf: 'leaf', options: { servername: 'localhost', ca: 'otherRoot' }, expected: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
  { name: 'default trust (tls.rootCertificates) does not know the test root', chain: ['leaf', 'int'], leaf: 'leaf', options: { servername: 'localhost' }, expected: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
  { name: 'the intermediate is missing', chain: ['leaf'], leaf: 'leaf', options: { servername: 'localhost', ca: 'root' }, expected: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
  { name: 'an untrusted self-signed certificate', chain: ['selfSigned'], leaf: 'selfSigned', options: { servername: 'localhost' }, expected: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
  { name: 'the server sends its untrusted root too', chain: ['leaf', 'int', 'root'], leaf: 'leaf', options: { servername: 'localhost', ca: 'otherRoot' }, expected: 'SELF_SIGNED_CERT_IN_CHAIN' },
  // Several problems: node:tls names the chain's last one; typessl too when it does not reject
  // (rejecting, it stops at the first it meets, in RFC 5280 order: trust, extensions, name, signatures and dates).
  { name: 'expired leaf and a wrong name', chain: ['expired', 'int'], leaf: 'expired', options: { servername: 'db.example', ca: 'root' }, expected: 'CERT_HAS_EXPIRED', firstProblem: 'ERR_TLS_CERT_ALTNAME_INVALID' },
  { name: 'expired leaf under an unknown root', chain: ['expired', 'int'], leaf: 'expired', options: { servername: 'localhost', ca: 'otherRoot' }, expected: 'CERT_HAS_EXPIRED', firstProblem: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
];

describe('typessl/node client verification agrees with node:tls against a node:tls server', () => {
  for (const row of rows) {
    test(`${row.name}: ${row.expected ?? 'authorized'}`, async () => {
      const certPath = f.file(`${row.name.replace(/\W+/g, '-')}.pem`, row.chain.map((n) => f.get(n).pem).join(''));
      const peer: PeerProcess = await startNodeTlsServer({ cert: certPath, key: f.get(row.leaf).keyPath, connections: 4 });
      try {
        const base = { port: peer.port, host: row.options.host ?? '127.0.0.1', ...(row.options.servername !== undefined && { servername: row.options.servername }) };
        const ca = row.options.ca !== undefined ? { ca: f.get(row.options.ca).pem } : {};
        for (const rejectUnauthorized of [false, true]) {
          const reference = await outcomeOf(tls.connect({ ...base, ...ca, rejectUnauthorized }));
          const ours = await outcomeOf(connect({ ...base, ...ca, rejectUnauthorized }));
          // The reference first: the row must describe what node:tls really does.
          if (row.expected === null) {
            assert.deepEqual(reference, { secure: true, authorized: true, authorizationError: null }, 'node:tls');
          } else if (rejectUnauthorized) {
            assert.equal(reference.secure ? 'secure' : reference.code, row.expected, 'node:tls');
          } else {
            assert.deepEqual(reference, { secure: true, authorized: false, authorizationError: row.expected }, 'node:tls');
          }
          if (rejectUnauthorized && !reference.secure && !ours.secure) {
            assert.equal(ours.code, row.firstProblem ?? reference.code, `typessl: ${ours.message}`);
            if (row.firstProblem) continue;
            // node's text first (typessl adds which certificate and what to fix).
            if (reference.code === 'ERR_TLS_CERT_ALTNAME_INVALID') assert.equal(ours.message, reference.message);
            else assert.ok(ours.message.startsWith(reference.message), `${ours.message} / ${reference.message}`);
          } else {
            assert.deepEqual(ours, reference, `typessl (rejectUnauthorized ${rejectUnauthorized})`);
          }
        }
      } finally {
        await peer.stop();
      }
    });
  }
});

describe('typessl/node client: checkServerIdentity, against a node:tls server', () => {
  let peer: PeerProcess;
  before(async () => {
    peer = await startNodeTlsServer({ cert: f.file('cs-chain.pem', f.get('leaf').pem + f.get('int').pem), key: f.get('leaf').keyPath, connections: 4 });
  });
  after(() => peer.stop());

  test('a custom check is called with the name and the certificate, after the chain verified; its Error fails the connection', async () => {
    const seen: Array<[string, PeerCertificate]> = [];
    const refuse = Object.assign(new Error('pinned key does not match'), { code: 'ERR_PINNED' });
    const out = await outcomeOf(
      connect({
        port: peer.port,
        host: '127.0.0.1',
        servername: 'localhost',
        ca: f.get('root').pem,
        checkServerIdentity: (host, cert) => {
          seen.push([host, cert]);
          return refuse;
        },
      }),
    );
    assert.deepEqual(out, { secure: false, code: 'ERR_PINNED', message: 'pinned key does not match' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]![0], 'localhost');
    assert.equal(seen[0]![1].subject.CN, 'localhost');
    assert.equal(seen[0]![1].issuerCertificate?.subject.CN, 'Test Intermediate');
  });

  test('a custom check replaces the name check (a name the certificate lacks passes), and is not asked when the chain fails', async () => {
    const accepted = await outcomeOf(connect({ port: peer.port, host: '127.0.0.1', servername: 'db.example', ca: f.get('root').pem, checkServerIdentity: () => undefined }));
    assert.deepEqual(accepted, { secure: true, authorized: true, authorizationError: null });
    let asked = false;
    const unknownRoot = await outcomeOf(
      connect({
        port: peer.port,
        host: '127.0.0.1',
        servername: 'localhost',
        ca: f.get('otherRoot').pem,
        rejectUnauthorized: false,
        checkServerIdentity: () => {
          asked = true;
          return undefined;
        },
      }),
    );
    assert.deepEqual(unknownRoot, { secure: true, authorized: false, authorizationError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
    assert.equal(asked, false);
  });

  test("node's own tls.checkServerIdentity works on typessl's certificate object", async () => {
    const out = await outcomeOf(connect({ port: peer.port, host: '127.0.0.1', servername: 'db.example', ca: f.get('root').pem, checkServerIdentity: tls.checkServerIdentity as never }));
    assert.equal(out.secure, false);
    assert.equal(!out.secure && out.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

describe('typessl/node client against openssl s_server (leaf + intermediate under a test root)', () => {
  test('verified with the right root and name; the wrong name and an expired leaf fail with node codes', async () => {
    const chain = f.file('s_server-int.pem', f.get('int').pem);
    const good = await startOpensslServer({ cert: f.get('leaf').certPath, key: f.get('leaf').keyPath, chain, naccept: 2 });
    const expired = await startOpensslServer({ cert: f.get('expired').certPath, key: f.get('expired').keyPath, chain, naccept: 1, diag: 'none' });
    try {
      const ca = f.get('root').pem;
      assert.deepEqual(await outcomeOf(connect({ port: good.port, host: '127.0.0.1', servername: 'localhost', ca })), { secure: true, authorized: true, authorizationError: null });
      const wrongName = await outcomeOf(connect({ port: good.port, host: '127.0.0.1', servername: 'db.example', ca }));
      assert.equal(!wrongName.secure && wrongName.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
      await good.waitForLog(/bad.certificate/i);
      const old = await outcomeOf(connect({ port: expired.port, host: '127.0.0.1', servername: 'localhost', ca }));
      assert.equal(!old.secure && old.code, 'CERT_HAS_EXPIRED');
    } finally {
      await good.stop();
      await expired.stop();
    }
  });
});
