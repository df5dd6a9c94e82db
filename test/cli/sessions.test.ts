/**
 * Sessions through the typessl command, against openssl and itself on 127.0.0.1:
 * `s_client -sess_out` / `-sess_in` / `-reconnect`, `openssl s_client -sess_out` / `-sess_in`
 * against `typessl s_server`, and the server's -no_ticket / -num_tickets / -no_cache. Reuse is
 * proven on both sides: the client's "Reused," line and the server's own account (openssl's
 * "Reused session-id", typessl's summary), and the usage errors of the new flags.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestPki } from '../helpers/pki.js';
import { command, killCommands, opensslServer, runInProcess, typessl, typesslServer } from './cli-commands.js';

const pki = makeTestPki();
const scratch = mkdtempSync(join(tmpdir(), 'typessl-cli-sess-'));

after(() => {
  killCommands();
  rmSync(scratch, { recursive: true, force: true });
});

const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'gm')) ?? []).length;
const versions: readonly ('1.2' | '1.3')[] = ['1.2', '1.3'];

for (const v of versions) {
  const flag = `-tls1_${v === '1.2' ? 2 : 3}`;
  const version = `TLSv${v}`;

  test(`${version}: typessl s_client -sess_out, then -sess_in against openssl s_server: "New", then "Reused" on both sides`, async () => {
    const { server, port } = await opensslServer(['-cert', pki.ec.certPath, '-key', pki.ec.keyPath, flag, '-naccept', '2']);
    const sess = join(scratch, `openssl-${v}.sess`);
    const first = typessl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.ec.certPath, '-sess_out', sess]);
    first.child.stdin.end('one\n');
    assert.equal(await first.exited, 0, first.stderr());
    assert.match(first.stderr(), new RegExp(`^New, ${version}, Cipher is \\S+$`, 'm'));
    assert.match(first.stderr(), /-sess_out: session written to .* \(typessl session format\)/);
    assert.ok(statSync(sess).size > 0);
    assert.equal(statSync(sess).mode & 0o077, 0, 'the session file holds secrets: owner only');

    const second = typessl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.ec.certPath, '-sess_in', sess, '-msg']);
    second.child.stdin.end('two\n');
    assert.equal(await second.exited, 0, second.stderr());
    assert.match(second.stderr(), new RegExp(`^Reused, ${version}, Cipher is \\S+$`, 'm'));
    assert.match(second.stderr(), /session:\s+reused/);
    assert.equal(count(second.stderr(), /<<< Handshake certificate /), 0, 'no certificate on a resumed connection');
    server.child.stdin.end();
    await server.exited;
    // openssl's own account: the second connection resumed, the first did not.
    assert.equal(count(server.stdout(), /^Reused session-id$/), 1, server.stdout());
    assert.match(server.stdout(), /one[\s\S]*two/);
  });

  test(`${version}: typessl s_client -reconnect against openssl s_server: 5 reconnections, each reused`, async () => {
    const { server, port } = await opensslServer(['-cert', pki.ec.certPath, '-key', pki.ec.keyPath, flag, '-naccept', '6']);
    const client = typessl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.ec.certPath, '-reconnect']);
    client.child.stdin.end('last\n');
    assert.equal(await client.exited, 0, client.stderr());
    const err = client.stderr();
    assert.equal(count(err, new RegExp(`^New, ${version}, `)), 1, err);
    assert.equal(count(err, new RegExp(`^Reused, ${version}, `)), 5, err);
    assert.equal(count(err, /^drop connection and then reconnect/), 5);
    assert.match(err, /^reconnect: 5 of 5 reconnections reused the session$/m);
    server.child.stdin.end();
    await server.exited;
    assert.equal(count(server.stdout(), /^Reused session-id$/), 5, server.stdout());
    assert.match(server.stdout(), /last/, 'the last connection is the interactive one');
  });

  test(`${version}: openssl s_client -sess_out, then -sess_in against typessl s_server: openssl prints "Reused, ${version}"`, async () => {
    const { server, port } = await typesslServer([flag, '-rev', '-naccept', '2', '-cert', pki.ec.certPath, '-key', pki.ec.keyPath]);
    const sess = join(scratch, `from-openssl-${v}.pem`);
    for (const [round, sessArgs] of [[1, ['-sess_out', sess]], [2, ['-sess_in', sess]]] as const) {
      const client = command('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.ec.certPath, '-verify_return_error', '-no_ign_eof', '-nocommands', ...sessArgs]);
      client.child.stdin.write('hello\n');
      // The server's tickets come before its reply, so openssl has read them (and written -sess_out).
      await client.waitForStdout('olleh\n');
      client.child.stdin.end();
      await client.exited;
      assert.match(client.stdout(), new RegExp(`^${round === 1 ? 'New' : 'Reused'}, ${version}, Cipher is `, 'm'), client.stdout());
    }
    assert.equal(await server.exited, 0, server.stderr());
    const summaries = server.stderr().split('--- connection summary').slice(1);
    assert.equal(summaries.length, 2);
    assert.match(summaries[0]!, /session:\s+new \(full handshake\)/);
    assert.match(summaries[1]!, /session:\s+reused/);
    assert.equal(count(server.stderr(), new RegExp(`^Reused, ${version}, `)), 1);
  });

  test(`${version}: typessl s_client -reconnect against typessl s_server: 5 reuses reported by both`, async () => {
    const { server, port } = await typesslServer([flag, '-echo', '-naccept', '6', '-msg']);
    const client = typessl(['s_client', '-connect', `127.0.0.1:${port}`, '-reconnect', '-sess_out', join(scratch, `self-${v}.sess`)]);
    client.child.stdin.end('ping\n');
    await client.waitForStdout('ping\n');
    assert.equal(await client.exited, 0, client.stderr());
    assert.match(client.stderr(), /^reconnect: 5 of 5 reconnections reused the session$/m);
    assert.equal(await server.exited, 0, server.stderr());
    assert.equal(count(server.stderr(), /^session:\s+reused$/), 5);
    assert.equal(count(server.stderr(), /^session:\s+new \(full handshake\)$/), 1);
    // The default: stateless tickets carry the sealed session, far longer than an ID and a nonce.
    const tickets = ticketLengths(server.stderr());
    assert.ok(tickets.length > 0 && tickets.every((n) => n > 100), `sealed tickets: ${tickets.join(', ')}`);
  });
}

/** Runs `typessl s_client -reconnect` against a typessl s_server with `serverArgs`; returns both outputs. */
async function reconnectAgainst(v: '1.2' | '1.3', serverArgs: readonly string[]): Promise<{ client: string; server: string }> {
  const { server, port } = await typesslServer([`-tls1_${v === '1.2' ? 2 : 3}`, '-echo', '-naccept', '6', '-msg', ...serverArgs]);
  const client = typessl(['s_client', '-connect', `127.0.0.1:${port}`, '-reconnect']);
  client.child.stdin.end();
  assert.equal(await client.exited, 0, client.stderr());
  assert.equal(await server.exited, 0, server.stderr());
  return { client: client.stderr(), server: server.stderr() };
}

