/**
 * Session resumption through typessl/node with node:tls's surface (issue 7): the 'session' event
 * and `getSession()` hand out Buffers, the `session` option takes them back, and the second
 * connection is resumed on both sides (`isSessionReused()`), against a typessl server
 * (createServer), a node:tls server (child process), and for a node:tls client (child process,
 * its own `session` option) against a typessl server. TLS 1.3 and TLS 1.2 (where 'session' comes
 * with the handshake, as in node:tls), on 127.0.0.1.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from '../../src/node/index.js';
import { collect } from '../helpers/collect.js';
import { killAllPeers, startNodeTlsClient, startNodeTlsServer } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';

const pki = makeTestPki();
after(killAllPeers);

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** A typessl client: handshake, read what the server says, close both ways; returns the first 'session' Buffer. */
type Version = 'TLSv1.2' | 'TLSv1.3';

async function typesslClient(port: number, session?: Buffer, version: Version = 'TLSv1.3'): Promise<{ socket: TLSSocket; session: Buffer | null; text: string }> {
  const socket = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ec.certPem, maxVersion: version, ...(session && { session }) });
  let first: Buffer | null = null;
  socket.on('session', (s: Buffer) => (first ??= s));
  await once(socket, 'secureConnect');
  const text = (await collect(socket)).toString();
  return { socket, session: first, text };
}

