/**
 * Session resumption against OpenSSL on 127.0.0.1, both roles: TLS 1.3 (tickets, stateful
 * tickets) and TLS 1.2 (RFC 5077 tickets, session IDs). Each test makes a full connection, then a
 * second one with the session, and proves the second was resumed: both sides say so, and no
 * Certificate message crossed the wire.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllPeers, startOpensslClient, startOpensslServer, type PeerProcess } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';
import { SslContext } from '../../src/ssl/context.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import { SSL_OP_NO_TICKET } from '../../src/ssl/constants.js';
import type { Session } from '../../src/ssl/session.js';
import { HandshakeType } from '../../src/wire/enums.js';
import { certificatesSeen, resumableClient, typesslServerLoop } from './resumption-endpoints.js';

after(killAllPeers);
const pki = makeTestPki();
const enc = new TextEncoder();

/** Handshake messages named Certificate in an `openssl -msg` log, sent (>>>) or received (<<<). */
function certificateMessages(log: string, direction: '>>>' | '<<<', version: '1.2' | '1.3' = '1.3'): number {
  const re = new RegExp(`^${direction} TLS ${version.replace('.', '\\.')}, Handshake \\[length [0-9a-f]+\\], Certificate$`, 'gm');
  return (log.match(re) ?? []).length;
}

/** The bytes of the ServerHello in an `openssl -msg` log, as one hex string. */
function serverHelloHex(log: string): string {
  const lines = log.split('\n');
  const at = lines.findIndex((l) => /^<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], ServerHello$/.test(l));
  let hex = '';
  for (let i = at + 1; at >= 0 && i < lines.length && /^\s/.test(lines[i]!); i++) hex += lines[i]!.replace(/\s+/g, '');
  return hex;
}

describe('typessl client -> openssl s_server: TLS 1.3 resumption', () => {
  test('the second connection resumes with a ticket from the first (psk_dhe_ke)', async () => {
    const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.3', naccept: 2 });
    const ctx = new SslContext({ provider: nodeCrypto, trustedCertificates: pki.ec.certPem });
    const first = await resumableClient(ctx, peer.port, null);
    assert.equal(first.tls.ssl.sessionReused(), false);
    const session = await talkAndClose(first.tls, peer);
    assert.ok(session.isResumable(), 'the tickets were read during the bidirectional shutdown (S-20)');
    assert.equal(certificatesSeen(first.trace), 1);

    const second = await resumableClient(ctx, peer.port, session);
    assert.equal(second.tls.ssl.sessionReused(), true, 'typessl: resumed');
    assert.equal(certificatesSeen(second.trace), 0, 'typessl received no Certificate');
    assert.deepEqual(second.tls.ssl.getSession()!.peerCertificates, session.peerCertificates);
    await talkAndClose(second.tls, peer);
    await peer.exited;
    assert.equal(certificateMessages(peer.log(), '>>>'), 1, `openssl sent one Certificate in two connections:\n${peer.log()}`);
  });
});

async function talkAndClose(tls: Awaited<ReturnType<typeof resumableClient>>['tls'], peer: PeerProcess): Promise<Session> {
  const before = peer.received().length;
  await tls.write(enc.encode('hello\n'));
  await peer.waitForReceived(before + 6);
  await tls.shutdownBoth();
  return tls.ssl.getSession()!;
}

/**
 * One `openssl s_client` connection to the typessl server loop: data from typessl (sent after
 * any tickets, so it proves s_client read them), then a bidirectional close. Returns the
 * server's connection and openssl's log.
 */
async function opensslClientRound(server: Awaited<ReturnType<typeof typesslServerLoop>>, version: '1.2' | '1.3', extraArgs: string[]) {
  const client = await startOpensslClient({ port: server.port, servername: 'localhost', version, caFile: pki.ec.certPath, extraArgs });
  const conn = await server.next();
  await conn.tls.write(enc.encode('from typessl\n'));
  await client.waitForReceived(13);
  client.endInput();
  await conn.tls.shutdownBoth();
  await client.exited;
  return { conn, log: client.log() };
}

