/**
 * One connection interface over both implementations, so every benchmark task is written once and
 * runs the same way on node:tls and on typessl (AsyncSsl over a SocketBio).
 */
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { nodeCrypto } from '../src/crypto/node.js';
import { portableCrypto } from '../src/crypto/portable.js';
import { SocketBio } from '../src/bio/socket.js';
import { AsyncSsl } from '../src/ssl/async-ssl.js';
import { SslContext, type SslContextOptions } from '../src/ssl/context.js';
import { Ssl } from '../src/ssl/ssl.js';
import { floorConnect, floorListen } from './bulk-floor.js';
import { suiteSpec, type Impl, type SuiteId } from './common.js';

/** Certificate and key of the benchmark server (ECDSA P-256, self-signed for "localhost"). */
export interface Credentials {
  certPem: string;
  keyPem: string;
}

/** What a benchmark task does with one established connection. */
export interface BenchConn {
  /** Negotiated protocol version, e.g. 'TLSv1.3'. */
  readonly version: string;
  /** Negotiated cipher suite, OpenSSL's name (the IANA name for TLS 1.3), e.g. 'TLS_AES_128_GCM_SHA256'. */
  readonly cipher: string;
  /** Key exchange group in lower case, e.g. 'x25519' ('unknown' where the side cannot tell: a node:tls server). */
  readonly group: string;
  /**
   * Queues bytes for sending; returns false when the caller should wait for `drained()` before
   * queueing more (as `stream.write` does).
   */
  send(data: Uint8Array): boolean;
  /** Resolves when the queued bytes have gone below the high-water mark again. */
  drained(): Promise<void>;
  /** Consumes everything received, reporting chunk sizes; resolves at the peer's close or on an error. */
  consume(onBytes: (n: number) => void): Promise<void>;
  /** Tears the connection down at once. */
  destroy(): void;
}

/** Bytes a typessl sender keeps queued before it waits, like a stream's writableHighWaterMark. */
const SEND_HIGH_WATER_MARK = 256 * 1024;

// ------------------------------------------------------------------ typessl

/** typessl context options for a suite; TLS 1.2 settings are passed as the version work defines them. */
export function typesslOptions(suite: SuiteId, impl: Impl): SslContextOptions {
  const s = suiteSpec(suite);
  // X25519 first (the key share every handshake uses); P-256 listed too because a TLS 1.2 server
  // with a P-256 certificate needs the client to name that curve (RFC 8422 5.1).
  const base: SslContextOptions = { provider: impl === 'typessl-portable' ? portableCrypto : nodeCrypto, groups: 'X25519:P-256' };
  if (s.version === 'TLSv1.3') return { ...base, ciphersuites: s.openSslName };
  // The probe in capabilities.ts also checks the negotiated version, so a TLS 1.2 figure is
  // always a real TLS 1.2 connection.
  return { ...base, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', cipherList: s.openSslName };
}

export function typesslServerContext(suite: SuiteId, creds: Credentials, impl: Impl = 'typessl'): SslContext {
  return new SslContext({ ...typesslOptions(suite, impl), certificate: creds.certPem, privateKey: creds.keyPem });
}

export function typesslClientContext(suite: SuiteId, creds: Credentials, impl: Impl = 'typessl'): SslContext {
  return new SslContext({ ...typesslOptions(suite, impl), trustedCertificates: creds.certPem });
}

/** The `last` write of a connection that has written nothing: one settled promise for all, so an idle connection's figure carries no promise of the harness's own. */
const NO_WRITES: Promise<void> = Promise.resolve();

class TypesslConn implements BenchConn {
  /** The promise of the latest write (writes settle in call order, so it settling means all have). */
  private last: Promise<void> = NO_WRITES;
  private lastHandled: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    readonly ssl: AsyncSsl,
    readonly socket: net.Socket,
  ) {}

  get version(): string {
    return this.ssl.ssl.getVersion();
  }

  get cipher(): string {
    return this.ssl.ssl.getCipherName() ?? 'none';
  }

  get group(): string {
    return this.ssl.ssl.getGroupName()?.toLowerCase() ?? 'unknown';
  }

  send(data: Uint8Array): boolean {
    if (this.failure) throw this.failure;
    const p = this.ssl.write(data);
    // Coalesced writes share one promise: watch each distinct one once.
    if (p !== this.lastHandled) {
      this.lastHandled = p;
      this.last = p.catch((e: unknown) => {
        this.failure ??= e;
      });
    }
    return this.ssl.writeQueueLength < SEND_HIGH_WATER_MARK;
  }

  async drained(): Promise<void> {
    await this.last;
    if (this.failure) throw this.failure;
  }

  async consume(onBytes: (n: number) => void): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.ssl.read();
        if (chunk === null) return;
        onBytes(chunk.length);
      }
    } catch {
      // The peer went away (benchmarks end connections abruptly); nothing to report.
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export async function typesslConnect(ctx: SslContext, port: number): Promise<BenchConn> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.setNoDelay(true);
  const ssl = await AsyncSsl.connect(ctx, socket, { servername: 'localhost' });
  return new TypesslConn(ssl, socket);
}

