import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryPair } from '../helpers/memory-pair.js';
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