describe('openssl s_client -> typessl server: TLS 1.3 resumption (-sess_out / -sess_in)', () => {
  for (const [mode, options] of [['stateless tickets', 0], ['stateful tickets (SSL_OP_NO_TICKET)', SSL_OP_NO_TICKET]] as const) {
    test(`${mode}: s_client resumes; both sides agree; no Certificate sent`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'typessl-sess-'));
      const sessFile = join(dir, 'sess.pem');
      const server = await typesslServerLoop({ certificate: pki.ec.certPem, privateKey: pki.ec.keyPem, options });
      try {
        for (const round of [1, 2]) {
          const extraArgs = round === 1 ? ['-sess_out', sessFile] : ['-sess_in', sessFile];
          const { conn, log } = await opensslClientRound(server, '1.3', extraArgs);
          if (round === 1) {
            assert.equal(conn.tls.ssl.sessionReused(), false);
            assert.ok(statSync(sessFile).size > 0, 'openssl saved the session');
            assert.equal(certificateMessages(log, '<<<'), 1);
          } else {
            assert.equal(conn.tls.ssl.sessionReused(), true, 'typessl: resumed');
            // s_client -brief prints no "Reused" line; its message dump shows the same: the
            // ServerHello selects PSK identity 0 (00 29 00 02 00 00) and, with no Certificate,
            // openssl completed the handshake, which it only does on the PSK it offered.
            assert.match(log, /CONNECTION ESTABLISHED/);
            assert.ok(serverHelloHex(log).includes('002900020000'), `openssl saw pre_shared_key in the ServerHello:\n${log}`);
            assert.equal(certificateMessages(log, '<<<'), 0, `no Certificate reached openssl:\n${log}`);
          }
        }
      } finally {
        server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('typessl client -> openssl s_server: TLS 1.2 resumption', () => {
  // Tickets with a client that also offers TLS 1.3 (the session rides in a ClientHello for both
  // versions); session IDs (-no_ticket) with a client limited to TLS 1.2.
  for (const [mode, serverArgs, clientMax] of [
    ['RFC 5077 ticket', [], undefined],
    ['session ID (s_server -no_ticket)', ['-no_ticket'], 'TLSv1.2'],
  ] as const) {
    test(`${mode}: the second connection resumes; both sides agree; openssl sent one Certificate`, async () => {
      const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath, version: '1.2', naccept: 2, extraArgs: [...serverArgs] });
      const ctx = new SslContext({ provider: nodeCrypto, trustedCertificates: pki.ec.certPem, ...(clientMax && { maxVersion: clientMax }) });
      const first = await resumableClient(ctx, peer.port, null);
      assert.equal(first.tls.ssl.getVersion(), 'TLSv1.2');
      assert.equal(first.tls.ssl.sessionReused(), false);
      const session = await talkAndClose(first.tls, peer);
      assert.ok(session.isResumable());
      assert.equal(session.ticket12 !== null, serverArgs.length === 0, 'a ticket exactly when s_server issues them');
      assert.equal(certificatesSeen(first.trace), 1);

      const second = await resumableClient(ctx, peer.port, session);
      assert.equal(second.tls.ssl.sessionReused(), true, 'typessl: resumed');
      assert.equal(certificatesSeen(second.trace), 0, 'typessl received no Certificate');
      assert.deepEqual(second.tls.ssl.getPeerCertificates(), session.peerCertificates);
      await talkAndClose(second.tls, peer);
      await peer.exited;
      // openssl completed two handshakes but sent its Certificate once: the second was abbreviated.
      assert.equal(certificateMessages(peer.log(), '>>>', '1.2'), 1, `openssl sent one Certificate in two connections:\n${peer.log()}`);
    });
  }
});

/**
 * `openssl s_client` without -brief, for the line it prints only then ("Reused, TLSv1.2, Cipher
 * is ..." or "New, ..."), with its -msg dump on stdout too. Its stdin is closed at once, so it
 * closes the connection right after the handshake. Killed if it runs for more than 20 s.
 */
async function opensslClientSummary(args: string[]): Promise<string> {
  const child = spawn('openssl', ['s_client', ...args, '-msg'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end();
  const timer = setTimeout(() => child.kill(), 20_000);
  try {
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
  return out;
}

describe('openssl s_client -> typessl server: TLS 1.2 resumption (-sess_out / -sess_in)', () => {
  for (const [mode, clientArgs] of [['RFC 5077 ticket', []], ['session ID (s_client -no_ticket)', ['-no_ticket']]] as const) {
    test(`${mode}: s_client prints "Reused, TLSv1.2"; typessl agrees; no Certificate sent`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'typessl-sess12-'));
      const sessFile = join(dir, 'sess.pem');
      const server = await typesslServerLoop({ certificate: pki.ec.certPem, privateKey: pki.ec.keyPem });
      try {
        const { conn, log } = await opensslClientRound(server, '1.2', ['-sess_out', sessFile, ...clientArgs]);
        assert.equal(conn.tls.ssl.sessionReused(), false);
        assert.equal(conn.tls.ssl.getVersion(), 'TLSv1.2');
        assert.equal(certificateMessages(log, '<<<', '1.2'), 1);
        assert.ok(statSync(sessFile).size > 0, 'openssl saved the session');

        const summary = opensslClientSummary(['-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-tls1_2', '-CAfile', pki.ec.certPath, '-sess_in', sessFile, ...clientArgs]);
        const again = await server.next();
        const sentCertificates = again.trace.filter((e) => e.direction === 'sent' && e.content === 'handshake' && e.code === HandshakeType.certificate).length;
        assert.equal(again.tls.ssl.sessionReused(), true, 'typessl: resumed');
        assert.equal(sentCertificates, 0, 'typessl sent no Certificate');
        await again.tls.shutdownBoth();
        const out = await summary;
        assert.match(out, /^Reused, TLSv1\.2, Cipher is /m, out);
        assert.equal(certificateMessages(out, '<<<', '1.2'), 0, `no Certificate reached openssl:\n${out}`);
        if (clientArgs.length === 0) assert.match(out, /^<<< TLS 1\.2, Handshake \[length [0-9a-f]+\], ServerHello$/m);
      } finally {
        server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