export async function typesslAccept(ctx: SslContext, socket: net.Socket): Promise<BenchConn> {
  socket.setNoDelay(true);
  const ssl = await AsyncSsl.accept(ctx, socket);
  return new TypesslConn(ssl, socket);
}

/** A plain TCP server whose connections are handed to `onSocket` (typessl does the TLS). */
export function typesslListen(onSocket: (s: net.Socket) => void): net.Server {
  return net.createServer({ allowHalfOpen: true }, onSocket);
}

// ------------------------------------------------------------------ node:tls

function nodeVersionOptions(suite: SuiteId): tls.SecureContextOptions {
  const s = suiteSpec(suite);
  // node:tls takes TLS 1.3 suites in `ciphers` too (names beginning with TLS_ go to OpenSSL's
  // SSL_CTX_set_ciphersuites). It has no `ciphersuites` option: one passed here is ignored, and
  // both TLS 1.3 figures then ran node:tls on its default first choice, TLS_AES_256_GCM_SHA384.
  // requireSuite checks every measured connection so that cannot happen unseen again.
  return { minVersion: s.version, maxVersion: s.version, ciphers: s.openSslName, ecdhCurve: 'X25519:P-256' };
}

/** One shared client SecureContext, as an application would keep (node's fast path). */
export function nodeClientContext(suite: SuiteId, creds: Credentials): tls.SecureContext {
  return tls.createSecureContext({ ...nodeVersionOptions(suite), ca: creds.certPem });
}

export function nodeServerOptions(suite: SuiteId, creds: Credentials): tls.TlsOptions {
  return { ...nodeVersionOptions(suite), cert: creds.certPem, key: creds.keyPem };
}

class NodeConn implements BenchConn {
  constructor(readonly socket: tls.TLSSocket) {}

  get version(): string {
    return this.socket.getProtocol() ?? 'unknown';
  }

  get cipher(): string {
    return this.socket.getCipher()?.name ?? 'none';
  }

  get group(): string {
    // getEphemeralKeyInfo() describes the key exchange on the client side only ({} on a server).
    const info = this.socket.getEphemeralKeyInfo() as { name?: string } | null;
    return info?.name?.toLowerCase() ?? 'unknown';
  }

  send(data: Uint8Array): boolean {
    return this.socket.write(data);
  }

  async drained(): Promise<void> {
    if (this.socket.writableNeedDrain) await once(this.socket, 'drain');
  }

  consume(onBytes: (n: number) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      this.socket.on('data', (chunk: Buffer) => onBytes(chunk.length));
      this.socket.once('end', resolve);
      this.socket.once('close', resolve);
      this.socket.once('error', () => resolve());
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function nodeConnect(secureContext: tls.SecureContext, port: number): Promise<BenchConn> {
  return new Promise<BenchConn>((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, secureContext, servername: 'localhost' });
    socket.setNoDelay(true);
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      resolve(new NodeConn(socket));
    });
    socket.once('error', reject);
  });
}

