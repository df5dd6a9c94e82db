/**
 * Real TLS peers as child processes for the interop tests: `openssl s_server` / `s_client`
 * (OpenSSL 3.0 CLI), `gnutls-serv` / `gnutls-cli` (GnuTLS 3.7) and node:tls (`node-tls-peer.ts`),
 * all behind one {@link PeerProcess} shape.
 *
 * Every peer keeps its **data channel** (stdin -> TLS, TLS -> stdout, binary-exact) apart from
 * its **diagnostic channel** (stderr, plus the `-msg`/`-trace` file for openssl). What that takes
 * with the OpenSSL 3.0 CLI, found by experiment and proven by `test/interop/harness.test.ts`:
 *
 * - `s_server` must run with `-brief` (or `-quiet`): otherwise it (a) prints its banner, session
 *   details and "DONE" on stdout among the data, and (b) treats every stdin read whose *first
 *   byte* is `Q`, `q`, `r`, `R`, `k`, `K`, `c`, `P`, `S` as a command (quit, renegotiate, key
 *   update, even write clear text onto the socket). Random data hits that within a few reads.
 *   `s_server` has no `-nocommands`; `-brief` turns commands off and prints a short connection
 *   summary on stderr. With `-brief`, stdin EOF makes it send close_notify.
 * - `s_client` runs with `-brief -no_ign_eof -nocommands`: `-brief` silences stdout chatter
 *   (summary goes to stderr), `-nocommands` turns off `Q`/`R`/`k`/`K`, and `-no_ign_eof` makes
 *   stdin EOF send close_notify and exit ("DONE" on stderr) instead of being ignored.
 * - `-msg`/`-trace` output is sent to a temp file with `-msgfile` (it would go to stdout). The
 *   node stdio pipes are socketpairs, so `-msgfile /dev/fd/3` cannot be opened. `-msg` output is
 *   flushed per message; `-trace` output is block-buffered (4 KiB) by OpenSSL and is complete
 *   only once the process has exited normally.
 * - With `-brief`/`-quiet`, `s_server` prints no "ACCEPT" line (it goes to the silenced stdout
 *   BIO), so the ephemeral port cannot be read from it. Instead it listens on `127.0.0.1:0` and the
 *   harness finds the port race-free in `/proc`: the child's socket inodes (`/proc/PID/fd`) matched
 *   against the LISTEN sockets of `/proc/net/tcp`. A socket in LISTEN state already queues
 *   connections, so that is also the readiness signal. (Linux only, like this project's machines.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeTlsPeerConfig, NodeTlsVersion } from './node-tls-peer.js';

export type { NodeTlsVersion } from './node-tls-peer.js';

/** How a peer process ended, as reported by node:child_process. */
export interface PeerExit {
  code: number | null;
  signal: string | null;
}

/** A diagnostic event of a node:tls peer (one JSON line of its stderr). */
export interface PeerEvent {
  event: string;
  [field: string]: unknown;
}

/** A running TLS peer (a child process) with separate data and diagnostic channels. */
export interface PeerProcess {
  /** Short description for messages, e.g. `openssl s_server[1234]`. */
  readonly name: string;
  /** Process id of the child (the openssl / node process itself, not a shell). */
  readonly pid: number;
  /** For servers: the port it listens on (ephemeral, discovered). For clients: the port it connects to. */
  readonly port: number;
  /** Bytes for the peer to send over TLS (written to its stdin). */
  send(data: Uint8Array): void;
  /** Closes the peer's input (stdin EOF): openssl and node:tls then send close_notify. */
  endInput(): void;
  /** Application bytes the peer has received so far (its stdout). */
  received(): Buffer;
  /** Resolves with {@link received} once at least `n` bytes arrived; rejects on timeout or early exit. */
  waitForReceived(n: number, timeoutMs?: number): Promise<Buffer>;
  /** Everything the peer printed that is not data: stderr, then the `-msg`/`-trace` file if any. */
  log(): string;
  /** Resolves with the first match of `re` in {@link log}; rejects on timeout or if the peer exited without it. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The JSON-line events in the log (node:tls peers; always empty for openssl). */
  events(): PeerEvent[];
  /** Resolves with the first event named `name` for which `where` holds (if given). */
  waitForEvent(name: string, where?: (e: PeerEvent) => boolean, timeoutMs?: number): Promise<PeerEvent>;
  /** Settles when the process has exited and its output pipes are drained. */
  readonly exited: Promise<PeerExit>;
  /** True once {@link exited} has settled. */
  hasExited(): boolean;
  /** Kills the peer (SIGTERM, then SIGKILL after a grace period) and waits for it to be gone. */
  stop(): Promise<void>;
}

