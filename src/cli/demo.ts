/**
 * `typessl demo`, what `npm start` runs: a typessl server and client on 127.0.0.1, on an
 * ephemeral certificate made at start-up, drawn as a sequence diagram in the terminal:
 *
 * 1. a full TLS 1.3 handshake, 2. data each way, 3. the two-step bidirectional shutdown with
 * every `shutdown()` return value and the flags, 4. a second connection that resumes the session
 * the clean close kept, 5. a connection freed without shutdown, whose session is evicted, and a
 * last one that can therefore only do a full handshake.
 */
import net from 'node:net';
import { SocketBio } from '../bio/socket.js';
import { defaultCryptoProvider } from '../crypto/default.js';
import { AsyncSsl } from '../ssl/async-ssl.js';
import { SslContext } from '../ssl/context.js';
import type { Session } from '../ssl/session.js';
import { Ssl } from '../ssl/ssl.js';
import { fingerprint } from '../x509/certificate.js';
import { createSelfSignedCertificate } from '../x509/self-signed.js';
import { describeTraceEvent, shutdownFlagNames } from './trace-format.js';

/** Where demo output goes (a function so tests can capture it). */
export type Print = (line: string) => void;

/** Width of the message lane between the two lifelines. */
const LANE = 46;

/** One arrow of the diagram: what `from` sent, pointing at the other side. */
function arrow(from: 'client' | 'server', label: string): string {
  const text = ` ${label} `;
  const fill = Math.max(2, LANE - text.length - 2);
  const left = Math.floor(fill / 2);
  const line = from === 'client' ? `${'─'.repeat(left)}${text}${'─'.repeat(fill - left)}▶` : `◀${'─'.repeat(left)}${text}${'─'.repeat(fill - left)}`;
  return `   │${line}│`;
}

/** A note on one lifeline: a call and its result. */
function note(who: 'client' | 'server', text: string): string {
  return who === 'client' ? `   ├ client: ${text}` : `   │${' '.repeat(LANE)}┤ server: ${text}`;
}

/**
 * Runs the demo; resolves with the exit status (0: every step behaved as the shutdown contract
 * says). Finishes in a few seconds.
 */
