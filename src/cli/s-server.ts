/**
 * `typessl s_server`: OpenSSL's s_server habits over typessl. Listens, handshakes, and per
 * connection either joins it to stdin/stdout (the default), answers one HTTP request with a page
 * about the connection (`-www`), reverses lines (`-rev`) or echoes bytes (`-echo`). A peer's
 * close_notify is answered with ours (a bidirectional close, as s_server does), and each
 * connection ends with a summary of how it ended.
 */
import net from 'node:net';
import { SocketBio } from '../bio/socket.js';
import { defaultCryptoProvider } from '../crypto/default.js';
import { AsyncSsl, SslError } from '../ssl/async-ssl.js';
import {
  SSL_ERROR_SYSCALL,
  SSL_OP_NO_TICKET,
  SSL_SENT_SHUTDOWN,
  SSL_SESS_CACHE_OFF,
  SSL_VERIFY_CLIENT_ONCE,
  SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
  SSL_VERIFY_PEER,
} from '../ssl/constants.js';
import { SslContext, type SslContextOptions } from '../ssl/context.js';
import { Ssl, type SslErrorInfo } from '../ssl/ssl.js';
import { fingerprint } from '../x509/certificate.js';
import { createSelfSignedCertificate } from '../x509/self-signed.js';
import { type Flags, integerOf, parseFlags, parseHostPort, UsageError, valueOf } from './args.js';
import { COMMON_FLAGS, commonContextOptions, describeConnection, instrument, readFlagFile } from './endpoint.js';
import type { CommandIo } from './s-client.js';
import { type ConnectionReport, describePeerCertificate } from './trace-format.js';

export const S_SERVER_USAGE = `usage: typessl s_server [-accept [host:]port] [-cert file -key file] [-www | -rev | -echo]
       [-naccept n] [-alpn p1,p2] [-tls1_2 | -tls1_3] [-groups g1:g2] [-ciphersuites s1:s2]
       [-cipher list] [-verify n | -Verify n] [-CAfile file] [-verify_return_error]
       [-no_ticket] [-num_tickets n] [-no_cache] [-keylogfile file] [-msg] [-state] [-quiet]
  Listens on port 4433 of every interface unless -accept says otherwise (port 0: any free port);
  the "ACCEPT host:port" line on stderr names the real one. Without -cert a fresh self-signed
  certificate for CN=localhost is made and its SHA-256 fingerprint printed.
  Default mode: stdin goes to the connected client, its data to stdout. -www answers one HTTP
  request with a page about the connection; -rev sends each line back reversed ("CLOSE" closes);
  -echo sends every byte back. -naccept n exits after n connections.
  Client certificates: -verify n asks for one (a client without one still gets in), -Verify n
  requires one (the handshake fails without). -CAfile names the trust anchors for client
  certificates (their names are sent in the request). As in OpenSSL's s_server, a verification
  error at depth <= n (0: the client's own certificate) is only reported and a deeper one fails
  the handshake, unless -verify_return_error is given: then every error fails it.
  Sessions: -no_ticket sends no stateless tickets (TLS 1.3: stateful tickets backed by the cache;
  TLS 1.2: session IDs), -num_tickets n sets the TLS 1.3 tickets per full handshake (default 2;
  at most 1 after a resumption), -no_cache turns the server's session cache off. Each summary says whether the session was reused.`;

const FLAGS = {
  ...COMMON_FLAGS,
  accept: 'value',
  naccept: 'value',
  www: 'switch',
  rev: 'switch',
  echo: 'switch',
  verify: 'value',
  Verify: 'value',
  verify_return_error: 'switch',
  no_ticket: 'switch',
  num_tickets: 'value',
  no_cache: 'switch',
} as const;

type Mode = 'stdio' | 'www' | 'rev' | 'echo';

/** Longest HTTP request head `-www` reads before giving up on a client. */
const MAX_REQUEST_HEAD = 16 * 1024;

