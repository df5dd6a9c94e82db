/**
 * typessl/node's `ciphers` and `ecdhCurve` options against node:tls (in this process) over TCP on
 * 127.0.0.1, both roles: node:tls's split of `ciphers` (TLS_ names are TLS 1.3 suites, the rest an
 * OpenSSL cipher string for TLS 1.2), its version rule (no TLS 1.2 part: TLS 1.3 only), its
 * argument errors, and the group `ecdhCurve` selects.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { connect, createServer, type ConnectOptions, type ServerOptions, type TLSSocket } from '../../src/node/index.js';
import { splitCiphers } from '../../src/node/options.js';
import { testCertificate } from '../helpers/memory-pair.js';

const cert = testCertificate(); // ECDSA P-256, CN and SAN localhost
const serverTls = { cert: cert.certificatePem, key: cert.privateKeyPem };

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

interface Secure {
  ok: true;
  protocol: string | null;
  cipher: string | undefined;
}
interface Failed {
  ok: false;
  error: Error & { code?: string };
}

/** How a client's handshake ends; the socket is destroyed afterwards. */
async function clientOutcome(socket: TLSSocket | tls.TLSSocket): Promise<Secure | Failed> {
  const out = await new Promise<Secure | Failed>((resolve) => {
    socket.once('secureConnect', () => resolve({ ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher()?.name }));
    socket.once('error', (error: Error) => resolve({ ok: false, error }));
  });
  socket.destroy();
  return out;
}

/**
 * Starts `server` on 127.0.0.1 for one test; `close()` destroys every connection it took (the
 * TLS sockets, then the TCP ones under them and those that never got that far) and closes it.
 * Errors of its sockets are expected: clients go away abruptly.
 */
async function serve<S extends net.Server>(server: S): Promise<{ port: number; server: S; close(): void }> {
  const secure: Array<net.Socket | TLSSocket> = [];
  const raw: net.Socket[] = [];
  server.on('connection', (s: net.Socket) => raw.push(s));
  server.on('secureConnection', (s: net.Socket | TLSSocket) => {
    s.on('error', () => {});
    secure.push(s);
  });
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  return {
    port,
    server,
    close() {
      // TLS sockets first. With the TCP sockets first node 20.20 crashes (SIGSEGV) in node:tls's
      // own server: a node:tls client and server alone do it too, when the server's TCP socket and
      // then its TLSSocket are destroyed right after 'secureConnection'.
      for (const s of [...secure, ...raw]) s.destroy();
      server.close();
    },
  };
}

const nodeServer = (options: tls.TlsOptions) => serve(tls.createServer({ ...serverTls, ...options }));
const typesslServer = (options: Partial<ServerOptions>) => serve(createServer({ ...serverTls, ...options }));

/** A typessl client of a server on 127.0.0.1 that trusts the test certificate. */
const client = (port: number, options: ConnectOptions = {}): TLSSocket => connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert.certificatePem, ...options });

/** A node:tls client of a server on 127.0.0.1 that trusts the test certificate. */
const nodeClient = (port: number, options: tls.ConnectionOptions = {}): tls.TLSSocket => tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert.certificatePem, ...options });

