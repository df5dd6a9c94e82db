import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryPair, testCertificate } from '../helpers/memory-pair.js';
import { memoryPairFrom } from '../helpers/resumption.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import { SslContext } from '../../src/ssl/context.js';
import type { Session } from '../../src/ssl/session.js';
import { SSL_ERROR_NONE, SSL_ERROR_WANT_READ, SSL_ERROR_ZERO_RETURN, SSL_RECEIVED_SHUTDOWN, SSL_SENT_SHUTDOWN } from '../../src/ssl/constants.js';

const enc = (s: string) => new TextEncoder().encode(s);

test('Ssl over memory BIOs: handshake, data both ways, bidirectional shutdown', () => {
  const p = memoryPair();
  p.handshake();
  assert.equal(p.client.getVersion(), 'TLSv1.3');
  assert.equal(p.client.write(enc('hello server')), 12);
  p.transfer();
  const buf = new Uint8Array(100);
  const n = p.server.read(buf);
  assert.equal(new TextDecoder().decode(buf.subarray(0, n)), 'hello server');
  assert.equal(p.server.read(buf), -1);
  assert.equal(p.server.getError(-1), SSL_ERROR_WANT_READ);
  assert.equal(p.server.write(enc('hello client')), 12);
  p.transfer();
  assert.equal(p.client.read(buf), 12);
  assert.equal(p.client.shutdown(), 0);
  assert.equal(p.client.getError(0), SSL_ERROR_NONE);
  assert.equal(p.client.getShutdown(), SSL_SENT_SHUTDOWN);
  p.transfer();
  assert.equal(p.server.read(buf), 0);
  assert.equal(p.server.getError(0), SSL_ERROR_ZERO_RETURN);
  assert.equal(p.server.shutdown(), 1);
  assert.equal(p.server.getShutdown(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  p.transfer();
  assert.equal(p.client.shutdown(), 1);
  assert.equal(p.client.getShutdown(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
});

test('getFinished / getPeerFinished hand out copies: writing into one changes nothing the connection keeps', () => {
  const p = memoryPair();
  p.handshake();
  const sent = p.client.getFinished()!;
  assert.deepEqual(sent, p.server.getPeerFinished());
  assert.equal(sent.byteLength, sent.buffer.byteLength, 'not a view of a larger buffer (the connection keeps secrets beside it)');
  sent.fill(0);
  assert.deepEqual(p.client.getFinished(), p.server.getPeerFinished());
  assert.notDeepEqual(p.client.getFinished(), sent);
  const received = p.client.getPeerFinished()!;
  received.fill(0);
  assert.deepEqual(p.client.getPeerFinished(), p.server.getFinished());
  // Data still flows (nothing the record layer uses was touched).
  assert.equal(p.client.write(enc('still fine')), 10);
  p.transfer();
  const buf = new Uint8Array(32);
  assert.equal(p.server.read(buf), 10);
});

test('after their handshakes the connections of one context share one settings object, without the handshake callbacks; sessions and tickets keep the server name sent', () => {
  const cert = testCertificate();
  const serverCtx = new SslContext({ provider: nodeCrypto, certificate: cert.certificatePem, privateKey: cert.privateKeyPem });
  const clientCtx = new SslContext({ provider: nodeCrypto, trustedCertificates: cert.certificatePem });
  const connect = (session: Session | null = null) => {
    const p = memoryPairFrom(clientCtx, serverCtx);
    if (session) p.client.setSession(session);
    p.handshake();
    // The server's tickets come after the handshake: a read takes them in.
    p.client.read(new Uint8Array(1));
    return p;
  };
  const a = connect();
  const b = connect();
  for (const side of ['client', 'server'] as const) {
    const [ca, cb] = [a[side].connection!.config, b[side].connection!.config];
    assert.equal(ca, cb, `${side}: one settings object`);
    assert.equal(ca.verifyPeer, undefined);
    assert.equal(ca.lookupPsk, undefined);
    assert.equal(ca.issueTickets, undefined);
    assert.equal(ca.serverName, undefined);
    assert.ok(Object.isFrozen(ca), `${side}: shared, so frozen`);
  }
  const session = a.client.getSession()!;
  assert.equal(session.serverName, 'localhost');
  assert.ok(session.tickets.length > 0);
  for (const t of session.tickets) assert.equal(t.serverName, 'localhost');
  const resumed = connect(session);
  assert.equal(resumed.client.sessionReused(), true);
});