/** Runs s_server with `argv` (after `s_server`); resolves with the exit status after `-naccept` connections. */
export async function runSServer(argv: readonly string[], io: CommandIo): Promise<number> {
  let flags: Flags;
  let ctx: SslContext;
  let where: { host: string; port: number };
  let limit: number;
  const provider = defaultCryptoProvider();
  try {
    flags = parseFlags(argv, FLAGS);
    if (flags['help'] === true) {
      io.print(S_SERVER_USAGE);
      return 0;
    }
    const modes = (['www', 'rev', 'echo'] as const).filter((m) => flags[m] === true);
    if (modes.length > 1) throw new UsageError(`-${modes[0]} and -${modes[1]} cannot be combined`);
    where = parseHostPort(valueOf(flags, 'accept') ?? '4433', '');
    limit = integerOf(flags, 'naccept', 0);
    const opts = commonContextOptions(flags, provider);
    if (opts.certificate === undefined) {
      const cert = createSelfSignedCertificate({ provider, commonName: 'localhost' });
      opts.certificate = cert.certificatePem;
      opts.privateKey = cert.privateKeyPem;
      if (flags['quiet'] !== true) {
        io.print(`Using an ephemeral self-signed certificate for CN=localhost, SHA-256 fingerprint ${fingerprint(provider, cert.certificate)}`);
      }
    }
    Object.assign(opts, clientCertificateOptions(flags), sessionOptions(flags));
    const anchors = readFlagFile(flags, 'CAfile');
    if (anchors !== undefined) opts.trustedCertificates = anchors;
    ctx = new SslContext(opts);
  } catch (e) {
    io.print(`s_server: ${(e as Error).message}${e instanceof UsageError ? `\n${S_SERVER_USAGE}` : ''}`);
    return 2;
  }
  const mode: Mode = flags['www'] === true ? 'www' : flags['rev'] === true ? 'rev' : flags['echo'] === true ? 'echo' : 'stdio';
  const quiet = flags['quiet'] === true;
  const note = (line: string): void => {
    if (!quiet) io.print(line);
  };

  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  const listening = await new Promise<Error | null>((resolve) => {
    server.once('error', resolve);
    server.listen(where.port, where.host || undefined, () => resolve(null));
  });
  if (listening) {
    io.print(`s_server: cannot listen on ${where.host || '*'}:${where.port}: ${listening.message}`);
    return 1;
  }
  const address = server.address() as net.AddressInfo;
  io.print(`ACCEPT ${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`);

  let served = 0;
  let failures = 0;
  // One connection at a time, as s_server does: stdin belongs to the current one.
  for await (const socket of connections(server)) {
    served++;
    const ok = await serveOne(socket, ctx, mode, flags, io, note, provider);
    if (!ok) failures++;
    if (limit > 0 && served >= limit) break;
  }
  server.close();
  return failures > 0 ? 1 : 0;
}

/**
 * -verify n / -Verify n, as OpenSSL's s_server: ask for (or require) a client certificate and
 * verify it. The n is what OpenSSL's s_server makes of it (its verify callback, apps/lib/s_cb.c),
 * not the chain length limit: without -verify_return_error a verification error at depth <= n
 * (0 is the client's own certificate) is reported and tolerated, a deeper one fails the handshake;
 * with -verify_return_error every error fails it. The summary says when an error was tolerated.
 */
function clientCertificateOptions(flags: Flags): SslContextOptions {
  const ask = valueOf(flags, 'verify') !== undefined;
  const require = valueOf(flags, 'Verify') !== undefined;
  if (ask && require) throw new UsageError('-verify and -Verify cannot be combined');
  if (!ask && !require) {
    if (flags['verify_return_error'] === true) throw new UsageError('-verify_return_error needs -verify or -Verify (no client certificate is asked for)');
    return {};
  }
  const depth = integerOf(flags, require ? 'Verify' : 'verify', 0);
  const opts: SslContextOptions = {
    verifyMode: SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE | (require ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
  };
  if (flags['verify_return_error'] !== true) {
    const withinDepth: SslContextOptions['verifyCallback'] = (ok, at) => ok || at.errorDepth <= depth;
    opts.verifyCallback = withinDepth;
  }
  return opts;
}

/** -no_ticket, -num_tickets n and -no_cache onto the context's own settings. */
function sessionOptions(flags: Flags): SslContextOptions {
  const opts: SslContextOptions = {};
  if (flags['no_ticket'] === true) opts.options = SSL_OP_NO_TICKET;
  if (valueOf(flags, 'num_tickets') !== undefined) {
    const n = integerOf(flags, 'num_tickets', 0);
    if (n > 16) throw new UsageError(`option "-num_tickets" is at most 16, got ${n}`);
    opts.numTickets = n;
  }
  if (flags['no_cache'] === true) opts.sessionCacheMode = SSL_SESS_CACHE_OFF;
  return opts;
}

/** Accepted sockets, one at a time (the next is taken only when the loop asks for it). */
async function* connections(server: net.Server): AsyncGenerator<net.Socket> {
  const queue: net.Socket[] = [];
  let wake: (() => void) | null = null;
  server.on('connection', (s: net.Socket) => {
    queue.push(s);
    wake?.();
  });
  for (;;) {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r));
    wake = null;
    yield queue.shift()!;
  }
}

