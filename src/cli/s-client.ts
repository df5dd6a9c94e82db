/**
 * `typessl s_client`: OpenSSL's s_client habits over typessl. stdin goes to the peer, the peer's
 * data to stdout, diagnostics to stderr. At stdin EOF it sends close_notify (unless `-ign_eof`)
 * and waits for the peer's, then prints how the connection ended. Sessions: `-sess_in` offers a
 * saved one, `-sess_out` saves the connection's, `-reconnect` checks resumption five times.
 */
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { SocketBio } from '../bio/socket.js';
import { defaultCryptoProvider } from '../crypto/default.js';
import { AsyncSsl, SslError } from '../ssl/async-ssl.js';
import { SSL_ERROR_SYSCALL } from '../ssl/constants.js';
import { SslContext } from '../ssl/context.js';
import type { Session } from '../ssl/session.js';
import { Ssl, type SslErrorInfo } from '../ssl/ssl.js';
import { parseIpAddress } from '../x509/certificate.js';
import { type Flags, parseFlags, parseHostPort, UsageError, valueOf } from './args.js';
import { COMMON_FLAGS, commonContextOptions, describeConnection, instrument, type Print, readFlagFile } from './endpoint.js';
import { checkSessionOutPath, readSessionFile, writeSessionFile } from './session-file.js';
import type { ConnectionReport } from './trace-format.js';

export const S_CLIENT_USAGE = `usage: typessl s_client [-connect host:port] [-servername name] [-noservername]
       [-CAfile file] [-verify_return_error] [-cert file -key file] [-alpn p1,p2]
       [-tls1_2 | -tls1_3] [-groups g1:g2] [-ciphersuites s1:s2] [-cipher list]
       [-sess_out file] [-sess_in file] [-reconnect]
       [-keylogfile file] [-msg] [-state] [-quiet] [-ign_eof] [-no_ign_eof] [-nocommands]
  stdin is sent to the peer and the peer's data goes to stdout. At stdin EOF close_notify is sent
  (unless -ign_eof or -quiet). Lines "Q" (close), "k" (KeyUpdate) and "K" (KeyUpdate, asking the
  peer to update too) are commands unless -nocommands, -ign_eof or -quiet.
  Without -CAfile the server certificate is NOT verified (said loudly); with -CAfile a failed
  verification aborts the handshake.
  -sess_out writes the session when the connection ends (TLS 1.3 tickets arrive after the
  handshake, so the newest is saved); -sess_in offers a saved session. The file is typessl's own
  session format (not OpenSSL's PEM SSL_SESSION) and holds the session's secrets.
  After connecting, "New, <version>, Cipher is <suite>" or "Reused, ..." tells whether the session
  was resumed. -reconnect: after the first connection, reconnect 5 times, each offering the session
  of the one before, and report whether each was reused; the last connection is the interactive one.`;

const FLAGS = {
  ...COMMON_FLAGS,
  connect: 'value',
  servername: 'value',
  noservername: 'switch',
  verify_return_error: 'switch',
  ign_eof: 'switch',
  no_ign_eof: 'switch',
  nocommands: 'switch',
  sess_out: 'value',
  sess_in: 'value',
  reconnect: 'switch',
} as const;

/** OpenSSL's s_client -reconnect: five more connections after the first. */
const RECONNECTS = 5;

/** The process pieces a command uses; tests may pass their own. */
export interface CommandIo {
  stdin: Readable;
  stdout: Writable;
  print: Print;
}

/** One established connection and what watches it. */
interface Connection {
  ssl: Ssl;
  a: AsyncSsl;
  socket: net.Socket;
  report: ConnectionReport;
  /** Records the error that ends the connection (the first one wins). */
  fail(e: unknown): void;
  failure(): SslErrorInfo | null;
}