describe('typessl/node client and server: resumption with session Buffers', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const)
  test(`${version}: the 'session' event's Buffer resumes; both sides say isSessionReused(); getSession() bytes resume too`, async () => {
    const accepted: TLSSocket[] = [];
    const server = createServer({ cert: pki.ec.certPem, key: pki.ec.keyPem }, (s) => {
      accepted.push(s);
      s.end(`hello ${accepted.length}`);
    });
    const port = await listen(server);
    try {
      const first = await typesslClient(port, undefined, version);
      assert.equal(first.text, 'hello 1');
      assert.equal(first.socket.getProtocol(), version);
      assert.ok(Buffer.isBuffer(first.session), "a 'session' event with a Buffer");
      assert.equal(first.socket.isSessionReused(), false);
      assert.equal(accepted[0]!.isSessionReused(), false);
      const kept = first.socket.getSession()!;
      assert.ok(Buffer.isBuffer(kept));

      const second = await typesslClient(port, first.session!, version);
      assert.equal(second.text, 'hello 2');
      assert.equal(second.socket.isSessionReused(), true, 'client');
      assert.equal(accepted[1]!.isSessionReused(), true, 'server');
      assert.equal(second.socket.authorized, true, 'a resumed session keeps the verified server');
      const pc = second.socket.getPeerCertificate();
      assert.equal('subject' in pc && pc.subject.CN, 'localhost');

      const third = await typesslClient(port, kept, version);
      assert.equal(third.socket.isSessionReused(), true, 'getSession() bytes resume as well');
      assert.equal(accepted[2]!.isSessionReused(), true);
    } finally {
      server.close();
    }
  });

  test('a session the server does not know (another server) gives a full handshake, not an error', async () => {
    const make = () => createServer({ cert: pki.ec.certPem, key: pki.ec.keyPem }, (s) => s.end('hi'));
    const a = make();
    const b = make();
    const [pa, pb] = [await listen(a), await listen(b)];
    try {
      const first = await typesslClient(pa);
      const other = await typesslClient(pb, first.session!);
      assert.equal(other.text, 'hi');
      assert.equal(other.socket.isSessionReused(), false);
    } finally {
      a.close();
      b.close();
    }
  });

  test('a resumed connection is judged again: a session from an unverified connection does not make a strict client authorized', async () => {
    const server = createServer({ cert: pki.ec.certPem, key: pki.ec.keyPem }, (s) => {
      s.on('error', () => undefined); // the refusing clients below leave without close_notify
      s.end('hi');
    });
    const port = await listen(server);
    try {
      // rejectUnauthorized false and no `ca`: the self-signed certificate is not trusted.
      const lax = connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });
      const [session] = (await once(lax, 'session')) as [Buffer];
      assert.equal(lax.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      await collect(lax);

      const laxAgain = connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false, session });
      await once(laxAgain, 'secureConnect');
      assert.equal(laxAgain.isSessionReused(), true);
      assert.equal(laxAgain.authorized, false);
      assert.equal(laxAgain.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      await collect(laxAgain);

      const strict = connect({ port, host: '127.0.0.1', servername: 'localhost', session });
      const [e] = (await once(strict, 'error')) as [Error & { code?: string }];
      assert.equal(e.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      assert.equal(strict.isSessionReused(), true, 'the refusal came from judging the resumed session');

      const otherName = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ec.certPem, checkServerIdentity: () => new Error('not this one'), session });
      const [e2] = (await once(otherName, 'error')) as [Error];
      assert.equal(e2.message, 'not this one', 'checkServerIdentity is asked on resumption too');

      const trusting = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ec.certPem, session });
      await once(trusting, 'secureConnect');
      assert.equal(trusting.isSessionReused(), true);
      assert.equal(trusting.authorized, true);
      await collect(trusting);
    } finally {
      server.close();
    }
  });

  test('a server with requestCert judges a resumed client certificate again: the same verdict as the first connection', async () => {
    const accepted: TLSSocket[] = [];
    // The client presents a chain under a root the server does not trust (it trusts only pki.ec).
    const server = createServer({ cert: pki.ec.certPem, key: pki.ec.keyPem, requestCert: true, rejectUnauthorized: false, ca: pki.ec.certPem }, (s) => {
      accepted.push(s);
      s.end('hi');
    });
    const port = await listen(server);
    try {
      const creds = { port, host: '127.0.0.1', servername: 'localhost', ca: pki.ec.certPem, cert: pki.ecChain.leaf.chainPem, key: pki.ecChain.leaf.keyPem };
      const first = connect(creds);
      const [session] = (await once(first, 'session')) as [Buffer];
      await collect(first);
      const second = connect({ ...creds, session });
      await once(second, 'secureConnect');
      await collect(second);
      assert.equal(second.isSessionReused(), true);
      assert.equal(accepted[1]!.isSessionReused(), true);
      assert.equal(accepted[0]!.authorizationError, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
      assert.equal(accepted[1]!.authorizationError, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
      assert.equal(accepted[1]!.authorized, false);
      const pc = accepted[1]!.getPeerCertificate();
      assert.ok('raw' in pc && pc.raw.equals(Buffer.from(pki.ecChain.leaf.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')), 'the session kept the client certificate');
    } finally {
      server.close();
    }
  });

  test('session bytes that are not a session are refused at connect()', () => {
    assert.throws(() => connect({ port: 1, host: '127.0.0.1', servername: 'localhost', session: Buffer.from('not a session') }), /session/i);
  });
});

describe('typessl/node client -> node:tls server: resumption', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const)
  test(`${version}: the second connection offers the first one's 'session' Buffer; node resumes it too`, async () => {
    const peer = await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, minVersion: version, maxVersion: version, connections: 2 });
    try {
      let session: Buffer | undefined;
      for (const conn of [0, 1]) {
        const socket = connect({ port: peer.port, host: '127.0.0.1', servername: 'localhost', ca: pki.ec.certPem, ...(session && { session }) });
        const ticket = conn === 0 ? (once(socket, 'session') as Promise<[Buffer]>) : null;
        await once(socket, 'secureConnect');
        const secure = await peer.waitForEvent('secure', (e) => e.conn === conn);
        assert.equal(socket.getProtocol(), version);
        assert.equal(socket.isSessionReused(), conn === 1, 'typessl');
        assert.equal(secure.sessionReused, conn === 1, 'node:tls');
        if (ticket) [session] = await ticket;
        socket.write('bye\n');
        await peer.waitForReceived(conn === 0 ? 4 : 8);
        socket.on('error', () => undefined);
        socket.destroy();
      }
      await peer.exited;
    } finally {
      await peer.stop();
    }
  });
});

describe('node:tls client -> typessl/node server: resumption', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const)
  test(`${version}: node's 'session' event and \`session\` option resume on createServer(); both sides agree`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'typessl-node-sess-'));
    const sessFile = join(dir, 'session.der');
    const accepted: TLSSocket[] = [];
    const server = createServer({ cert: pki.ec.certPem, key: pki.ec.keyPem }, (s) => {
      accepted.push(s);
      s.end('from typessl\n');
    });
    const port = await listen(server);
    try {
      for (const round of [1, 2]) {
        const client = await startNodeTlsClient({ port, servername: 'localhost', ca: pki.ec.certPath, maxVersion: version, ...(round === 1 ? { sessionOut: sessFile } : { sessionIn: sessFile }) });
        const secure = await client.waitForEvent('secure');
        if (round === 1) await client.waitForEvent('session');
        await client.waitForReceived(13);
        client.endInput();
        await client.exited;
        assert.equal(secure.protocol, version);
        assert.equal(secure.sessionReused, round === 2, 'node:tls');
        assert.equal(accepted[round - 1]!.isSessionReused(), round === 2, 'typessl');
      }
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
