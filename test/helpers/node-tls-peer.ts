/**
 * Child-process program for the node:tls interop peers (see `peers.ts`).
 *
 * Started as `node dist/test/helpers/node-tls-peer.js '<json config>'`. It is a TLS server or
 * client built on node:tls (i.e. on the OpenSSL that Node bundles) and keeps two channels apart:
 *
 * - **data**: bytes read from stdin are written to the TLS connection; application bytes received
 *   from the TLS connection are written to stdout, unchanged (binary-safe, with backpressure);
 * - **diagnostics**: one JSON object per line on stderr, e.g.
 *   `{"event":"secure","conn":0,"protocol":"TLSv1.3","cipher":"TLS_AES_128_GCM_SHA256",...}`.
 *   Anything else Node itself prints there (warnings, an uncaught exception) stays a plain line.
 *
 * Events: `listening` (server, first, with the port), `secure`, `end` (the peer finished sending:
 * close_notify or FIN), `close`, `error` (with the error's `code`), `timeout` (the lifetime
 * guard fired). stdin EOF ends our side of the connection, which makes node:tls send
 * close_notify and then FIN.
 *
 * The server accepts `connections` TCP connections (default 1), then stops listening and exits
 * once they have all closed. stdin feeds the first connection that completes its handshake;
 * later connections only receive (their bytes also go to stdout).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';

/** TLS versions node:tls understands for minVersion / maxVersion that typessl cares about. */
export type NodeTlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** The JSON configuration passed as the first argument of the peer program. */
export interface NodeTlsPeerConfig {
  /** Which side of the connection this peer plays. */
  role: 'server' | 'client';
  /** Address to listen on / connect to. Always loopback; defaults to 127.0.0.1. */
  host?: string;
  /** Client: the port to connect to (required). Server: the port to listen on (default 0 = ephemeral). */
  port?: number;
  /** Path of a PEM certificate (chain): required for a server, optional client certificate. */
  cert?: string;
  /** Path of the PEM private key that goes with `cert`. */
  key?: string;
  /** Path(s) of PEM trust anchors (replace Node's default roots). */
  ca?: string | string[];
  /** Client: SNI to send (and the name the certificate is checked against). */
  servername?: string;
  /** ALPN protocols offered (client) or accepted in order of preference (server). */
  ALPNProtocols?: string[];
  minVersion?: NodeTlsVersion;
  maxVersion?: NodeTlsVersion;
  /** OpenSSL cipher list (TLS 1.2 suites; TLS 1.3 suites too, by their names). */
  ciphers?: string;
  /** Groups for key exchange, colon-separated, e.g. `X25519:P-256`. */
  ecdhCurve?: string;
  /** Signature algorithms, colon-separated, e.g. `ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256`. */
  sigalgs?: string;
  /** Client: verify the server certificate (default true). Server: with requestCert, require a valid one. */
  rejectUnauthorized?: boolean;
  /** Server: ask the client for a certificate. */
  requestCert?: boolean;
  /** Keep our side open after the peer ended its side (default false: node ends ours too). */
  allowHalfOpen?: boolean;
  /** Server: how many TCP connections to accept before closing the listener (default 1). */
  connections?: number;
  /** Client: write each session node:tls reports (its 'session' event, DER) to this file, and emit a `session` event. */
  sessionOut?: string;
  /** Client: offer the session stored in this file (node's `session` option) to resume it. */
  sessionIn?: string;
  /** Safety net against orphans: exit after this long whatever happens (default 120 s). */
  maxLifetimeMs?: number;
}

/** Writes one diagnostic event as a JSON line on stderr (never on stdout: that is the data channel). */
function emit(event: Record<string, unknown>): void {
  process.stderr.write(JSON.stringify(event) + '\n');
}

function errorEvent(err: unknown, conn?: number): Record<string, unknown> {
  const e = err as NodeJS.ErrnoException;
  return { event: 'error', ...(conn === undefined ? {} : { conn }), code: e?.code ?? null, message: String(e?.message ?? err) };
}