async function serveOne(
  socket: net.Socket,
  ctx: SslContext,
  mode: Mode,
  flags: Flags,
  io: CommandIo,
  note: (line: string) => void,
  provider: ReturnType<typeof defaultCryptoProvider>,
): Promise<boolean> {
  note(`connection from ${socket.remoteAddress}:${socket.remotePort}`);
  const ssl = new Ssl(ctx);
  ssl.setAcceptState();
  const report = instrument(ssl, 'server', flags, io.print);
  const bio = new SocketBio(socket);
  socket.resume();
  const a = new AsyncSsl(ssl, bio);
  let failure: SslErrorInfo | null = null;
  const fail = (e: unknown): void => {
    failure ??= e instanceof SslError
      ? (ssl.getErrorInfo() ?? { code: e.sslError, reason: e.reason, alert: e.alert, message: e.message })
      : { code: SSL_ERROR_SYSCALL, reason: null, alert: null, message: (e as Error).message };
  };
  try {
    await a.accept();
    for (const line of describeConnection(ssl, provider)) note(line);
    await SERVE[mode](a, report, io);
    // The peer's close_notify (or our own in -www) has been handled; complete the close.
    if ((ssl.getShutdown() & SSL_SENT_SHUTDOWN) === 0) await a.shutdown();
  } catch (e) {
    fail(e);
  }
  for (const line of report.summary(ssl, failure)) io.print(line);
  await a.close();
  socket.destroy();
  return failure === null;
}

/** Reads until the peer's close_notify, handing each chunk to `each`. */
async function readAll(a: AsyncSsl, report: ConnectionReport, each: (chunk: Uint8Array) => Promise<void>): Promise<void> {
  for (;;) {
    const chunk = await a.read();
    if (chunk === null) return;
    report.bytesReceived += chunk.length;
    await each(chunk);
  }
}

async function send(a: AsyncSsl, report: ConnectionReport, data: Uint8Array): Promise<void> {
  await a.write(data);
  report.bytesSent += data.length;
}

const SERVE: Record<Mode, (a: AsyncSsl, report: ConnectionReport, io: CommandIo) => Promise<void>> = {
  /** Client data to stdout, stdin to the client, until the client closes. */
  async stdio(a, report, io) {
    const onData = (chunk: Uint8Array | string): void => {
      const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
      io.stdin.pause();
      send(a, report, bytes).then(
        () => io.stdin.resume(),
        () => undefined,
      );
    };
    const onEnd = (): void => {
      // stdin EOF closes our side, as s_server does.
      if ((a.ssl.getShutdown() & SSL_SENT_SHUTDOWN) === 0) void a.shutdown().catch(() => undefined);
    };
    io.stdin.on('data', onData);
    io.stdin.once('end', onEnd);
    io.stdin.resume();
    try {
      await readAll(a, report, async (chunk) => {
        if (!io.stdout.write(chunk)) await new Promise((r) => io.stdout.once('drain', r));
      });
    } finally {
      io.stdin.off('data', onData);
      io.stdin.off('end', onEnd);
      io.stdin.pause();
    }
  },

  /** Bytes back as they come. */
  async echo(a, report) {
    await readAll(a, report, (chunk) => send(a, report, chunk.slice()));
  },

  /** Each line back reversed; a line "CLOSE" sends close_notify. */
  async rev(a, report) {
    let partial = '';
    await readAll(a, report, async (chunk) => {
      if ((a.ssl.getShutdown() & SSL_SENT_SHUTDOWN) !== 0) return;
      const lines = (partial + Buffer.from(chunk).toString('latin1')).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const text = line.replace(/\r$/, '');
        if (text === 'CLOSE') {
          await a.shutdown();
          return;
        }
        await send(a, report, Buffer.from(`${[...text].reverse().join('')}\n`, 'latin1'));
      }
    });
  },

  /**
   * One HTTP request, answered with a plain-text page about the connection, then close_notify and
   * FIN (the client may keep waiting for the end of the body otherwise); then the client's
   * close_notify is awaited.
   */
  async www(a, report) {
    let head = '';
    while (!head.includes('\r\n\r\n') && !head.includes('\n\n')) {
      const chunk = await a.read();
      if (chunk === null) return;
      report.bytesReceived += chunk.length;
      head += Buffer.from(chunk).toString('latin1');
      if (head.length > MAX_REQUEST_HEAD) break;
    }
    const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
    const ssl = a.ssl;
    const body = [
      'typessl s_server',
      `Request: ${firstLine}`,
      `Protocol: ${ssl.getVersion()}`,
      `Cipher: ${ssl.getCipherName()}`,
      `Group: ${ssl.getGroupName() ?? 'none'}`,
      `ALPN: ${ssl.getAlpnSelected() ?? 'none'}`,
      `Session reused: ${ssl.sessionReused() ? 'yes' : 'no'}`,
      `Client certificate: ${describePeerCertificate(ssl)}`,
      '',
    ].join('\n');
    const ok = /^[A-Z]+ \S+ HTTP\/1\.[01]$/.test(firstLine);
    const status = ok ? '200 OK' : '400 Bad Request';
    await send(a, report, Buffer.from(`HTTP/1.0 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, 'latin1'));
    await a.shutdown();
    await a.close();
    // The client's answer, if it sends one; anything else it sends now is not for us.
    try {
      await readAll(a, report, async () => undefined);
    } catch (e) {
      // A client that hangs up without close_notify after a complete response is common (curl):
      // the page was delivered, and the summary says the peer did not answer our close_notify.
      if (!(e instanceof SslError && e.reason === 'SSL_R_UNEXPECTED_EOF_WHILE_READING')) throw e;
    }
  },
};