/** Runs s_client with `argv` (the arguments after `s_client`). Resolves with the exit status. */
export async function runSClient(argv: readonly string[], io: CommandIo): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(argv, FLAGS);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.print(`s_client: ${e.message}\n${S_CLIENT_USAGE}`);
    return 2;
  }
  if (flags['help'] === true) {
    io.print(S_CLIENT_USAGE);
    return 0;
  }
  let target: { host: string; port: number };
  let ctx: SslContext;
  let offer: Session | null = null;
  const sessOut = valueOf(flags, 'sess_out');
  const provider = defaultCryptoProvider();
  try {
    target = parseHostPort(valueOf(flags, 'connect') ?? 'localhost:4433', 'localhost');
    const opts = commonContextOptions(flags, provider);
    const anchors = readFlagFile(flags, 'CAfile');
    if (anchors !== undefined) opts.trustedCertificates = anchors;
    else if (flags['verify_return_error'] === true) throw new UsageError('-verify_return_error needs -CAfile (no trust anchors to verify against)');
    else opts.dangerouslySkipCertificateVerification = true;
    ctx = new SslContext(opts);
    const sessIn = valueOf(flags, 'sess_in');
    if (sessIn !== undefined) offer = readSessionFile(ctx, sessIn);
    if (sessOut !== undefined) checkSessionOutPath(sessOut);
  } catch (e) {
    io.print(`s_client: ${(e as Error).message}${e instanceof UsageError ? `\n${S_CLIENT_USAGE}` : ''}`);
    return 2;
  }
  const quiet = flags['quiet'] === true;
  const note = (line: string): void => {
    if (!quiet) io.print(line);
  };
  if (offer && !offer.isResumable()) note('-sess_in: the saved session cannot be resumed (it was marked not resumable); a full handshake follows');

  // -reconnect: OpenSSL's habit of five short connections after the first, each offering the
  // session of the one before; the last connection is then used as without -reconnect.
  const rounds = flags['reconnect'] === true ? RECONNECTS + 1 : 1;
  let reused = 0;
  let newest: Session | null = null;
  let status = 0;
  for (let round = 0; round < rounds; round++) {
    if (round > 0) note(`drop connection and then reconnect (${round} of ${RECONNECTS})`);
    const conn = await open(target, ctx, flags, offer, io, note);
    if (conn === null) {
      status = 1;
      break;
    }
    if (round > 0 && conn.ssl.sessionReused()) reused++;
    if (round < rounds - 1) {
      // A bidirectional close reads what the server sent after its handshake (TLS 1.3 tickets).
      try {
        await conn.a.shutdownBoth();
      } catch (e) {
        conn.fail(e);
      }
    } else {
      await interact(conn, flags, io, note);
    }
    for (const line of conn.report.summary(conn.ssl, conn.failure())) io.print(line);
    const session = conn.ssl.getSession();
    if (session?.isResumable()) newest = offer = session;
    await conn.a.close();
    conn.socket.destroy();
    if (conn.failure()) {
      status = 1;
      break;
    }
  }
  if (rounds > 1 && status === 0) note(`reconnect: ${reused} of ${RECONNECTS} reconnections reused the session`);
  if (sessOut !== undefined) {
    if (newest) {
      try {
        writeSessionFile(ctx, sessOut, newest);
        note(`-sess_out: session written to ${sessOut} (typessl session format)`);
      } catch (e) {
        io.print(`s_client: -sess_out ${sessOut}: ${(e as Error).message}`);
        status = 1;
      }
    } else {
      note(`-sess_out: no resumable session to write (the server sent no ticket or session ID, or the connection did not end cleanly); ${sessOut} is unchanged`);
    }
  }
  return status;
}

/**
 * Connects the socket and completes the handshake, offering `session`. Prints the connection's
 * description; on failure prints why and the summary and returns null.
 */