export function nodeListen(suite: SuiteId, creds: Credentials, onConn: (c: BenchConn) => void): tls.Server {
  const server = tls.createServer(nodeServerOptions(suite, creds), (socket) => {
    socket.setNoDelay(true);
    onConn(new NodeConn(socket));
  });
  // Handshake failures of benchmark clients that went away are not the server's concern.
  server.on('tlsClientError', () => {});
  return server;
}

// ------------------------------------------------------------------ resumption

/** How long a resuming client waits for the tickets of its first connection. */
const TICKET_WAIT_MS = 5000;

/**
 * A client that resumes: `prime()` makes one full handshake and keeps its session (waiting for
 * the server's tickets, which node:tls sends after its first application data); each `connect()`
 * then offers that session, and says whether the server resumed it.
 */
export interface ResumingClient {
  prime(): Promise<void>;
  connect(): Promise<{ conn: BenchConn; reused: boolean }>;
}

function ticketTimeout(what: string): Error {
  return new Error(`${what}: no resumable session within ${TICKET_WAIT_MS} ms`);
}

function typesslResumingClient(suite: SuiteId, creds: Credentials, impl: Impl, port: number): ResumingClient {
  const ctx = typesslClientContext(suite, creds, impl);
  // The session as stored bytes, read back for every connection, as node:tls does with its
  // session Buffer. (One shared Session object would be closer to OpenSSL's SSL_SESSION, which a
  // TLS 1.2 connection closed without close_notify marks not resumable (S-46), like the bench's
  // destroyed sockets; node's Buffer copies never see that.)
  let stored: Uint8Array | null = null;
  const open = async (): Promise<{ a: AsyncSsl; socket: net.Socket }> => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    socket.setNoDelay(true);
    const ssl = new Ssl(ctx);
    ssl.setConnectState();
    ssl.setServerName('localhost');
    if (stored) ssl.setSession(ctx.sessionFromBytes(stored));
    const a = new AsyncSsl(ssl, new SocketBio(socket));
    try {
      await a.handshake();
    } catch (e) {
      socket.destroy();
      throw e;
    }
    return { a, socket };
  };
  return {
    async prime() {
      const { a, socket } = await open();
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(ticketTimeout('typessl client')), TICKET_WAIT_MS);
          const check = (): void => {
            if (a.ssl.getSession()?.isResumable()) {
              clearTimeout(timer);
              resolve();
            }
          };
          // The pending reads process the tickets as they come; onStep sees each one.
          a.onStep = check;
          check();
          void (async () => {
            while (!a.ssl.getSession()?.isResumable()) if ((await a.read()) === null) break;
          })().catch(() => {});
        });
        stored = ctx.sessionToBytes(a.ssl.getSession()!);
        // Our close_notify first: a transport that just goes away would fail the pending read with
        // an alert, and a fatal alert evicts the session (S-48), as in OpenSSL.
        a.onStep = null;
        await a.shutdown();
      } finally {
        a.onStep = null;
        socket.destroy();
      }
    },
    async connect() {
      const { a, socket } = await open();
      return { conn: new TypesslConn(a, socket), reused: a.ssl.sessionReused() };
    },
  };
}

function nodeResumingClient(suite: SuiteId, creds: Credentials, port: number): ResumingClient {
  const secureContext = nodeClientContext(suite, creds);
  let session: Buffer | null = null;
  /** The latest session of the connection being primed (TLS 1.2 sessions come during the handshake). */
  let latest: Buffer | null = null;
  const open = (): Promise<tls.TLSSocket> =>
    new Promise<tls.TLSSocket>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, secureContext, servername: 'localhost', ...(session && { session }) });
      socket.on('session', (s: Buffer) => {
        latest = s;
      });
      socket.setNoDelay(true);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  return {
    async prime() {
      const socket = await open();
      try {
        session = await new Promise<Buffer>((resolve, reject) => {
          // A TLS 1.2 session arrives during the handshake, before 'secureConnect'; TLS 1.3
          // tickets after it.
          if (latest) return resolve(latest);
          const timer = setTimeout(() => reject(ticketTimeout('node:tls client')), TICKET_WAIT_MS);
          socket.once('session', (s: Buffer) => {
            clearTimeout(timer);
            resolve(s);
          });
          socket.on('data', () => {});
          socket.on('error', () => {});
        });
      } finally {
        socket.destroy();
      }
    },
    async connect() {
      const socket = await open();
      return { conn: new NodeConn(socket), reused: socket.isSessionReused() };
    },
  };
}