/** Lengths of the NewSessionTicket messages a `-msg` trace shows sent. */
const ticketLengths = (trace: string): number[] => [...trace.matchAll(/^>>> Handshake new_session_ticket \[length (\d+)\]$/gm)].map((m) => Number(m[1]));

/** s_server's session flags: what -reconnect then sees, and what the tickets must look like. */
const SERVER_SESSION_ROWS: { v: '1.2' | '1.3'; args: string[]; what: string; reused: number; tickets: (lengths: number[]) => void }[] = [
  {
    v: '1.3',
    args: ['-no_ticket'],
    what: 'stateful tickets (a session ID and a nonce) resumed from the cache',
    reused: 5,
    // lifetime, age_add, nonce, the 32-byte session ID + nonce, and no extensions: under 64 bytes.
    tickets: (l) => assert.ok(l.length >= 6 && l.every((n) => n < 64), `stateful ticket messages: ${l.join(', ')}`),
  },
  {
    v: '1.3',
    args: ['-no_cache', '-num_tickets', '1'],
    what: 'stateless tickets need no cache; one ticket per handshake',
    reused: 5,
    tickets: (l) => assert.ok(l.length === 6 && l.every((n) => n > 100), `one sealed ticket per handshake: ${l.join(', ')}`),
  },
  { v: '1.3', args: ['-num_tickets', '0'], what: 'no tickets, nothing to resume', reused: 0, tickets: (l) => assert.equal(l.length, 0) },
  { v: '1.3', args: ['-no_ticket', '-no_cache'], what: 'stateful tickets without a cache are not sent', reused: 0, tickets: (l) => assert.equal(l.length, 0) },
  { v: '1.2', args: ['-no_ticket'], what: 'no tickets: session IDs through the cache', reused: 5, tickets: (l) => assert.equal(l.length, 0) },
  {
    v: '1.2',
    args: ['-no_cache'],
    what: 'RFC 5077 tickets need no cache',
    reused: 5,
    tickets: (l) => assert.ok(l.length >= 1 && l.every((n) => n > 100), `sealed tickets: ${l.join(', ')}`),
  },
  { v: '1.2', args: ['-no_ticket', '-no_cache'], what: 'neither tickets nor a cache: nothing to resume', reused: 0, tickets: (l) => assert.equal(l.length, 0) },
];

for (const row of SERVER_SESSION_ROWS) {
  test(`TLSv${row.v}: s_server ${row.args.join(' ')}: ${row.what}; -reconnect sees ${row.reused} reuses`, async () => {
    const { client, server } = await reconnectAgainst(row.v, row.args);
    assert.match(client, new RegExp(`^reconnect: ${row.reused} of 5 reconnections reused the session$`, 'm'));
    assert.equal(count(client, new RegExp(`^New, TLSv${row.v.replace('.', '\\.')}, `)), 6 - row.reused);
    assert.equal(count(server, /^session:\s+reused$/), row.reused);
    assert.equal(count(server, /^session:\s+new \(full handshake\)$/), 6 - row.reused);
    row.tickets(ticketLengths(server));
  });
}

test('the session flags: usage errors return 2 with the usage text', async () => {
  // In-process (the exit status mapping of main.ts is covered by s-client-server.test.ts).
  const garbage = join(scratch, 'garbage.sess');
  writeFileSync(garbage, 'not a session\n');
  for (const [args, why] of [
    [['s_client', '-sess_in'], /needs a value/],
    [['s_client', '-sess_in', join(scratch, 'missing.sess')], /-sess_in .*ENOENT/],
    [['s_client', '-sess_in', garbage], /not a typessl session file/],
    [['s_client', '-sess_out', join(scratch, 'no-such-dir', 'x.sess')], /-sess_out .*cannot be written/],
    [['s_client', '-reconnect', 'yes'], /unexpected argument "yes"/],
    [['s_server', '-num_tickets', 'two'], /needs a whole number/],
    [['s_server', '-num_tickets', '17'], /at most 16/],
    [['s_server', '-num_tickets'], /needs a value/],
  ] as const) {
    const { status, text } = await runInProcess(args);
    assert.equal(status, 2, `${args.join(' ')}: ${text}`);
    assert.match(text, why, args.join(' '));
    assert.match(text, /usage: typessl s_(client|server)/);
  }
});