function readPaths(paths: string | string[] | undefined): Buffer[] | undefined {
  if (paths === undefined) return undefined;
  return (Array.isArray(paths) ? paths : [paths]).map((p) => readFileSync(p));
}

function parseConfig(): NodeTlsPeerConfig {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('usage: node-tls-peer.js <json config>');
  const cfg = JSON.parse(raw) as NodeTlsPeerConfig;
  if (cfg.role !== 'server' && cfg.role !== 'client') throw new Error(`bad role: ${String(cfg.role)}`);
  const host = cfg.host ?? '127.0.0.1';
  // The interop rules allow loopback only; refuse anything else rather than trust every caller.
  if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== '::1' && host !== 'localhost') {
    throw new Error(`refusing non-loopback host ${host}`);
  }
  if (cfg.role === 'client' && typeof cfg.port !== 'number') throw new Error('client needs a port');
  if (cfg.role === 'server' && (cfg.cert === undefined || cfg.key === undefined)) {
    throw new Error('server needs cert and key');
  }
  return cfg;
}

/** Options common to both roles, with file paths turned into their contents. */
function commonOptions(cfg: NodeTlsPeerConfig): tls.SecureContextOptions & tls.CommonConnectionOptions {
  const opts: tls.SecureContextOptions & tls.CommonConnectionOptions = {};
  if (cfg.cert !== undefined) opts.cert = readFileSync(cfg.cert);
  if (cfg.key !== undefined) opts.key = readFileSync(cfg.key);
  const ca = readPaths(cfg.ca);
  if (ca !== undefined) opts.ca = ca;
  if (cfg.ALPNProtocols !== undefined) opts.ALPNProtocols = cfg.ALPNProtocols;
  if (cfg.minVersion !== undefined) opts.minVersion = cfg.minVersion;
  if (cfg.maxVersion !== undefined) opts.maxVersion = cfg.maxVersion;
  if (cfg.ciphers !== undefined) opts.ciphers = cfg.ciphers;
  if (cfg.ecdhCurve !== undefined) opts.ecdhCurve = cfg.ecdhCurve;
  if (cfg.sigalgs !== undefined) opts.sigalgs = cfg.sigalgs;
  if (cfg.rejectUnauthorized !== undefined) opts.rejectUnauthorized = cfg.rejectUnauthorized;
  if (cfg.requestCert !== undefined) opts.requestCert = cfg.requestCert;
  return opts;
}

/** What the handshake produced, for the `secure` event. */
function describeSecure(sock: tls.TLSSocket, conn: number, servername: string | false | null): Record<string, unknown> {
  const peer = sock.getPeerCertificate();
  // An empty object when the peer sent no certificate.
  const hasPeer = peer !== null && typeof peer === 'object' && peer.subject !== undefined;
  const key = sock.getEphemeralKeyInfo() as { name?: string; type?: string } | null;
  return {
    event: 'secure',
    conn,
    protocol: sock.getProtocol(),
    cipher: sock.getCipher()?.standardName ?? null,
    alpn: sock.alpnProtocol ?? false,
    servername,
    authorized: sock.authorized,
    authorizationError: sock.authorizationError == null ? null : String(sock.authorizationError),
    peerSubjectCN: hasPeer ? (peer.subject?.CN ?? null) : null,
    // "EC prime256v1" / "RSA 2048": lets a test check which of the server's certificates was used.
    peerKey: !hasPeer ? null : peer.asn1Curve !== undefined ? `EC ${peer.asn1Curve}` : `RSA ${peer.bits}`,
    // Only a client learns the server's key share group this way; null on the server.
    group: key !== null && typeof key === 'object' ? (key.name ?? key.type ?? null) : null,
    sessionReused: sock.isSessionReused(),
  };
}

