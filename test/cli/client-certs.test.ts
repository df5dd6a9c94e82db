/**
 * Client certificates through `typessl s_server`: -verify n (ask), -Verify n (require), -CAfile
 * (the anchors, whose names go out in the CertificateRequest) and -verify_return_error, with
 * `openssl s_client` on 127.0.0.1 as the client, with and without a certificate, trusted or not.
 * Each connection's summary names the client certificate and its verification result.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestPki } from '../helpers/pki.js';
import { command, type Command, killCommands, runInProcess, typesslServer } from './cli-commands.js';

const pki = makeTestPki();
after(killCommands);

/** The client certificates the tests offer: one under the -CAfile root, one self-signed (untrusted). */
const trusted = ['-cert', pki.ecChain.leaf.certPath, '-key', pki.ecChain.leaf.keyPath, '-cert_chain', pki.ecChain.intermediate.certPath];
const untrusted = ['-cert', pki.rsa.certPath, '-key', pki.rsa.keyPath];
const serverCert = ['-cert', pki.ec.certPath, '-key', pki.ec.keyPath];

/** openssl s_client (full output, not -brief) against `port`, verifying typessl's certificate. */
function opensslClient(port: number, version: string, args: readonly string[]): Command {
  return command('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, version, '-CAfile', pki.ec.certPath, '-verify_return_error', '-no_ign_eof', '-nocommands', ...args]);
}

/** A connection the server accepts: a line goes through -rev and back. */
async function accepted(port: number, version: string, args: readonly string[]): Promise<Command> {
  const c = opensslClient(port, version, args);
  c.child.stdin.write('hello\n');
  await c.waitForStdout('olleh\n');
  c.child.stdin.end();
  await c.exited;
  return c;
}

/**
 * A connection the server refuses: openssl reads the server's alert and exits. (Its stdin stays
 * open: at stdin EOF it would close before reading the alert, which in TLS 1.3 arrives after the
 * client's side of the handshake is done.)
 */
async function refused(port: number, version: string, args: readonly string[]): Promise<Command> {
  const c = opensslClient(port, version, args);
  c.child.stdin.write('hello\n');
  await c.exited;
  assert.doesNotMatch(c.stdout(), /olleh/);
  return c;
}

/** The server's per-connection summaries, in order. */
const summaries = (server: Command): string[] => server.stderr().split('--- connection summary').slice(1);

const versions: readonly ('1.2' | '1.3')[] = ['1.2', '1.3'];

for (const v of versions) {
  const flag = `-tls1_${v === '1.2' ? 2 : 3}`;

  // A required certificate that is missing: TLS 1.3 has its own alert; TLS 1.2 servers send
  // handshake_failure, as OpenSSL does.
  const missing = v === '1.3' ? 'certificate_required' : 'handshake_failure';

  test(`TLSv${v}: s_server -Verify 1 -CAfile: a client with a certificate from the CA gets in, one without is refused (${missing})`, async () => {
    const { server, port } = await typesslServer([flag, '-rev', '-naccept', '2', ...serverCert, '-Verify', '1', '-CAfile', pki.ecChain.caPath]);
    const withCert = await accepted(port, flag, trusted);
    // The request named the -CAfile root as an acceptable CA.
    assert.match(withCert.stdout(), /Acceptable client certificate CA names\n.*CN ?= ?typessl test root EC/, withCert.stdout());
    const without = await refused(port, flag, []);
    assert.match(without.stderr(), new RegExp(`alert ${missing.replace('_', ' ')}`), without.stderr());
    assert.equal(await server.exited, 1, 'one connection failed');
    const [first, second] = summaries(server);
    assert.match(first!, /peer cert: subject CN=localhost, O=typessl test; verify ok/);
    assert.match(first!, /ended:\s+bidirectional close/);
    assert.match(second!, new RegExp(`ended:\\s+fatal alert ${missing} sent`));
    assert.match(second!, /peer cert: none/);
  });

  test(`TLSv${v}: s_server -verify 1 -CAfile: clients with and without a certificate get in; an untrusted one is reported, not enforced (OpenSSL's meaning)`, async () => {
    const { server, port } = await typesslServer([flag, '-rev', '-naccept', '3', ...serverCert, '-verify', '1', '-CAfile', pki.ecChain.caPath]);
    await accepted(port, flag, trusted);
    await accepted(port, flag, []);
    await accepted(port, flag, untrusted);
    assert.equal(await server.exited, 0, server.stderr());
    const [withCert, without, selfSigned] = summaries(server);
    assert.match(withCert!, /peer cert: subject CN=localhost, O=typessl test; verify ok/);
    assert.match(without!, /peer cert: none/);
    assert.match(selfSigned!, /peer cert: subject CN=localhost; verify X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT \(self-signed certificate\), NOT enforced/);
    for (const s of [withCert, without, selfSigned]) assert.match(s!, /ended:\s+bidirectional close/);
  });

  test(`TLSv${v}: s_server -verify 1 -verify_return_error: an untrusted client certificate ends the handshake (unknown_ca)`, async () => {
    const { server, port } = await typesslServer([flag, '-rev', '-naccept', '1', ...serverCert, '-verify', '1', '-CAfile', pki.ecChain.caPath, '-verify_return_error']);
    const c = await refused(port, flag, untrusted);
    assert.match(c.stderr(), /alert unknown ca/, c.stderr());
    assert.equal(await server.exited, 1);
    const [only] = summaries(server);
    assert.match(only!, /ended:\s+fatal alert unknown_ca sent \(SSL_R_CERTIFICATE_VERIFY_FAILED\)/);
    assert.match(only!, /peer cert: subject CN=localhost; verify X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT/);
  });
}

test('s_server client certificate flags: usage errors return 2', async () => {
  for (const [args, why] of [
    [['-verify', 'x'], /needs a whole number/],
    [['-Verify'], /needs a value/],
    [['-verify', '1', '-Verify', '1'], /cannot be combined/],
    [['-verify_return_error'], /needs -verify or -Verify/],
    [['-verify', '1', '-CAfile', '/nonexistent/ca.pem'], /-CAfile \/nonexistent\/ca\.pem: ENOENT/],
  ] as const) {
    const { status, text } = await runInProcess(['s_server', ...args]);
    assert.equal(status, 2, `${args.join(' ')}: ${text}`);
    assert.match(text, why);
    assert.match(text, /usage: typessl s_server/);
  }
});
