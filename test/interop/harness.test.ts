/**
 * Self-test of the interop peer harness (test/helpers/peers.ts): the real peers are paired with
 * each other (node:tls <-> openssl s_server, openssl s_client <-> node:tls, openssl <-> openssl),
 * so that when a typessl interop test fails, the harness is known not to be the cause.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { makeTestPki, type PkiChain, type TestPki } from '../helpers/pki.js';
import {
  findListeningPort,
  killAllPeers,
  livePeers,
  startNodeTlsClient,
  startNodeTlsServer,
  startOpensslClient,
  startOpensslServer,
  type NodeTlsVersion,
  type PeerExit,
  type PeerProcess,
} from '../helpers/peers.js';

const MiB = 1 << 20;

let pki: TestPki;
/** Every peer any test started, to prove at the end that none survived. */
const started: PeerProcess[] = [];

before(() => {
  pki = makeTestPki();
});

after(async () => {
  await killAllPeers();
  pki.cleanup();
});

/** RSA-2048 or ECDSA P-256 chain: root (trust anchor) -> intermediate -> leaf for localhost. */
const chainOf = (t: 'rsa' | 'ecdsa'): PkiChain => (t === 'rsa' ? pki.rsaChain : pki.ecChain);
/** s_server takes the leaf from -cert and the intermediates from -cert_chain. */
const opensslCreds = (c: PkiChain): { cert: string; key: string; chain: string } =>
  ({ cert: c.leaf.certPath, key: c.leaf.keyPath, chain: c.intermediate.certPath });
/** node:tls takes the leaf followed by its intermediates in one PEM. */
const nodeCreds = (c: PkiChain): { cert: string; key: string } => ({ cert: c.leaf.chainPath, key: c.leaf.keyPath });

/** Runs a test body and, pass or fail, stops whatever peers it left running. */
async function withCleanup(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    await killAllPeers();
  }
}