/** The data channel of one connection: TLS bytes in -> stdout, with backpressure. */
function wireConnection(sock: tls.TLSSocket, conn: number): void {
  let received = 0;
  sock.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (!process.stdout.write(chunk)) {
      // The parent reads stdout as fast as it can; pausing keeps memory bounded if it lags.
      sock.pause();
      process.stdout.once('drain', () => sock.resume());
    }
  });
  sock.on('end', () => emit({ event: 'end', conn, received }));
  sock.on('error', (err) => emit(errorEvent(err, conn)));
  sock.on('close', (hadError: boolean) => emit({ event: 'close', conn, hadError, received }));
}

/** Lets the event loop drain and the process exit once nothing is left to do. */
function releaseStdin(): void {
  process.stdin.unpipe();
  process.stdin.destroy();
}

function runClient(cfg: NodeTlsPeerConfig): void {
  // tls.connect honours allowHalfOpen (it passes it to the TLSSocket) though @types/node omits it.
  const opts: tls.ConnectionOptions & { allowHalfOpen?: boolean } = {
    ...commonOptions(cfg),
    host: cfg.host ?? '127.0.0.1',
    port: cfg.port as number,
    allowHalfOpen: cfg.allowHalfOpen ?? false,
  };
  if (cfg.servername !== undefined) opts.servername = cfg.servername;
  if (cfg.sessionIn !== undefined) opts.session = readFileSync(cfg.sessionIn);
  const sock = tls.connect(opts);
  const sessionOut = cfg.sessionOut;
  if (sessionOut !== undefined) {
    sock.on('session', (session: Buffer) => {
      writeFileSync(sessionOut, session);
      emit({ event: 'session', conn: 0, length: session.length });
    });
  }
  wireConnection(sock, 0);
  sock.on('secureConnect', () => emit(describeSecure(sock, 0, cfg.servername ?? null)));
  // Writes made before the handshake completes are queued by node:tls, so piping at once is safe.
  process.stdin.pipe(sock);
  sock.on('close', releaseStdin);
}

function runServer(cfg: NodeTlsPeerConfig): void {
  const limit = cfg.connections ?? 1;
  let accepted = 0;
  let open = 0;
  let secured = 0;
  let stdinTaken = false;
  const server = tls.createServer({ ...commonOptions(cfg), allowHalfOpen: cfg.allowHalfOpen ?? false });
  // Counting raw TCP connections (not completed handshakes) means a failed handshake also
  // uses up an accept, as with `openssl s_server -naccept`.
  server.on('connection', (raw: Socket) => {
    accepted += 1;
    open += 1;
    raw.on('close', () => {
      open -= 1;
      if (accepted >= limit && open === 0) releaseStdin();
    });
    if (accepted >= limit) server.close();
  });
  server.on('secureConnection', (sock: tls.TLSSocket) => {
    const conn = secured++;
    wireConnection(sock, conn);
    emit(describeSecure(sock, conn, sock.servername ?? false));
    if (!stdinTaken) {
      stdinTaken = true;
      process.stdin.pipe(sock);
    }
  });
  server.on('tlsClientError', (err) => emit(errorEvent(err)));
  server.on('error', (err) => {
    emit(errorEvent(err));
    process.exitCode = 2;
    releaseStdin();
  });
  server.listen(cfg.port ?? 0, cfg.host ?? '127.0.0.1', () => {
    const addr = server.address();
    emit({ event: 'listening', port: typeof addr === 'object' && addr !== null ? addr.port : null });
  });
}

function main(): void {
  let cfg: NodeTlsPeerConfig;
  try {
    cfg = parseConfig();
  } catch (err) {
    emit(errorEvent(err));
    process.exitCode = 2;
    return;
  }
  // The parent may close its end of stdout early (a test that failed): report, do not crash.
  process.stdout.on('error', (err) => emit(errorEvent(err)));
  const lifetime = setTimeout(() => {
    emit({ event: 'timeout' });
    process.exit(3);
  }, cfg.maxLifetimeMs ?? 120_000);
  lifetime.unref();
  try {
    if (cfg.role === 'client') runClient(cfg);
    else runServer(cfg);
  } catch (err) {
    // A bad option (unreadable key file, unknown cipher, ...) fails synchronously here.
    emit(errorEvent(err));
    process.exitCode = 2;
    releaseStdin();
  }
}

main();
