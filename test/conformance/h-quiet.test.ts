/**
 * Section H of the shutdown contract: quiet shutdown (S-43 .. S-45).
 */
import assert from 'node:assert/strict';
import { SSL_ERROR_NONE, SSL_ERROR_SSL, SSL_RECEIVED_SHUTDOWN, SSL_SENT_SHUTDOWN } from '../../src/ssl/constants.js';
import { Ssl } from '../../src/ssl/ssl.js';
import { alertTrace, assertFailure, enc, makePair, quiet, readAll, vtest } from './harness.js';

const BOTH = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;

vtest("S-43: the context's quiet setting is copied at new(); setQuietShutdown() on the Ssl overrides it; clear() keeps it", (version) => {
  const p = makePair({ version, client: { quietShutdown: true } });
  assert.equal(p.clientCtx.getQuietShutdown(), true);
  assert.equal(p.client.getQuietShutdown(), true, 'copied from the context option');
  p.clientCtx.setQuietShutdown(false);
  assert.equal(p.client.getQuietShutdown(), true, 'a later change to the context does not reach an existing Ssl');
  assert.equal(new Ssl(p.clientCtx).getQuietShutdown(), false, 'but new ones copy it');
  p.clientCtx.setQuietShutdown(1);
  assert.equal(new Ssl(p.clientCtx).getQuietShutdown(), true, '0/1 as in C');
  p.client.setQuietShutdown(false);
  assert.equal(p.client.getQuietShutdown(), false);
  p.client.setQuietShutdown(true);
  assert.equal(p.client.clear(), 1);
  assert.equal(p.client.getQuietShutdown(), true, 'clear() keeps it');
  // And it takes effect: after clear() the same object connects again and closes quietly.
  p.handshake();
  assert.equal(p.client.shutdown(), 1);
});

vtest('S-44: quiet shutdown sets both flags, sends nothing and returns 1; the peer then sees an unexpected EOF', (version) => {
  const p = quiet({ version });
  const alerts = alertTrace(p.client);
  p.client.write(enc('before'));
  p.toServer();
  p.client.setQuietShutdown(true);
  assert.equal(p.client.shutdown(), 1);
  assert.equal(p.client.getError(1), SSL_ERROR_NONE);
  assert.equal(p.client.getShutdown(), BOTH);
  assert.equal(p.clientOut.pending(), 0, 'no close_notify');
  assert.deepEqual(alerts, []);
  assert.equal(p.client.shutdown(), 1, 'and again');
  p.serverIn.setEofReturn(0);
  const { text, last } = readAll(p.server);
  assert.equal(text, 'before');
  assertFailure(p.server, last, SSL_ERROR_SSL, 'SSL_R_UNEXPECTED_EOF_WHILE_READING', (r) => r <= 0);
});

vtest('S-45: quiet mode does not avoid the in-init error: shutdown() during the handshake is still SSL_R_SHUTDOWN_WHILE_IN_INIT', (version) => {
  const p = makePair({ version, client: { quietShutdown: true }, server: { quietShutdown: true } });
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
  p.client.connect();
  p.toServer();
  p.server.accept();
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
  assertFailure(p.server, p.server.shutdown(), SSL_ERROR_SSL, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
  assert.equal(p.client.getShutdown() | p.server.getShutdown(), 0);
});