/** A resuming client of one implementation (see ResumingClient). */
export function resumingClient(impl: Impl, suite: SuiteId, creds: Credentials, port: number): ResumingClient {
  if (impl === 'floor') throw new Error('the bulk floor has no handshake to resume');
  const client = impl === 'node' ? nodeResumingClient(suite, creds, port) : typesslResumingClient(suite, creds, impl, port);
  return {
    prime: () => client.prime(),
    async connect() {
      const { conn, reused } = await client.connect();
      // A resumed TLS 1.2 handshake has no key exchange (RFC 5246 7.3); TLS 1.3 resumption
      // does one (psk_dhe_ke).
      return { conn: requireSuite(conn, suite, !(reused && suiteSpec(suite).version === 'TLSv1.2')), reused };
    },
  };
}

// ------------------------------------------------------------------ both

/** The key exchange every figure names (the "ECDSA P-256 certificate, X25519"). */
export const BENCH_GROUP = 'x25519';

/**
 * `conn` (a client's), once it is known to have negotiated the version, suite and key exchange its
 * figure is labelled with; otherwise it is closed and an error says what was negotiated instead. A
 * figure must never quietly measure something else (one did: see nodeVersionOptions).
 * `keyExchange` false: the handshake had none to check (a resumed TLS 1.2 session).
 */
export function requireSuite(conn: BenchConn, suite: SuiteId, keyExchange = true): BenchConn {
  const s = suiteSpec(suite);
  if (conn.version !== s.version || conn.cipher !== s.openSslName || (keyExchange && conn.group !== BENCH_GROUP)) {
    // Read before destroy(): a destroyed node:tls socket no longer reports what it negotiated.
    const message = `benchmark connection negotiated ${conn.version} ${conn.cipher} over ${conn.group}, not ${s.version} ${s.openSslName} over ${BENCH_GROUP}`;
    conn.destroy();
    throw new Error(message);
  }
  return conn;
}

/** A client factory bound to one implementation, suite and port, with its shared context made once; every connection is checked with requireSuite. */
export function clientFactory(impl: Impl, suite: SuiteId, creds: Credentials, port: number): () => Promise<BenchConn> {
  // The floor is no TLS connection (it seals with the suite's AEAD itself): nothing to negotiate.
  if (impl === 'floor') return () => floorConnect(suite, port);
  if (impl === 'node') {
    const ctx = nodeClientContext(suite, creds);
    return async () => requireSuite(await nodeConnect(ctx, port), suite);
  }
  const ctx = typesslClientContext(suite, creds, impl);
  return async () => requireSuite(await typesslConnect(ctx, port), suite);
}

/** Starts a server of one implementation on 127.0.0.1 (ephemeral port); every established connection goes to `onConn`. */
export async function startServer(impl: Impl, suite: SuiteId, creds: Credentials, onConn: (c: BenchConn) => void): Promise<{ server: net.Server; port: number }> {
  let server: net.Server;
  if (impl === 'floor') {
    server = floorListen(suite, onConn);
  } else if (impl === 'node') {
    server = nodeListen(suite, creds, onConn);
  } else {
    const ctx = typesslServerContext(suite, creds, impl);
    server = typesslListen((socket) => {
      socket.on('error', () => {});
      typesslAccept(ctx, socket).then(onConn, () => socket.destroy());
    });
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port };
}