/** Which protocol-message dump an openssl peer writes to its log. */
export type OpensslDiag = 'msg' | 'trace' | 'none';

/** Options shared by the openssl server and client starters. */
export interface OpensslCommonOptions {
  /** Restrict to one protocol version (`-tls1_2` / `-tls1_3`). */
  version?: '1.2' | '1.3';
  /** `-groups`, colon-separated (e.g. `X25519:P-256`). */
  groups?: string;
  /** `-ciphersuites` (TLS 1.3 suites, colon-separated). */
  ciphersuites?: string;
  /** `-cipher` (TLS 1.2 cipher list). */
  cipher?: string;
  /** `-alpn`, comma-separated protocol list. */
  alpn?: string;
  /** `-sigalgs`, colon-separated. */
  sigalgs?: string;
  /** Protocol dump into the log: `-msg` (default, flushed per message), `-trace` (buffered), or none. */
  diag?: OpensslDiag;
  /** More arguments, appended last. */
  extraArgs?: string[];
}

/** Options of {@link startOpensslServer}. */
export interface OpensslServerOptions extends OpensslCommonOptions {
  /** Path of the PEM certificate (only the first certificate in the file is used). */
  cert: string;
  /** Path of the PEM private key. */
  key: string;
  /** Path of the intermediates to send after `cert` (`-cert_chain`; without the leaf itself). */
  chain?: string;
  /** Connections to serve before exiting (`-naccept`, default 1). */
  naccept?: number;
  /** Path of trust anchors for client certificates; with it, a client certificate is required. */
  verifyCAfile?: string;
  /** How long to wait for the listening socket (default 10 s). */
  timeoutMs?: number;
}

/** Options of {@link startOpensslClient}. */
export interface OpensslClientOptions extends OpensslCommonOptions {
  /** Port on 127.0.0.1 to connect to. */
  port: number;
  /** SNI to send (`-servername`); `false` sends none (`-noservername`); default: openssl's choice (none for an IP). */
  servername?: string | false;
  /** Trust anchors (`-CAfile`); with it, a failed verification aborts (`-verify_return_error`). */
  caFile?: string;
  /** Client certificate and key paths, and intermediates to send with it (`-cert_chain`). */
  cert?: string;
  key?: string;
  chain?: string;
  /**
   * Keep s_client's interactive command letters (`Q` quit, `R` renegotiate, `k`/`K` key update)
   * active: a stdin read starting with one of them is a command, not data. Default false
   * (`-nocommands`); true is for tests that want openssl to key-update or renegotiate on cue.
   */
  commands?: boolean;
}

/** Options shared by the GnuTLS server and client starters. */
export interface GnutlsCommonOptions {
  /**
   * GnuTLS priority string, e.g. `NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM`
   * (default `NORMAL`). {@link gnutlsPriority} builds one from parts.
   */
  priority?: string;
  /** ALPN protocols (`--alpn`, repeated). */
  alpn?: string[];
  /** More arguments, appended last. */
  extraArgs?: string[];
}