describe('ciphers: node:tls split', () => {
  test('TLS_ entries are the TLS 1.3 part, the rest the TLS 1.2 cipher string; empty entries go', () => {
    assert.deepEqual(splitCiphers('TLS_AES_128_GCM_SHA256::HIGH:!aNULL:TLS_CHACHA20_POLY1305_SHA256'), { tls13: 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256', tls12: 'HIGH:!aNULL' });
    assert.deepEqual(splitCiphers('ECDHE+AESGCM'), { tls13: '', tls12: 'ECDHE+AESGCM' });
    const { tls13, tls12 } = splitCiphers(tls.DEFAULT_CIPHERS);
    assert.equal(tls13, 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256');
    assert.ok(tls12.startsWith('ECDHE-RSA-AES128-GCM-SHA256:') && tls12.endsWith(':!CAMELLIA'));
  });
  test("':::' is ERR_INVALID_ARG_VALUE, a number ERR_INVALID_ARG_TYPE (as node:tls); a typo names itself", () => {
    for (const make of [(o: ConnectOptions) => tls.createSecureContext(o as tls.SecureContextOptions), (o: ConnectOptions) => createServer({ ...serverTls, ...o })]) {
      assert.throws(() => make({ ciphers: ':::' }), (e: TypeError & { code?: string }) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE');
      assert.throws(() => make({ ciphers: 5 as never }), (e: TypeError & { code?: string }) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE');
    }
    assert.throws(() => createServer({ ...serverTls, ciphers: 'TLS_AES_128_GCM_SHA256:HIHG' }), /unknown cipher suite or keyword "HIHG"/);
    assert.throws(() => createServer({ ...serverTls, ciphers: 'kRSA' }), /no cipher suite typessl implements matches "kRSA"/);
    assert.throws(() => createServer({ ...serverTls, ciphers: 'TLS_AES_512_GCM_SHA512' }), /unknown cipher suite "TLS_AES_512_GCM_SHA512"/);
  });
  test('connect() throws those errors at once and leaves no TCP connection behind', async () => {
    const raw: net.Socket[] = [];
    const listener = net.createServer((s) => raw.push(s));
    const port = await listen(listener);
    try {
      assert.throws(() => client(port, { ciphers: ':::' }), (e: Error & { code?: string }) => e.code === 'ERR_INVALID_ARG_VALUE');
      assert.throws(() => client(port, { ciphers: 'HIHG' }), /"HIHG"/);
      assert.throws(() => client(port, { ecdhCurve: 'P-521' }), /names no key exchange group typessl implements/);
      await new Promise((r) => setTimeout(r, 200));
      // Either the connection was never made or it was closed at once.
      await Promise.all(raw.map((s) => (s.closed ? undefined : once(s, 'close'))));
    } finally {
      for (const s of raw) s.destroy();
      listener.close();
    }
  });
});

describe('ciphers: a typessl/node client against a node:tls server', () => {
  /** A typessl client with `options` against a default node:tls server: what both ends negotiated. */
  async function negotiated(options: ConnectOptions): Promise<{ client: [string | null, string | undefined]; server: [string | null, string] }> {
    const srv = await nodeServer({});
    try {
      const accepted = once(srv.server, 'secureConnection') as Promise<[tls.TLSSocket]>;
      const c = client(srv.port, options);
      const [[s]] = await Promise.all([accepted, once(c, 'secureConnect')]);
      c.destroy();
      return { client: [c.getProtocol(), c.getCipher()?.name], server: [s.getProtocol(), s.getCipher().name] };
    } finally {
      srv.close();
    }
  }
  test("'TLS_CHACHA20_POLY1305_SHA256' negotiates exactly that TLS 1.3 suite", async () => {
    const both: [string, string] = ['TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256'];
    assert.deepEqual(await negotiated({ ciphers: 'TLS_CHACHA20_POLY1305_SHA256' }), { client: both, server: both });
  });
  test("'ECDHE-ECDSA-AES256-GCM-SHA384' with maxVersion TLSv1.2 negotiates that TLS 1.2 suite", async () => {
    const both: [string, string] = ['TLSv1.2', 'ECDHE-ECDSA-AES256-GCM-SHA384'];
    assert.deepEqual(await negotiated({ ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384', maxVersion: 'TLSv1.2' }), { client: both, server: both });
  });
  test("node's tls.DEFAULT_CIPHERS: its TLS 1.3 order (AES-256 first) is the one offered", async () => {
    const srv = await nodeServer({});
    try {
      assert.deepEqual(await clientOutcome(client(srv.port, { ciphers: tls.DEFAULT_CIPHERS })), { ok: true, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
      // The TLS 1.2 part: node's first suite that fits an ECDSA certificate.
      assert.deepEqual(await clientOutcome(client(srv.port, { ciphers: tls.DEFAULT_CIPHERS, maxVersion: 'TLSv1.2' })), { ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    } finally {
      srv.close();
    }
  });
  test('TLS_ names only: no TLS 1.2 suite, so minVersion becomes TLS 1.3 and a TLS 1.2-only server is refused', async () => {
    const srv = await nodeServer({ maxVersion: 'TLSv1.2' });
    try {
      const refused = await clientOutcome(client(srv.port, { ciphers: 'TLS_AES_128_GCM_SHA256' }));
      assert.equal(refused.ok, false);
      assert.match(!refused.ok ? refused.error.message : '', /protocol.version/i);
      // With a TLS 1.2 part as well, the same server is reached over TLS 1.2.
      const reached = await clientOutcome(client(srv.port, { ciphers: 'TLS_AES_128_GCM_SHA256:ECDHE+CHACHA20' }));
      assert.deepEqual(reached, { ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-CHACHA20-POLY1305' });
    } finally {
      srv.close();
    }
  });
});

describe('ciphers: a typessl/node server with a node:tls client', () => {
  test("'TLS_CHACHA20_POLY1305_SHA256' negotiates exactly that TLS 1.3 suite", async () => {
    const srv = await typesslServer({ ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
    try {
      assert.deepEqual(await clientOutcome(nodeClient(srv.port)), { ok: true, protocol: 'TLSv1.3', cipher: 'TLS_CHACHA20_POLY1305_SHA256' });
    } finally {
      srv.close();
    }
  });
  test("'ECDHE-ECDSA-AES256-GCM-SHA384' with maxVersion TLSv1.2 negotiates that TLS 1.2 suite", async () => {
    const srv = await typesslServer({ ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384', maxVersion: 'TLSv1.2' });
    try {
      assert.deepEqual(await clientOutcome(nodeClient(srv.port)), { ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
    } finally {
      srv.close();
    }
  });
  test('TLS_ names only: a TLS 1.2-only client is refused (tlsClientError on the server)', async () => {
    const srv = await typesslServer({ ciphers: 'TLS_AES_256_GCM_SHA384' });
    const serverError = once(srv.server, 'tlsClientError') as Promise<[Error]>;
    try {
      const out = await clientOutcome(nodeClient(srv.port, { maxVersion: 'TLSv1.2' }));
      assert.equal(out.ok, false);
      assert.match(!out.ok ? String(out.error.code) : '', /PROTOCOL_VERSION/);
      const [error] = await serverError;
      assert.match(error.message, /the client offers at most TLS 1\.2; typessl speaks TLS 1\.3 only/);
      assert.deepEqual(await clientOutcome(nodeClient(srv.port)), { ok: true, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
    } finally {
      srv.close();
    }
  });
});

describe('ecdhCurve', () => {
  test('a typessl client: secp384r1 (TLS 1.3) and P-256 (TLS 1.2) are the groups used; a group typessl lacks is skipped', async () => {
    const srv = await nodeServer({});
    try {
      for (const [ecdhCurve, maxVersion, group] of [
        ['secp384r1', 'TLSv1.3', 'secp384r1'],
        ['P-256', 'TLSv1.2', 'secp256r1'],
        ['P-521:X25519', 'TLSv1.3', 'x25519'],
      ] as const) {
        const socket = client(srv.port, { ecdhCurve, maxVersion });
        await once(socket, 'secureConnect');
        assert.equal(socket.ssl.getGroupName(), group, ecdhCurve);
        socket.destroy();
      }
    } finally {
      srv.close();
    }
  });
  test('a typessl server: the node:tls client reports the group it was made to use', async () => {
    for (const [ecdhCurve, maxVersion, name] of [
      ['prime256v1', 'TLSv1.3', 'prime256v1'],
      ['X448:secp384r1', 'TLSv1.2', 'secp384r1'],
      ['auto', 'TLSv1.3', 'X25519'],
    ] as const) {
      const srv = await typesslServer({ ecdhCurve });
      try {
        const c = nodeClient(srv.port, { maxVersion });
        await once(c, 'secureConnect');
        assert.equal(c.getEphemeralKeyInfo() && (c.getEphemeralKeyInfo() as { name?: string }).name, name, ecdhCurve);
        c.destroy();
      } finally {
        srv.close();
      }
    }
  });
  test('unknown names and lists with no group typessl implements are errors; a number is ERR_INVALID_ARG_TYPE', () => {
    assert.throws(() => createServer({ ...serverTls, ecdhCurve: 'X25519:nope' }), /unknown group "nope"/);
    assert.throws(() => createServer({ ...serverTls, ecdhCurve: 'P-521:ffdhe2048' }), /names no key exchange group typessl implements/);
    assert.throws(() => createServer({ ...serverTls, ecdhCurve: '' }), /names no key exchange group/);
    assert.throws(() => createServer({ ...serverTls, ecdhCurve: 1 as never }), (e: Error & { code?: string }) => e.code === 'ERR_INVALID_ARG_TYPE');
  });
});
