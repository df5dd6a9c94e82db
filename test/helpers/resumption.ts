/**
 * Shared pieces of the resumption tests: long-lived client and server contexts, one whole
 * connection over memory BIOs (handshake, data, bidirectional close), and the checks that a
 * connection was or was not resumed.
 */
import assert from 'node:assert/strict';
import { MemoryBio } from '../../src/bio/memory.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import type { TraceEvent } from '../../src/engine/connection.js';
import { SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE } from '../../src/ssl/constants.js';
import { SslContext, type SslContextOptions } from '../../src/ssl/context.js';
import type { Session } from '../../src/ssl/session.js';
import { Ssl } from '../../src/ssl/ssl.js';
import { HandshakeType } from '../../src/wire/enums.js';
import { testCertificate } from './memory-pair.js';

/** A client and a server context that connections are made from, like two long-lived processes. */
export function contexts(clientOpts: SslContextOptions = {}, serverOpts: SslContextOptions = {}): { clientCtx: SslContext; serverCtx: SslContext } {
  const cert = testCertificate();
  return {
    serverCtx: new SslContext({ provider: nodeCrypto, certificate: cert.certificatePem, privateKey: cert.privateKeyPem, ...serverOpts }),
    clientCtx: new SslContext({ provider: nodeCrypto, trustedCertificates: cert.certificatePem, ...clientOpts }),
  };
}

export interface Run {
  client: Ssl;
  server: Ssl;
  /** Handshake message types each side received. */
  clientSaw: number[];
  serverSaw: number[];
}

/**
 * One connection over memory BIOs: handshake, one message each way, bidirectional close_notify
 * (so the client reads the tickets, S-20), free(). `session` is offered by the client.
 */
export function connectOnce(
  clientCtx: SslContext,
  serverCtx: SslContext,
  session: Session | null = null,
  serverName = 'localhost',
  options: { serverSkipsShutdown?: boolean } = {},
): Run {
  const client = new Ssl(clientCtx);
  const server = new Ssl(serverCtx);
  const c2s = new MemoryBio();
  const s2c = new MemoryBio();
  client.setBio(s2c, c2s);
  server.setBio(c2s, s2c);
  client.setConnectState();
  server.setAcceptState();
  client.setServerName(serverName);
  if (session) client.setSession(session);
  const clientSaw: number[] = [];
  const serverSaw: number[] = [];
  const watch = (into: number[]) => (e: TraceEvent) => {
    if (e.direction === 'received' && e.content === 'handshake' && e.code !== undefined) into.push(e.code);
  };
  client.setTrace(watch(clientSaw));
  server.setTrace(watch(serverSaw));
  let c = 0;
  let s = 0;
  for (let i = 0; i < 20 && (c !== 1 || s !== 1); i++) {
    if (c !== 1) c = client.doHandshake();
    if (s !== 1) s = server.doHandshake();
    for (const [ssl, r] of [[client, c], [server, s]] as const) {
      if (r !== 1) {
        const e = ssl.getError(r);
        if (e !== SSL_ERROR_WANT_READ && e !== SSL_ERROR_WANT_WRITE) throw new Error(`handshake failed: ${JSON.stringify(ssl.getErrorInfo())}`);
      }
    }
  }
  assert.equal(c, 1, 'client handshake');
  assert.equal(s, 1, 'server handshake');
  const buf = new Uint8Array(64);
  assert.equal(client.write(new TextEncoder().encode('ping')), 4);
  assert.equal(server.read(buf), 4);
  assert.equal(server.write(new TextEncoder().encode('pong')), 4);
  assert.equal(client.read(buf), 4);
  if (options.serverSkipsShutdown) {
    // The client still reads the tickets (S-20) while its close_notify goes unanswered.
    assert.equal(client.shutdown(), 0);
    assert.equal(client.shutdown(), -1);
  } else {
    assert.equal(client.shutdown(), 0);
    assert.equal(server.shutdown(), 0);
    assert.equal(server.shutdown(), 1);
    assert.equal(client.shutdown(), 1);
  }
  return { client, server, clientSaw, serverSaw };
}

export function assertResumed(run: Run): void {
  assert.equal(run.client.sessionReused(), true, 'client says resumed');
  assert.equal(run.server.sessionReused(), true, 'server says resumed');
  assert.ok(!run.clientSaw.includes(HandshakeType.certificate), 'no Certificate reached the client');
  assert.ok(!run.clientSaw.includes(HandshakeType.certificate_verify), 'no CertificateVerify reached the client');
}

export function assertFull(run: Run): void {
  assert.equal(run.client.sessionReused(), false);
  assert.equal(run.server.sessionReused(), false);
  assert.ok(run.clientSaw.includes(HandshakeType.certificate));
}

/** A memory pair over existing contexts (the shared helper makes its own). */
export function memoryPairFrom(clientCtx: SslContext, serverCtx: SslContext) {
  const client = new Ssl(clientCtx);
  const server = new Ssl(serverCtx);
  const clientIn = new MemoryBio();
  const serverIn = new MemoryBio();
  client.setBio(clientIn, serverIn);
  server.setBio(serverIn, clientIn);
  client.setConnectState();
  server.setAcceptState();
  client.setServerName('localhost');
  return {
    client,
    server,
    clientIn,
    serverIn,
    handshake(): void {
      let c = 0;
      let s = 0;
      for (let i = 0; i < 20 && (c !== 1 || s !== 1); i++) {
        if (c !== 1) c = client.doHandshake();
        if (s !== 1) s = server.doHandshake();
      }
      assert.equal(c, 1);
      assert.equal(s, 1);
    },
  };
}