/** Options of {@link startGnutlsServer}. */
export interface GnutlsServerOptions extends GnutlsCommonOptions {
  cert: string;
  key: string;
  /** How long to wait for the listening socket (default 10 s). */
  timeoutMs?: number;
}

/** Options of {@link startGnutlsClient}. */
export interface GnutlsClientOptions extends GnutlsCommonOptions {
  /** Port on 127.0.0.1 to connect to. */
  port: number;
  /** SNI to send and the name to verify (`--sni-hostname`, `--verify-hostname`); `false` sends none. */
  servername?: string | false;
  /** Trust anchors (`--x509cafile`); without it the certificate is not checked (`--insecure`). */
  caFile?: string;
  /** Renegotiate right after the handshake (`--rehandshake`). */
  rehandshake?: boolean;
}

/** Options of {@link startNodeTlsServer}. */
export interface NodeTlsServerOptions {
  /** Path of the PEM certificate followed by its intermediates (node:tls sends them all). */
  cert: string;
  key: string;
  ca?: string | string[];
  minVersion?: NodeTlsVersion;
  maxVersion?: NodeTlsVersion;
  ALPNProtocols?: string[];
  ciphers?: string;
  ecdhCurve?: string;
  sigalgs?: string;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  allowHalfOpen?: boolean;
  /** TCP connections to accept before exiting (default 1). */
  connections?: number;
  /** How long to wait for the `listening` event (default 10 s). */
  timeoutMs?: number;
}

/** Options of {@link startNodeTlsClient}. */
export interface NodeTlsClientOptions {
  /** Port on 127.0.0.1 to connect to. */
  port: number;
  servername?: string;
  ALPNProtocols?: string[];
  ca?: string | string[];
  cert?: string;
  key?: string;
  /** Verify the server certificate (node's default: true). */
  rejectUnauthorized?: boolean;
  minVersion?: NodeTlsVersion;
  maxVersion?: NodeTlsVersion;
  ciphers?: string;
  ecdhCurve?: string;
  sigalgs?: string;
  /** Write each session node:tls reports ('session' event) to this file (a `session` event is emitted). */
  sessionOut?: string;
  /** Offer the session stored in this file (node's `session` option). */
  sessionIn?: string;
  allowHalfOpen?: boolean;
}

const DEFAULT_WAIT_MS = 10_000;
/** Grace period between SIGTERM and SIGKILL in {@link PeerProcess.stop}. */
const KILL_GRACE_MS = 2_000;
/** Poll interval for things that give no event: the msg file and /proc. */
const POLL_MS = 20;

const live = new Set<ChildPeer>();
let exitHookInstalled = false;

