/**
 * `typessl s_client` and `typessl s_server` run as commands (child processes) against
 * `openssl s_server` / `openssl s_client` and each other on 127.0.0.1: data both ways, the
 * close_notify exchange, the summary of how each connection ended, KeyUpdate commands, the key
 * log file, and usage errors.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllPeers, startOpensslClient, startOpensslServer } from '../helpers/peers.js';
import { makeTestPki } from '../helpers/pki.js';
import { killCommands, typessl, typesslServer } from './cli-commands.js';

const pki = makeTestPki();
const scratch = mkdtempSync(join(tmpdir(), 'typessl-cli-'));

after(async () => {
  killCommands();
  await killAllPeers();
  rmSync(scratch, { recursive: true, force: true });
});

for (const v of ['1.3', '1.2'] as const) {
  test(`TLS ${v}: typessl s_server -rev <- openssl s_client: lines come back reversed, the client closes first, the server answers`, async () => {
    const { server, port } = await typesslServer([`-tls1_${v === '1.2' ? 2 : 3}`, '-rev', '-naccept', '1', '-cert', pki.ec.certPath, '-key', pki.ec.keyPath]);
    const peer = await startOpensslClient({ version: v, port, caFile: pki.ec.certPath, servername: 'localhost' });
    peer.send(Buffer.from('hello\nworld\n'));
    assert.equal((await peer.waitForReceived(12)).toString(), 'olleh\ndlrow\n');
    peer.endInput();
    assert.equal(await server.exited, 0);
    const err = server.stderr();
    assert.match(err, new RegExp(`Protocol: TLSv${v.replace('.', '\\.')}`));
    assert.match(err, /ended:\s+bidirectional close \(the peer closed first\)/);
    assert.match(err, /flags:\s+SENT_SHUTDOWN\|RECEIVED_SHUTDOWN/);
    assert.match(err, /bytes:\s+12 sent, 12 received/);
    await peer.exited;
    // openssl s_client sent close_notify at stdin EOF (and exits without waiting for the answer).
    assert.match(peer.log(), new RegExp(`>>> TLS ${v.replace('.', '\\.')}, Alert \\[length 0002\\], warning close_notify`));
  });

  test(`TLS ${v}: typessl s_client -> openssl s_server: verified against -CAfile, data both ways, stdin EOF sends close_notify first`, async () => {
    const peer = await startOpensslServer({ version: v, cert: pki.ecChain.leaf.certPath, key: pki.ecChain.leaf.keyPath, chain: pki.ecChain.intermediate.certPath });
    const client = typessl(['s_client', `-tls1_${v === '1.2' ? 2 : 3}`, '-connect', `127.0.0.1:${peer.port}`, '-servername', 'localhost', '-CAfile', pki.ecChain.leaf.certPath, '-verify_return_error', '-msg']);
    await client.waitForStderr(/Verification: OK/);
    client.child.stdin.write('from typessl\n');
    assert.equal((await peer.waitForReceived(13)).toString(), 'from typessl\n');
    peer.send(Buffer.from('from openssl\n'));
    await client.waitForStdout('from openssl\n');
    client.child.stdin.end();
    assert.equal(await client.exited, 0);
    const err = client.stderr();
    assert.match(err, />>> Handshake client_hello/);
    assert.match(err, v === '1.3' ? /<<< Handshake certificate_verify/ : /<<< Handshake server_key_exchange/);
    assert.match(err, />>> ALERT close_notify \(warning\).*SENT/);
    assert.match(err, /<<< ALERT close_notify \(warning\).*RECEIVED/);
    assert.match(err, /ended:\s+bidirectional close \(we closed first\)/);
    assert.match(err, /bytes:\s+13 sent, 13 received/);
    await peer.exited;
    assert.match(peer.log(), /close_notify/);
  });
}

test('typessl s_client with a -CAfile that does not match: the handshake fails with a reason and exit 1', async () => {
  const peer = await startOpensslServer({ cert: pki.ec.certPath, key: pki.ec.keyPath });
  const client = typessl(['s_client', '-connect', `127.0.0.1:${peer.port}`, '-CAfile', pki.rsa.certPath]);
  client.child.stdin.end();
  assert.equal(await client.exited, 1);
  assert.match(client.stderr(), /handshake failed: .*CERTIFICATE_VERIFY_FAILED/);
  assert.match(client.stderr(), /ended:\s+fatal alert \w+ sent/);
  await peer.stop();
});

test('typessl s_client -> typessl s_server -www: the page describes the connection; both summaries agree', async () => {
  const { server, port } = await typesslServer(['-www', '-naccept', '1', '-alpn', 'http/1.1']);
  const client = typessl(['s_client', '-connect', `127.0.0.1:${port}`, '-alpn', 'http/1.1', '-ign_eof']);
  client.child.stdin.end('GET / HTTP/1.0\r\n\r\n');
  assert.equal(await client.exited, 0);
  assert.match(client.stdout(), /^HTTP\/1\.0 200 OK\r\n/);
  assert.match(client.stdout(), /Protocol: TLSv1\.3/);
  assert.match(client.stdout(), /ALPN: http\/1\.1/);
  assert.match(client.stdout(), /Client certificate: none/);
  assert.match(client.stderr(), /ended:\s+bidirectional close \(the peer closed first\)/);
  assert.equal(await server.exited, 0);
  assert.match(server.stderr(), /ended:\s+bidirectional close \(we closed first\)/);
});

test('typessl s_client commands: "k" and "K" send KeyUpdates, data still flows, "Q" closes', async () => {
  const { server, port } = await typesslServer(['-echo', '-naccept', '1', '-msg']);
  const client = typessl(['s_client', '-connect', `127.0.0.1:${port}`, '-msg']);
  await client.waitForStderr(/Verification: NOT DONE/);
  client.child.stdin.write('one\n');
  await client.waitForStdout('one\n');
  client.child.stdin.write('k\n');
  client.child.stdin.write('two\n');
  await client.waitForStdout('two\n');
  client.child.stdin.write('K\n');
  client.child.stdin.write('three\n');
  await client.waitForStdout('three\n');
  client.child.stdin.write('Q\n');
  assert.equal(await client.exited, 0);
  const err = client.stderr();
  assert.equal(err.match(/>>> Handshake key_update/g)?.length, 2);
  // Only "K" asks the server to update its keys too.
  assert.equal(err.match(/<<< Handshake key_update/g)?.length, 1);
  assert.match(err, /ended:\s+bidirectional close \(we closed first\)/);
  assert.equal(await server.exited, 0);
  assert.equal(server.stderr().match(/<<< Handshake key_update/g)?.length, 2);
});

test('-keylogfile and SSLKEYLOGFILE write the same NSS key log lines on both ends', async () => {
  const serverLog = join(scratch, 'server.keys');
  const clientLog = join(scratch, 'client.keys');
  const { server, port } = await typesslServer(['-echo', '-naccept', '1', '-keylogfile', serverLog]);
  const client = typessl(['s_client', '-connect', `127.0.0.1:${port}`], { ...process.env, SSLKEYLOGFILE: clientLog });
  client.child.stdin.end('ping\n');
  assert.equal(await client.exited, 0);
  assert.equal(await server.exited, 0);
  const lines = (path: string): string[] => readFileSync(path, 'utf8').trim().split('\n').sort();
  const c = lines(clientLog);
  assert.deepEqual(c, lines(serverLog));
  const labels = c.map((l) => l.split(' ')[0]);
  for (const label of ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET']) {
    assert.ok(labels.includes(label), `${label} missing`);
  }
  for (const line of c) assert.match(line, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}$/);
});

test('tshark decrypts a captured typessl connection with the key log: the HTTP request is visible', async () => {
  // tshark comes from Debian's package (.ci/run installs it when missing). Capturing on the
  // loopback interface needs root, which the project's machines and CI are.
  const keys = join(scratch, 'tshark.keys');
  const capture = join(scratch, 'capture.pcapng');
  const { server, port } = await typesslServer(['-www', '-naccept', '1', '-alpn', 'http/1.1']);
  // tshark writes captured packets in batches: "Capturing on" comes before the filter is live, and
  // a stop can drop what is still in the kernel's buffer. So the capture is bracketed by UDP
  // probes to a marker port (also in the filter): sent until tshark shows one (-l -P prints each
  // packet at once), before the connection and again after it.
  const probes = createSocket('udp4');
  probes.bind(0, '127.0.0.1');
  await once(probes, 'listening');
  const marker = probes.address().port;
  const tshark = spawn('tshark', ['-i', 'lo', '-l', '-P', '-f', `tcp port ${port} or udp port ${marker}`, '-w', capture], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tsharkOut = '';
  let tsharkErr = '';
  tshark.stdout.on('data', (d: Buffer) => (tsharkOut += d.toString()));
  tshark.stderr.on('data', (d: Buffer) => (tsharkErr += d.toString()));
  const tsharkDone = new Promise((resolve) => tshark.once('close', resolve));
  const probesSeen = (): number => tsharkOut.split('\n').filter((l) => / UDP /.test(l)).length;
  const sync = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const before = probesSeen();
      const probe = setInterval(() => {
        if (probesSeen() > before) {
          clearInterval(probe);
          resolve();
        } else if (tshark.exitCode !== null) {
          clearInterval(probe);
          reject(new Error(`tshark exited: ${tsharkErr}`));
        } else {
          probes.send('probe', marker, '127.0.0.1');
        }
      }, 50);
    });
  try {
    await new Promise<void>((resolve, reject) => {
      tshark.once('error', (e) => reject(new Error(`tshark could not start (is the tshark package installed?): ${e.message}`)));
      sync().then(resolve, reject);
    });
    const client = typessl(['s_client', '-connect', `127.0.0.1:${port}`, '-alpn', 'http/1.1', '-ign_eof', '-keylogfile', keys]);
    client.child.stdin.end('GET /typessl-capture HTTP/1.0\r\n\r\n');
    assert.equal(await client.exited, 0);
    assert.equal(await server.exited, 0);
    await sync();
  } finally {
    tshark.kill('SIGINT');
    await tsharkDone;
    probes.close();
  }
  const decoded = await new Promise<string>((resolve, reject) => {
    const reader = spawn('tshark', ['-r', capture, '-o', `tls.keylog_file:${keys}`, '-d', `tcp.port==${port},tls`, '-Y', 'http', '-T', 'fields', '-e', 'http.request.method', '-e', 'http.request.uri', '-e', 'http.response.code']);
    let out = '';
    reader.stdout.on('data', (d: Buffer) => (out += d.toString()));
    reader.once('error', reject);
    reader.once('close', () => resolve(out));
  });
  if (!/GET\t\/typessl-capture/.test(decoded)) {
    const summary = await new Promise<string>((resolve) => {
      const r = spawn('tshark', ['-r', capture, '-d', `tcp.port==${port},tls`]);
      let out = '';
      r.stdout.on('data', (d: Buffer) => (out += d.toString()));
      r.once('close', () => resolve(out));
    });
    assert.fail(`no decrypted HTTP request in the capture.\nkey log:\n${readFileSync(keys, 'utf8')}\npackets:\n${summary}`);
  }
  assert.match(decoded, /\t200/);
});

test('usage errors exit 2 with the usage text', async () => {
  for (const args of [['s_client', '-bogus'], ['s_client', '-connect'], ['s_server', '-accept', 'x:99999'], ['s_server', '-www', '-rev'], ['s_client', '-verify_return_error']]) {
    const c = typessl(args);
    c.child.stdin.end();
    assert.equal(await c.exited, 2, `${args.join(' ')}: ${c.stderr()}`);
    assert.match(c.stderr(), /usage: typessl s_(client|server)/);
  }
});