export async function runDemo(print: Print = console.log): Promise<number> {
  const provider = defaultCryptoProvider();
  const cert = createSelfSignedCertificate({ provider, commonName: 'localhost' });
  print('typessl demo: a typessl server and client on 127.0.0.1');
  print(`  ephemeral ECDSA P-256 certificate for CN=localhost, SHA-256 ${fingerprint(provider, cert.certificate)}`);

  const serverCtx = new SslContext({ provider, certificate: cert.certificatePem, privateKey: cert.privateKeyPem, alpnProtocols: ['demo/1'] });
  const clientCtx = new SslContext({ provider, trustedCertificates: cert.certificatePem, alpnProtocols: ['demo/1'] });
  const evicted = (side: 'server' | 'client') => (): void => print(note(side, 'session cache: remove-session callback (session evicted)'));
  serverCtx.sessionCache.onRemoveSession = evicted('server');
  clientCtx.sessionCache.onRemoveSession = evicted('client');

  const listener = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;
  const accepted: net.Socket[] = [];
  let acceptWaiter: (() => void) | null = null;
  listener.on('connection', (s: net.Socket) => {
    accepted.push(s);
    acceptWaiter?.();
  });
  const nextSocket = async (): Promise<net.Socket> => {
    while (accepted.length === 0) await new Promise<void>((r) => (acceptWaiter = r));
    return accepted.shift()!;
  };

  /** One connection: both ends traced into the diagram, handshake done. */
  const open = async (offer: Session | null): Promise<{ client: AsyncSsl; server: AsyncSsl; sockets: net.Socket[] }> => {
    print(`       client${' '.repeat(LANE - 6)}server (127.0.0.1:${port})`);
    const clientSocket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const serverSocket = await nextSocket();
    serverSocket.resume();
    const c = new Ssl(clientCtx);
    c.setConnectState();
    c.setServerName('localhost');
    if (offer) c.setSession(offer);
    const s = new Ssl(serverCtx);
    s.setAcceptState();
    c.setTrace((e) => e.direction === 'sent' && print(arrow('client', describeTraceEvent(e))));
    s.setTrace((e) => e.direction === 'sent' && print(arrow('server', describeTraceEvent(e))));
    const client = new AsyncSsl(c, new SocketBio(clientSocket));
    const server = new AsyncSsl(s, new SocketBio(serverSocket));
    await Promise.all([client.connect(), server.accept()]);
    return { client, server, sockets: [clientSocket, serverSocket] };
  };

  const checks: [string, boolean][] = [];
  const expect = (what: string, ok: boolean): void => {
    checks.push([what, ok]);
    if (!ok) print(`   !! unexpected: ${what}`);
  };

  try {
    // ------------------------------------------------------------------ 1. handshake
    print('\n1. Full handshake (client.connect() / server.accept() over TCP)');
    const first = await open(null);
    const c1 = first.client.ssl;
    print(note('client', `connect() = 1: ${c1.getVersion()}, ${c1.getCipherName()}, group ${c1.getGroupName()}, ` +
      `server signed with ${c1.getPeerSignatureSchemeName()}, ALPN ${c1.getAlpnSelected()}`));
    expect('the first handshake is a full one', !c1.sessionReused());

    // ------------------------------------------------------------------ 2. data
    print('\n2. One message each way');
    await first.client.write(new TextEncoder().encode('hello from the client'));
    const got = await first.server.read();
    print(note('server', `read() -> "${new TextDecoder().decode(got ?? new Uint8Array())}"`));
    await first.server.write(new TextEncoder().encode('hello from the server'));
    const back = await first.client.read();
    print(note('client', `read() -> "${new TextDecoder().decode(back ?? new Uint8Array())}"`));

    // ------------------------------------------------------------------ 3. shutdown
    print('\n3. Bidirectional shutdown: close_notify each way');
    const r1 = await first.client.shutdown();
    print(note('client', `shutdown() = ${r1}, flags ${shutdownFlagNames(c1.getShutdown())}: our close_notify is sent, the peer's has not come`));
    const eof = await first.server.read();
    const s1 = first.server.ssl;
    print(note('server', `read() = 0 (SSL_ERROR_ZERO_RETURN), flags ${shutdownFlagNames(s1.getShutdown())}: the client closed its side`));
    const r2 = await first.server.shutdown();
    print(note('server', `shutdown() = ${r2}, flags ${shutdownFlagNames(s1.getShutdown())}: answered with our close_notify`));
    const r3 = await first.client.shutdown();
    print(note('client', `shutdown() = ${r3}, flags ${shutdownFlagNames(c1.getShutdown())}: the peer's close_notify arrived; bidirectional close complete`));
    expect('shutdown() returned 0, then 1 on each side, and the server read ZERO_RETURN', r1 === 0 && eof === null && r2 === 1 && r3 === 1);
    const kept = c1.getSession();
    print(note('client', `getSession().isResumable() = ${kept?.isResumable() ?? false}: a cleanly closed session is kept for reuse`));
    expect('the cleanly closed session is resumable', kept?.isResumable() === true);
    c1.free();
    s1.free();
    for (const s of first.sockets) s.destroy();

    // ------------------------------------------------------------------ 4. resumption
    print('\n4. A new connection offers that session (no certificate this time)');
    const second = await open(kept);
    const reused = second.client.ssl.sessionReused() && second.server.ssl.sessionReused();
    print(note('client', `sessionReused() = ${second.client.ssl.sessionReused()}; server sessionReused() = ${second.server.ssl.sessionReused()}`));
    expect('the second connection resumed the session on both sides', reused);
    await second.client.shutdown();
    await second.server.read();
    await second.server.shutdown();
    await second.client.shutdown();
    const resumedSession = second.client.ssl.getSession();
    second.client.ssl.free();
    second.server.ssl.free();
    for (const s of second.sockets) s.destroy();

    // ------------------------------------------------------------------ 5. unclean close
    print('\n5. An unclean close: the client frees the connection without shutdown()');
    const third = await open(resumedSession);
    // The server's tickets come before its data, so reading one message makes the session resumable.
    await third.server.write(new TextEncoder().encode('one message'));
    await third.client.read();
    const doomed = third.client.ssl.getSession();
    print(note('client', `free() with flags ${shutdownFlagNames(third.client.ssl.getShutdown())}: no close_notify was sent`));
    third.client.ssl.free();
    print(note('client', `the session's isResumable() = ${doomed?.isResumable() ?? false}: evicted, as OpenSSL does (S-46, S-47)`));
    expect('the session of the unclean close is evicted', doomed !== null && !doomed.isResumable());
    third.server.ssl.free();
    for (const s of third.sockets) s.destroy();

    print('\n   ...so offering it again gets a full handshake:');
    const fourth = await open(doomed);
    print(note('client', `sessionReused() = ${fourth.client.ssl.sessionReused()}`));
    expect('the evicted session is not resumed', !fourth.client.ssl.sessionReused());
    await fourth.client.shutdown();
    await fourth.server.read();
    await fourth.server.shutdown();
    await fourth.client.shutdown();
    for (const s of fourth.sockets) s.destroy();
  } catch (e) {
    print(`\nThe demo failed: ${(e as Error).message}`);
    return 1;
  } finally {
    listener.close();
  }

  const failed = checks.filter(([, ok]) => !ok);
  print(failed.length === 0 ? '\nDone: clean bidirectional close, session resumed, unclean close evicted.' : `\n${failed.length} step(s) did not behave as expected.`);
  return failed.length === 0 ? 0 : 1;
}