function track<T extends PeerProcess>(p: T): T {
  started.push(p);
  return p;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * Random payload whose first read by openssl begins with "Q\n": were command letters still
 * active, s_server / s_client would quit on it instead of sending it.
 */
function payload(size: number): Buffer {
  const b = randomBytes(size);
  b.write('Q\n', 0, 'latin1');
  return b;
}

/** Sends `size` random bytes each way and checks both ends by SHA-256. */
async function exchange(a: PeerProcess, b: PeerProcess, size = MiB): Promise<void> {
  const ab = payload(size);
  const ba = payload(size);
  // What each side had received before, so an exchange can follow earlier traffic.
  const baseA = a.received().length;
  const baseB = b.received().length;
  a.send(ab);
  b.send(ba);
  const [atB, atA] = await Promise.all([b.waitForReceived(baseB + size), a.waitForReceived(baseA + size)]);
  assert.equal(atB.length, baseB + size, `${b.name} received too much`);
  assert.equal(atA.length, baseA + size, `${a.name} received too much`);
  assert.equal(sha256(atB.subarray(baseB)), sha256(ab), `${a.name} -> ${b.name} data differs`);
  assert.equal(sha256(atA.subarray(baseA)), sha256(ba), `${b.name} -> ${a.name} data differs`);
}

/** `p`, or a rejection after `ms`; `what` is called only then, so it can describe the late state. */
async function within<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the peer to exit by itself and checks it exited 0 and is really gone. */
async function assertCleanExit(p: PeerProcess): Promise<void> {
  const r: PeerExit = await within(p.exited, 5000, () => `${p.name} to exit\n${p.log()}`);
  assert.deepEqual(r, { code: 0, signal: null }, `${p.name} exit\n${p.log()}`);
  assertGone(p);
}

function assertGone(p: PeerProcess): void {
  assert.ok(p.hasExited(), `${p.name} still running`);
  assert.throws(() => process.kill(p.pid, 0), (e: NodeJS.ErrnoException) => e.code === 'ESRCH', `${p.name} pid still exists`);
}

const nodeVersion = (v: '1.2' | '1.3'): NodeTlsVersion => (v === '1.3' ? 'TLSv1.3' : 'TLSv1.2');
/** openssl -msg prints e.g. "<<< TLS 1.3, Alert [length 0002], warning close_notify". */
const closeNotifyIn = /^<<< TLS 1\.[23], Alert \[length 0002\], warning close_notify$/m;
const closeNotifyOut = /^>>> TLS 1\.[23], Alert \[length 0002\], warning close_notify$/m;

for (const version of ['1.3', '1.2'] as const) {
  for (const certType of ['rsa', 'ecdsa'] as const) {
    // The RSA runs close from the client side, the ECDSA runs from the server side, so both
    // directions of close_notify are exercised with every peer.
    const closer = certType === 'rsa' ? 'client' : 'server';

    test(`node:tls client <-> openssl s_server, TLS ${version}, ${certType}: 1 MiB each way, ${closer} closes`, () =>
      withCleanup(async () => {
        const chain = chainOf(certType);
        const server = track(await startOpensslServer({ ...opensslCreds(chain), version, alpn: 'h2,http/1.1' }));
        assert.ok(server.port > 0 && server.port < 65536);
        const client = track(await startNodeTlsClient({
          port: server.port, servername: 'localhost', ca: chain.caPath, ALPNProtocols: ['h2'],
          minVersion: nodeVersion(version), maxVersion: nodeVersion(version),
        }));
        const secure = await client.waitForEvent('secure');
        assert.equal(secure.protocol, nodeVersion(version));
        assert.equal(secure.alpn, 'h2');
        assert.equal(secure.authorized, true, String(secure.authorizationError));
        assert.equal(secure.peerSubjectCN, 'localhost');
        assert.match(String(secure.peerKey), certType === 'rsa' ? /^RSA 2048$/ : /^EC prime256v1$/);
        await server.waitForLog(new RegExp(`Protocol version: TLSv${version.replace('.', '\\.')}`));

        await exchange(client, server);

        if (closer === 'client') {
          client.endInput(); // node:tls sends close_notify
          await server.waitForLog(closeNotifyIn);
          await client.waitForEvent('end'); // openssl answered with its own close_notify
        } else {
          server.endInput(); // s_server -brief sends close_notify on stdin EOF
          await client.waitForEvent('end');
          await server.waitForLog(closeNotifyOut);
        }
        await assertCleanExit(server); // -naccept 1: it exits after the connection
        await assertCleanExit(client);
        assert.match(server.log(), closeNotifyOut);
        // s_server reads the client's reply only when the client closed first: after its own
        // stdin-EOF close_notify it exits without waiting (a unidirectional shutdown).
        if (closer === 'client') assert.match(server.log(), closeNotifyIn);
        else assert.doesNotMatch(server.log(), closeNotifyIn);
        assert.equal(server.received().length, MiB, 'no bytes after the data');
        assert.equal(client.received().length, MiB, 'no bytes after the data');
        assert.deepEqual(client.events().filter((e) => e.event === 'error'), []);
      }));

    test(`openssl s_client <-> node:tls server, TLS ${version}, ${certType}: 1 MiB each way, ${closer} closes`, () =>
      withCleanup(async () => {
        const chain = chainOf(certType);
        const server = track(await startNodeTlsServer({
          ...nodeCreds(chain), ALPNProtocols: ['h2', 'http/1.1'],
          minVersion: nodeVersion(version), maxVersion: nodeVersion(version),
        }));
        assert.ok(server.port > 0 && server.port < 65536);
        const client = track(await startOpensslClient({
          port: server.port, servername: 'localhost', caFile: chain.caPath, alpn: 'h2', version,
        }));
        const secure = await server.waitForEvent('secure');
        assert.equal(secure.protocol, nodeVersion(version));
        assert.equal(secure.servername, 'localhost', 'SNI seen by the server');
        assert.equal(secure.alpn, 'h2', 'ALPN chosen by the server');
        // The -brief summary arrives line by line on stderr: wait for each line, not a snapshot.
        await client.waitForLog(/CONNECTION ESTABLISHED/);
        await client.waitForLog(new RegExp(`Protocol version: TLSv${version.replace('.', '\\.')}`));
        await client.waitForLog(/Verification: OK/);
        await client.waitForLog(certType === 'rsa' ? /Signature type: RSA/ : /Signature type: ECDSA/);

        await exchange(client, server);

        if (closer === 'client') {
          client.endInput(); // s_client -no_ign_eof: close_notify, then exit
          await client.waitForLog(closeNotifyOut);
          await server.waitForEvent('end', (e) => e.received === MiB);
        } else {
          server.endInput(); // node:tls sends close_notify
          await client.waitForLog(closeNotifyIn);
          await client.waitForLog(closeNotifyOut); // s_client answers before it exits
        }
        await assertCleanExit(client);
        await assertCleanExit(server);
        await server.waitForEvent('close');
        assert.equal(server.received().length, MiB, 'no bytes after the data');
        assert.equal(client.received().length, MiB, 'no bytes after the data');
      }));
  }
}

/** Every letter that some openssl s_server / s_client mode reads as a command at the start of a read. */
const COMMAND_LETTERS = ['Q', 'q', 'R', 'r', 'k', 'K', 'c', 'P', 'S', 'B'];

for (const version of ['1.3', '1.2'] as const) {
  test(`openssl s_client <-> openssl s_server, TLS ${version}: command letters are data`, () =>
    withCleanup(async () => {
      const server = track(await startOpensslServer({ ...opensslCreds(pki.ecChain), version }));
      const client = track(await startOpensslClient({
        port: server.port, servername: 'localhost', caFile: pki.ecChain.caPath, version,
      }));
      await client.waitForLog(/CONNECTION ESTABLISHED/);
      // One write per letter, spaced out, so each one starts a separate read() in openssl —
      // exactly where command letters are recognised.
      let sent = '';
      for (const letter of COMMAND_LETTERS) {
        const line = `${letter}\n`;
        client.send(Buffer.from(line));
        server.send(Buffer.from(line));
        sent += line;
        await new Promise((r) => setTimeout(r, 30));
      }
      const [atServer, atClient] = await Promise.all([
        server.waitForReceived(sent.length), client.waitForReceived(sent.length),
      ]);
      assert.equal(atServer.toString('latin1'), sent);
      assert.equal(atClient.toString('latin1'), sent);
      // Nothing was acted upon: no key update, no renegotiation, no early quit.
      for (const p of [server, client]) {
        assert.doesNotMatch(p.log(), /KeyUpdate|HelloRequest|KEYUPDATE|RENEGOTIATING|DONE/, p.name);
        assert.equal(p.log().match(/ClientHello/g)?.length, 1, `${p.name}: exactly one handshake`);
        assert.equal(p.hasExited(), false, `${p.name} is still connected`);
      }
      await exchange(client, server, 256 * 1024);
      client.endInput();
      await assertCleanExit(client);
      await assertCleanExit(server);
      assert.match(client.log(), /^DONE$/m); // s_client's stdin-EOF path, not a 'Q'
      assert.match(server.log(), closeNotifyIn);
    }));
}

test('control: with commands on, s_client really does act on a leading "k" / "Q"', () =>
  withCleanup(async () => {
    // Proves the hazard the harness defends against is real (so the test above can fail).
    const server = track(await startOpensslServer({ ...opensslCreds(pki.ecChain), version: '1.3' }));
    const client = track(await startOpensslClient({
      port: server.port, servername: 'localhost', caFile: pki.ecChain.caPath, version: '1.3', commands: true,
    }));
    await client.waitForLog(/CONNECTION ESTABLISHED/);
    client.send(Buffer.from('k\n'));
    await client.waitForLog(/^>>> TLS 1\.3, Handshake \[length 0005\], KeyUpdate$/m);
    await server.waitForLog(/^<<< TLS 1\.3, Handshake \[length 0005\], KeyUpdate$/m);
    await new Promise((r) => setTimeout(r, 50));
    client.send(Buffer.from('data\n'));
    await server.waitForReceived(5);
    client.send(Buffer.from('Q\n'));
    await assertCleanExit(client);
    await assertCleanExit(server);
    assert.equal(server.received().toString('latin1'), 'data\n', 'the command lines were not sent as data');
  }));

test('openssl s_server -trace shows the client SNI and ALPN; node client sees the ALPN choice', () =>
  withCleanup(async () => {
    const server = track(await startOpensslServer({
      ...opensslCreds(pki.rsaChain), alpn: 'h2,http/1.1', diag: 'trace',
    }));
    const client = track(await startNodeTlsClient({
      port: server.port, servername: 'localhost', ca: pki.rsaChain.caPath, ALPNProtocols: ['spdy/3', 'http/1.1'],
    }));
    const secure = await client.waitForEvent('secure');
    assert.equal(secure.alpn, 'http/1.1');
    assert.equal(secure.protocol, 'TLSv1.3');
    await exchange(client, server, 64 * 1024);
    client.endInput();
    await assertCleanExit(server);
    await assertCleanExit(client);
    // -trace output is block-buffered by OpenSSL: complete once the process has exited.
    const log = server.log();
    assert.match(log, /extension_type=server_name\(0\).*\n.*\blocalhost\b/);
    // The client's offer in its ClientHello, then the server's choice in EncryptedExtensions.
    assert.match(log, /ClientHello[\s\S]*extension_type=application_layer_protocol_negotiation\(16\).*\n\s+spdy\/3\n\s+http\/1\.1\n/);
    assert.match(log, /EncryptedExtensions[\s\S]*extension_type=application_layer_protocol_negotiation\(16\).*\n\s+http\/1\.1\n/);
    assert.match(log, /Inner Content Type = Alert \(21\)\n\s+Level=warning\(1\), description=close notify\(0\)/);
  }));

test('node:tls server reports SNI and a client that sends none', () =>
  withCleanup(async () => {
    const server = track(await startNodeTlsServer({ ...nodeCreds(pki.ecChain), connections: 2 }));
    const first = track(await startOpensslClient({ port: server.port, servername: 'localhost', diag: 'none' }));
    await server.waitForEvent('secure', (e) => e.conn === 0);
    first.endInput();
    await assertCleanExit(first);
    const second = track(await startOpensslClient({ port: server.port, servername: false, diag: 'none' }));
    const s2 = await server.waitForEvent('secure', (e) => e.conn === 1);
    second.endInput();
    await assertCleanExit(second);
    await assertCleanExit(server); // exits after its 2 connections
    const s1 = server.events().find((e) => e.event === 'secure' && e.conn === 0);
    assert.equal(s1?.servername, 'localhost');
    assert.equal(s2.servername, false);
    assert.equal(s2.alpn, false);
  }));

test('stop() terminates peers that are still waiting, and frees nothing twice', () =>
  withCleanup(async () => {
    const a = track(await startOpensslServer({ cert: pki.rsa.certPath, key: pki.rsa.keyPath }));
    const b = track(await startNodeTlsServer({ cert: pki.ec.certPath, key: pki.ec.keyPath }));
    assert.notEqual(a.port, b.port);
    assert.equal(findListeningPort(a.pid), a.port);
    assert.deepEqual(new Set(livePeers()), new Set([a, b]));
    await Promise.all([a.stop(), b.stop()]);
    for (const p of [a, b]) {
      assert.deepEqual(await p.exited, { code: null, signal: 'SIGTERM' });
      assertGone(p);
      await p.stop(); // idempotent
    }
    assert.deepEqual(livePeers(), []);
  }));

test('harness fails loudly: unusable certificate, and waiting on a peer that already exited', () =>
  withCleanup(async () => {
    const missing = join(pki.dir, 'no-such.pem');
    await assert.rejects(startOpensslServer({ cert: missing, key: missing }), /s_server.*exited before a listening socket/s);
    await assert.rejects(startNodeTlsServer({ cert: missing, key: missing }), /node:tls server.*exited before event listening.*ENOENT/s);
    // A client with no server: it exits at once and waiting for data says so, without a timeout.
    const server = track(await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath }));
    const port = server.port;
    await server.stop();
    const client = track(await startNodeTlsClient({ port }));
    const t0 = Date.now();
    await assert.rejects(client.waitForReceived(1, 5000), /exited before 1 received bytes/);
    assert.ok(Date.now() - t0 < 4000, 'rejected on exit, not on timeout');
    assert.ok(client.events().some((e) => e.event === 'error' && e.code === 'ECONNREFUSED'), client.log());
    assert.throws(() => client.send(Buffer.from('x')), /has exited; cannot send/);
  }));

test('every peer process started by this file is gone', async () => {
  await killAllPeers();
  assert.ok(started.length >= 20, `started ${started.length} peers`);
  assert.deepEqual(livePeers(), []);
  for (const p of started) assertGone(p);
});