async function open(
  target: { host: string; port: number },
  ctx: SslContext,
  flags: Flags,
  session: Session | null,
  io: CommandIo,
  note: Print,
): Promise<Connection | null> {
  const socket = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
  const connected = await new Promise<Error | null>((resolve) => {
    socket.once('connect', () => resolve(null));
    socket.once('error', (err) => resolve(err));
  });
  if (connected) {
    io.print(`s_client: connect to ${target.host}:${target.port} failed: ${connected.message}`);
    socket.destroy();
    return null;
  }
  note(`CONNECTED to ${target.host}:${target.port}`);

  const ssl = new Ssl(ctx);
  ssl.setConnectState();
  const servername = flags['noservername'] === true ? undefined : (valueOf(flags, 'servername') ?? (parseIpAddress(target.host) ? undefined : target.host));
  if (servername) ssl.setServerName(servername);
  // Without SNI (an IP address, or -noservername) the certificate must still be for the host we reach.
  else ssl.setHost(target.host);
  if (session) ssl.setSession(session);
  const report = instrument(ssl, 'client', flags, io.print);
  const a = new AsyncSsl(ssl, new SocketBio(socket));

  let failure: SslErrorInfo | null = null;
  const conn: Connection = {
    ssl,
    a,
    socket,
    report,
    fail(e) {
      failure ??= e instanceof SslError
        ? (ssl.getErrorInfo() ?? { code: e.sslError, reason: e.reason, alert: e.alert, message: e.message })
        : { code: SSL_ERROR_SYSCALL, reason: null, alert: null, message: (e as Error).message };
    },
    failure: () => failure,
  };
  try {
    await a.connect();
  } catch (e) {
    conn.fail(e);
    io.print(`s_client: handshake failed: ${(e as Error).message}`);
    for (const line of report.summary(ssl, failure)) io.print(line);
    socket.destroy();
    return null;
  }
  for (const line of describeConnection(ssl, ctx.provider)) note(line);
  note(valueOf(flags, 'CAfile') !== undefined ? 'Verification: OK (chain checked against -CAfile)' : 'Verification: NOT DONE: no -CAfile was given, so anyone on the path could impersonate the server');
  return conn;
}

/** stdin to the peer and the peer's data to stdout, with the command lines, until both are done. */
async function interact(conn: Connection, flags: Flags, io: CommandIo, note: Print): Promise<void> {
  const { ssl, a, report } = conn;
  // -quiet implies -ign_eof, as in OpenSSL; -no_ign_eof wins over both.
  const ignEof = flags['no_ign_eof'] !== true && (flags['ign_eof'] === true || flags['quiet'] === true);
  const commands = flags['nocommands'] !== true && !ignEof;

  // Peer -> stdout until its close_notify (or a failure).
  const fromPeer = (async () => {
    try {
      for (;;) {
        const chunk = await a.read();
        if (chunk === null) break;
        report.bytesReceived += chunk.length;
        if (!io.stdout.write(chunk)) await new Promise((r) => io.stdout.once('drain', r));
      }
      note('The peer closed its side (close_notify received).');
      // Answer it, as OpenSSL's s_client does; a no-op if ours is already out.
      if ((ssl.getShutdown() & 1) === 0) await a.shutdown();
    } catch (e) {
      conn.fail(e);
    }
  })();

  // stdin -> peer, with the command lines; stops when the peer is done too.
  const toPeer = (async () => {
    let pendingLine = '';
    const send = async (data: Uint8Array): Promise<void> => {
      if (data.length === 0) return;
      await a.write(data);
      report.bytesSent += data.length;
    };
    const command = async (line: string): Promise<boolean> => {
      if (line === 'Q') {
        note('Q: closing (close_notify)');
        await a.shutdown();
        return true;
      }
      if (line === 'k' || line === 'K') {
        note(`${line}: sending KeyUpdate${line === 'K' ? ' (asking the peer to update too)' : ''}`);
        await a.keyUpdate(line === 'K');
        return true;
      }
      return false;
    };
    try {
      for await (const chunk of io.stdin as AsyncIterable<Uint8Array | string>) {
        if ((ssl.getShutdown() & 1) !== 0) break;
        const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
        if (!commands) {
          await send(bytes);
          continue;
        }
        // Commands are whole lines; everything else is sent as typed, newline included.
        const text = pendingLine + Buffer.from(bytes).toString('latin1');
        const lines = text.split('\n');
        pendingLine = lines.pop()!;
        for (const line of lines) {
          if ((ssl.getShutdown() & 1) !== 0) break;
          if (!(await command(line.replace(/\r$/, '')))) await send(Buffer.from(`${line}\n`, 'latin1'));
        }
      }
      if (pendingLine.length > 0 && (ssl.getShutdown() & 1) === 0) await send(Buffer.from(pendingLine, 'latin1'));
      if (!ignEof && (ssl.getShutdown() & 1) === 0) {
        note('stdin EOF: sending close_notify');
        await a.shutdown();
      }
    } catch (e) {
      // Typing after our close_notify (Q, or the peer's close answered) is not a failure.
      if (!(e instanceof SslError && e.reason === 'SSL_R_PROTOCOL_IS_SHUTDOWN')) conn.fail(e);
    }
  })();

  await fromPeer;
  // The peer is gone: stdin no longer matters (the writer loop is left to end with the process).
  io.stdin.pause();
  void toPeer;
}
