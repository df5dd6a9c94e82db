/**
 * What typessl can do today, found out by trying it against node:tls on 127.0.0.1 rather than
 * assumed: a TLS 1.2 handshake in each role (the negotiated version is checked), and a resumed
 * TLS 1.3 handshake as a client. Figures that need a missing capability print "n/a (...)"
 * instead of a number; nothing is ever estimated.
 */
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { SocketBio } from '../src/bio/socket.js';
import { AsyncSsl } from '../src/ssl/async-ssl.js';
import type { SslContext } from '../src/ssl/context.js';
import { Ssl } from '../src/ssl/ssl.js';
import { PAIR_NODE, isTypessl, type Pair, type SuiteId } from './common.js';
import { nodeConnect, nodeClientContext, nodeServerOptions, typesslAccept, typesslClientContext, typesslConnect, typesslServerContext, type BenchConn, type Credentials } from './endpoints.js';

export interface Capabilities {
  tls12Client: boolean;
  tls12Server: boolean;
  /** TLS 1.3 resumption (typessl client against node:tls). */
  resumption: boolean;
  /** TLS 1.2 resumption (typessl client against node:tls). */
  resumption12: boolean;
}

const TLS12: SuiteId = 'tls12-ecdhe-ecdsa-aes128gcm';
const TLS13: SuiteId = 'tls13-aes128gcm';
const PROBE_TIMEOUT_MS = 5000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** A node:tls server that sends one byte after each handshake; the sockets are tracked for cleanup. */
async function nodeServer(suite: SuiteId, creds: Credentials): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(nodeServerOptions(suite, creds), (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.write('a');
  });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Whether a connection made by `connect` completes and negotiates TLS 1.2 (false on any failure). */
async function negotiatesTls12(connect: () => Promise<BenchConn>, what: string): Promise<boolean> {
  try {
    const c = await withTimeout(connect(), what);
    const ok = c.version === 'TLSv1.2';
    c.destroy();
    return ok;
  } catch {
    return false;
  }
}

async function probeTls12Client(creds: Credentials): Promise<boolean> {
  const srv = await nodeServer(TLS12, creds);
  try {
    return await negotiatesTls12(() => typesslConnect(typesslClientContext(TLS12, creds), srv.port), 'TLS 1.2 client probe');
  } finally {
    srv.close();
  }
}

async function probeTls12Server(creds: Credentials): Promise<boolean> {
  const ctx = typesslServerContext(TLS12, creds);
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => {});
    typesslAccept(ctx, s).catch(() => s.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    return await negotiatesTls12(() => nodeConnect(nodeClientContext(TLS12, creds), (server.address() as net.AddressInfo).port), 'TLS 1.2 server probe');
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}

/**
 * A typessl client handshake on a fresh socket; `prepare` may set a session first. Returns the Ssl
 * after one server byte, and with `waitForTickets` once the session is resumable.
 */
async function typesslClientOnce(ctx: SslContext, port: number, prepare: (ssl: Ssl) => void, waitForTickets: boolean): Promise<{ ssl: Ssl; socket: net.Socket }> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  const ssl = new Ssl(ctx);
  ssl.setConnectState();
  ssl.setServerName('localhost');
  prepare(ssl);
  const a = new AsyncSsl(ssl, new SocketBio(socket));
  try {
    await a.handshake();
    await a.read(1);
    if (!waitForTickets) return { ssl, socket };
    // node:tls sends its tickets after that byte: go on reading until the session is resumable
    // (onStep sees each record the pending read processes), or give up after a while.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, PROBE_TIMEOUT_MS / 2);
      const check = (): void => {
        if (ssl.getSession()?.isResumable()) {
          clearTimeout(timer);
          resolve();
        }
      };
      a.onStep = check;
      check();
      a.read(1).catch(() => {});
    });
    a.onStep = null;
    // close_notify before the caller destroys the socket: otherwise the pending read fails with an
    // alert when the transport goes, and a fatal alert evicts the session (S-48).
    if (ssl.getSession()?.isResumable()) await a.shutdown();
    return { ssl, socket };
  } catch (e) {
    socket.destroy();
    throw e;
  }
}

async function probeResumption(creds: Credentials, suite: SuiteId): Promise<boolean> {
  const srv = await nodeServer(suite, creds);
  const ctx = typesslClientContext(suite, creds);
  try {
    const first = await withTimeout(typesslClientOnce(ctx, srv.port, () => {}, true), 'resumption probe (first)');
    const session = first.ssl.getSession();
    first.socket.destroy();
    if (!session) return false;
    const second = await withTimeout(
      typesslClientOnce(
        ctx,
        srv.port,
        (ssl) => {
          ssl.setSession(session);
        },
        false,
      ),
      'resumption probe (second)',
    );
    const reused = second.ssl.sessionReused();
    second.socket.destroy();
    return reused;
  } catch {
    return false;
  } finally {
    srv.close();
  }
}

export async function probeCapabilities(creds: Credentials): Promise<Capabilities> {
  return {
    tls12Client: await probeTls12Client(creds),
    tls12Server: await probeTls12Server(creds),
    resumption: await probeResumption(creds, TLS13),
    resumption12: await probeResumption(creds, TLS12),
  };
}

export const TLS12_MISSING = 'n/a (TLS 1.2 not implemented yet)';
export const RESUMPTION_MISSING = 'n/a (session resumption not implemented yet)';

/** Why resumed handshakes of a suite cannot be measured with typessl, or null. */
export function resumptionUnsupportedFor(caps: Capabilities): (suite: SuiteId) => string | null {
  return (suite) => ((suite === TLS12 ? caps.resumption12 : caps.resumption) ? null : RESUMPTION_MISSING);
}

/** The reason a (suite, pair) cannot be measured, or null. */
export function unsupportedFor(caps: Capabilities): (suite: SuiteId, pair: Pair) => string | null {
  return (suite, pair) => {
    if (suite !== TLS12 || pair === PAIR_NODE) return null;
    if (isTypessl(pair.client) && !caps.tls12Client) return TLS12_MISSING;
    if (isTypessl(pair.server) && !caps.tls12Server) return TLS12_MISSING;
    return null;
  };
}