/** Last resort if a test run ends without `killAllPeers`: no orphan keeps a port or CPU. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) p.killNow('SIGKILL');
  });
}

class ChildPeer implements PeerProcess {
  readonly name: string;
  readonly pid: number;
  port = 0;
  readonly exited: Promise<PeerExit>;
  private readonly child: ChildProcess;
  private chunks: Buffer[] = [];
  private receivedLength = 0;
  private joined: Buffer | undefined;
  private stderrText = '';
  private msgText: string | undefined;
  private readonly msgFile: string | undefined;
  private readonly tempDir: string | undefined;
  private done = false;
  private readonly listeners = new Set<() => void>();

  constructor(label: string, child: ChildProcess, tempDir?: string, msgFile?: string) {
    this.child = child;
    this.pid = child.pid ?? -1;
    this.name = `${label}[${this.pid}]`;
    this.tempDir = tempDir;
    this.msgFile = msgFile;
    child.stdout?.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.receivedLength += d.length;
      this.joined = undefined;
      this.notify();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      this.stderrText += d;
      this.notify();
    });
    // Writing to a peer that already exited gives EPIPE on our side: that is the peer's news to
    // report through `exited`, not a reason to crash the test process.
    child.stdin?.on('error', (err: NodeJS.ErrnoException) => {
      this.stderrText += `[harness] stdin: ${err.code ?? err.message}\n`;
    });
    this.exited = new Promise<PeerExit>((resolve) => {
      // 'close' (not 'exit') so that everything the child wrote has been read.
      child.on('close', (code, signal) => {
        this.done = true;
        live.delete(this);
        this.msgText = this.readMsgFile();
        if (this.tempDir !== undefined) rmSync(this.tempDir, { recursive: true, force: true });
        resolve({ code, signal });
        this.notify();
      });
    });
    child.on('error', (err) => {
      // spawn failure (e.g. no openssl binary): 'close' still follows.
      this.stderrText += `[harness] spawn: ${err.message}\n`;
      this.notify();
    });
    live.add(this);
    installExitHook();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private readMsgFile(): string {
    if (this.msgFile === undefined) return '';
    try {
      return readFileSync(this.msgFile, 'utf8');
    } catch {
      return ''; // not created yet: openssl opens it when it starts up
    }
  }

  send(data: Uint8Array): void {
    const stdin = this.child.stdin;
    if (this.done) throw new Error(`${this.name} has exited; cannot send`);
    if (stdin === null || stdin.destroyed || stdin.writableEnded) {
      throw new Error(`${this.name}: input already closed`);
    }
    stdin.write(data);
  }

  endInput(): void {
    this.child.stdin?.end();
  }

  received(): Buffer {
    if (this.joined === undefined || this.joined.length !== this.receivedLength) {
      this.joined = Buffer.concat(this.chunks, this.receivedLength);
      this.chunks = [this.joined];
    }
    return this.joined;
  }

  log(): string {
    const msg = this.done ? (this.msgText ?? '') : this.readMsgFile();
    return msg === '' ? this.stderrText : `${this.stderrText}${msg}`;
  }

  events(): PeerEvent[] {
    const out: PeerEvent[] = [];
    for (const line of this.stderrText.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const v: unknown = JSON.parse(line);
        if (v !== null && typeof v === 'object' && typeof (v as PeerEvent).event === 'string') out.push(v as PeerEvent);
      } catch {
        // a partial last line or a non-event line: not an event
      }
    }
    return out;
  }

  hasExited(): boolean {
    return this.done;
  }

  /**
   * Waits until `check` returns a value. Re-checks on every output event and on a short poll
   * (the msg file gives no events). Rejects on timeout, or at once if the process has exited and
   * the condition still fails, since nothing can change after that.
   */
  waitFor<T>(what: string, check: () => T | undefined, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let poll: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        clearInterval(poll);
        this.listeners.delete(attempt);
      };
      const attempt = (): void => {
        let v: T | undefined;
        try {
          v = check();
        } catch (err) {
          // e.g. /proc unreadable: fail this wait, never throw from a timer callback.
          finish();
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        if (v !== undefined) {
          finish();
          resolve(v);
        } else if (this.done) {
          finish();
          reject(new Error(`${this.name} exited before ${what}\n${this.describe()}`));
        }
      };
      timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`));
      }, timeoutMs);
      poll = setInterval(attempt, POLL_MS);
      this.listeners.add(attempt);
      attempt();
    });
  }

  /** Received count and the tail of the log, for failure messages. */
  describe(): string {
    const log = this.log();
    const tail = log.length > 3000 ? `...${log.slice(-3000)}` : log;
    return `received ${this.receivedLength} bytes; exit ${this.done ? 'done' : 'pending'}; log:\n${tail}`;
  }

  waitForReceived(n: number, timeoutMs?: number): Promise<Buffer> {
    return this.waitFor(`${n} received bytes`, () => (this.receivedLength >= n ? this.received() : undefined), timeoutMs);
  }

  waitForLog(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
    return this.waitFor(`log ${String(re)}`, () => this.log().match(re) ?? undefined, timeoutMs);
  }

  waitForEvent(name: string, where?: (e: PeerEvent) => boolean, timeoutMs?: number): Promise<PeerEvent> {
    return this.waitFor(
      `event ${name}`,
      () => this.events().find((e) => e.event === name && (where === undefined || where(e))),
      timeoutMs,
    );
  }

  /** Sends a signal without waiting; used by {@link stop} and the process-exit hook. */
  killNow(signal: NodeJS.Signals): void {
    if (this.done) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  async stop(): Promise<void> {
    if (this.done) return;
    this.killNow('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), KILL_GRACE_MS))),
    ]);
    clearTimeout(timer);
    if (!graceful) this.killNow('SIGKILL');
    await this.exited;
  }
}

/**
 * The TCP port of the socket in LISTEN state owned by process `pid`, or 0 if there is none yet.
 * Reads `/proc/PID/fd` for socket inodes and `/proc/net/tcp` for listening sockets (IPv4; the
 * peers only bind 127.0.0.1).
 */
export function findListeningPort(pid: number): number {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 0; // process gone, or not started yet
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m !== null) inodes.add(m[1]!);
    } catch {
      // fd closed while we looked
    }
  }
  if (inodes.size === 0) return 0;
  const table = readFileSync('/proc/net/tcp', 'utf8').split('\n');
  for (const line of table.slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A' /* TCP_LISTEN */ || !inodes.has(f[9]!)) continue;
    const port = parseInt(f[1]!.split(':')[1]!, 16);
    if (port > 0) return port;
  }
  return 0;
}

function commonOpensslArgs(o: OpensslCommonOptions, msgFile: string | undefined): string[] {
  const a: string[] = [];
  if (o.version === '1.2') a.push('-tls1_2');
  else if (o.version === '1.3') a.push('-tls1_3');
  if (o.groups !== undefined) a.push('-groups', o.groups);
  if (o.ciphersuites !== undefined) a.push('-ciphersuites', o.ciphersuites);
  if (o.cipher !== undefined) a.push('-cipher', o.cipher);
  if (o.alpn !== undefined) a.push('-alpn', o.alpn);
  if (o.sigalgs !== undefined) a.push('-sigalgs', o.sigalgs);
  if (msgFile !== undefined) a.push(o.diag === 'trace' ? '-trace' : '-msg', '-msgfile', msgFile);
  return a;
}

/**
 * Spawns a tool directly (no shell, so the pid is the tool's own), with a private temp dir for
 * its log file (openssl's `-msgfile`, gnutls-cli's `--logfile`). `buildArgs` gets the log file
 * path, or undefined when no log file is wanted.
 */
function spawnTool(command: string, label: string, withLog: boolean, buildArgs: (logFile: string | undefined) => string[]): ChildPeer {
  const dir = mkdtempSync(join(tmpdir(), 'typessl-peer-'));
  const logFile = withLog ? join(dir, 'msg.log') : undefined;
  const child = spawn(command, buildArgs(logFile), { stdio: ['pipe', 'pipe', 'pipe'] });
  return new ChildPeer(label, child, dir, logFile);
}

function spawnOpenssl(label: string, diag: OpensslDiag, buildArgs: (msgFile: string | undefined) => string[]): ChildPeer {
  return spawnTool('openssl', label, diag !== 'none', buildArgs);
}

/** Polls until `peer` listens somewhere (returns the port) or gives up. */
async function waitForListening(peer: ChildPeer, timeoutMs: number): Promise<number> {
  return peer.waitFor('a listening socket', () => {
    const port = findListeningPort(peer.pid);
    return port > 0 ? port : undefined;
  }, timeoutMs);
}

/**
 * Starts `openssl s_server` on 127.0.0.1 with an ephemeral port, ready to accept when it resolves.
 * Data: stdin -> TLS, TLS -> stdout. Log: stderr (`-brief` summary, errors) + `-msg`/`-trace`.
 */
export async function startOpensslServer(opts: OpensslServerOptions): Promise<PeerProcess> {
  const peer = spawnOpenssl('openssl s_server', opts.diag ?? 'msg', (msgFile) => {
    const args = ['s_server', '-accept', '127.0.0.1:0', '-cert', opts.cert, '-key', opts.key, '-brief'];
    args.push('-naccept', String(opts.naccept ?? 1));
    if (opts.chain !== undefined) args.push('-cert_chain', opts.chain);
    if (opts.verifyCAfile !== undefined) args.push('-Verify', '4', '-CAfile', opts.verifyCAfile, '-verify_return_error');
    return [...args, ...commonOpensslArgs(opts, msgFile), ...(opts.extraArgs ?? [])];
  });
  try {
    peer.port = await waitForListening(peer, opts.timeoutMs ?? DEFAULT_WAIT_MS);
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return peer;
}

/**
 * Starts `openssl s_client` connecting to 127.0.0.1:`port`. Resolves once the process runs; the
 * handshake is done when its log shows `CONNECTION ESTABLISHED`. stdin EOF sends close_notify.
 */
export async function startOpensslClient(opts: OpensslClientOptions): Promise<PeerProcess> {
  const peer = spawnOpenssl('openssl s_client', opts.diag ?? 'msg', (msgFile) => {
    // Order matters: -no_ign_eof must come after anything that implies -ign_eof (-quiet).
    const args = ['s_client', '-connect', `127.0.0.1:${opts.port}`, '-brief', '-no_ign_eof'];
    if (opts.commands !== true) args.push('-nocommands');
    if (opts.servername === false) args.push('-noservername');
    else if (opts.servername !== undefined) args.push('-servername', opts.servername);
    if (opts.caFile !== undefined) args.push('-CAfile', opts.caFile, '-verify_return_error');
    if (opts.cert !== undefined) args.push('-cert', opts.cert);
    if (opts.key !== undefined) args.push('-key', opts.key);
    if (opts.chain !== undefined) args.push('-cert_chain', opts.chain);
    return [...args, ...commonOpensslArgs(opts, msgFile), ...(opts.extraArgs ?? [])];
  });
  peer.port = opts.port;
  await ensureSpawned(peer);
  return peer;
}

/** Throws (after reaping the child) if the process could not be started at all. */
async function ensureSpawned(peer: ChildPeer): Promise<void> {
  if (peer.pid > 0) return;
  await peer.exited;
  throw new Error(`${peer.name}: could not start\n${peer.describe()}`);
}

/** Parts of a GnuTLS priority string: versions, bulk ciphers, key exchanges and groups. */
export interface GnutlsPriorityParts {
  /** e.g. `['TLS1.2']` or `['TLS1.2', 'TLS1.3']`. */
  versions?: string[];
  /** e.g. `['AES-128-GCM']`, `['CHACHA20-POLY1305']`. */
  ciphers?: string[];
  /** TLS 1.2 key exchanges, e.g. `['ECDHE-ECDSA']`. */
  kx?: string[];
  /** e.g. `['X25519']`, `['SECP256R1']`. */
  groups?: string[];
}

/** A GnuTLS priority string that keeps only the named parts of NORMAL. */
export function gnutlsPriority(p: GnutlsPriorityParts): string {
  let s = 'NORMAL';
  if (p.versions) s += `:-VERS-ALL${p.versions.map((v) => `:+VERS-${v}`).join('')}`;
  if (p.ciphers) s += `:-CIPHER-ALL${p.ciphers.map((c) => `:+${c}`).join('')}`;
  if (p.kx) s += `:-KX-ALL${p.kx.map((k) => `:+${k}`).join('')}`;
  if (p.groups) s += `:-GROUP-ALL${p.groups.map((g) => `:+GROUP-${g}`).join('')}`;
  return s;
}

/**
 * Starts `gnutls-serv --echo` with an ephemeral port (found in /proc, as for s_server). GnuTLS's
 * server has no stdin data channel: it echoes every byte it receives back to the client, so a
 * test checks both directions by comparing what comes back with what it sent. gnutls-serv binds
 * the wildcard address (it has no bind option); tests only ever connect to 127.0.0.1. It serves
 * until stopped.
 */
export async function startGnutlsServer(opts: GnutlsServerOptions): Promise<PeerProcess> {
  const peer = spawnTool('gnutls-serv', 'gnutls-serv', false, () => {
    const args = ['-p', '0', '--echo', '--x509certfile', opts.cert, '--x509keyfile', opts.key, '--priority', opts.priority ?? 'NORMAL'];
    for (const a of opts.alpn ?? []) args.push('--alpn', a);
    return [...args, ...(opts.extraArgs ?? [])];
  });
  try {
    peer.port = await waitForListening(peer, opts.timeoutMs ?? DEFAULT_WAIT_MS);
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return peer;
}

/**
 * Starts `gnutls-cli` connecting to 127.0.0.1:`port`: stdin -> TLS, TLS -> stdout (binary-exact);
 * its informational output goes to a log file (`--logfile`), where "Handshake was completed"
 * marks the handshake. stdin EOF makes it send close_notify and exit.
 */
export async function startGnutlsClient(opts: GnutlsClientOptions): Promise<PeerProcess> {
  const peer = spawnTool('gnutls-cli', 'gnutls-cli', true, (logFile) => {
    const args = ['-p', String(opts.port), '127.0.0.1', '--logfile', logFile!, '--priority', opts.priority ?? 'NORMAL'];
    if (opts.servername === false) args.push('--disable-sni');
    else if (opts.servername !== undefined) args.push('--sni-hostname', opts.servername, '--verify-hostname', opts.servername);
    if (opts.caFile !== undefined) args.push('--x509cafile', opts.caFile);
    else args.push('--insecure');
    if (opts.rehandshake === true) args.push('--rehandshake');
    for (const a of opts.alpn ?? []) args.push('--alpn', a);
    return [...args, ...(opts.extraArgs ?? [])];
  });
  peer.port = opts.port;
  await ensureSpawned(peer);
  return peer;
}

/** Absolute path of the compiled peer program, next to this file in dist/. */
const NODE_PEER_SCRIPT = fileURLToPath(new URL('./node-tls-peer.js', import.meta.url));

function spawnNodePeer(label: string, cfg: NodeTlsPeerConfig): ChildPeer {
  const child = spawn(process.execPath, [NODE_PEER_SCRIPT, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new ChildPeer(label, child);
}

/**
 * Starts a node:tls server on 127.0.0.1 (ephemeral port, reported by the child's `listening`
 * event). stdin feeds the first connection; all received data goes to {@link PeerProcess.received}.
 */
export async function startNodeTlsServer(opts: NodeTlsServerOptions): Promise<PeerProcess> {
  const { timeoutMs, ...rest } = opts;
  const peer = spawnNodePeer('node:tls server', { role: 'server', host: '127.0.0.1', port: 0, ...rest });
  try {
    const ev = await peer.waitForEvent('listening', undefined, timeoutMs ?? DEFAULT_WAIT_MS);
    if (typeof ev.port !== 'number' || ev.port <= 0) throw new Error(`${peer.name}: bad listening event ${JSON.stringify(ev)}`);
    peer.port = ev.port;
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return peer;
}

/** Starts a node:tls client connecting to 127.0.0.1:`port`; its `secure` event marks the handshake. */
export async function startNodeTlsClient(opts: NodeTlsClientOptions): Promise<PeerProcess> {
  const peer = spawnNodePeer('node:tls client', { role: 'client', host: '127.0.0.1', ...opts });
  peer.port = opts.port;
  await ensureSpawned(peer);
  return peer;
}

/** The peers started by this process that are still running. */
export function livePeers(): PeerProcess[] {
  return [...live];
}

/** Stops every peer still running (tests call it in `after`, so failures leave no orphans). */
export async function killAllPeers(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}
