/**
 * Section K of the shutdown contract: what WANT_READ / WANT_WRITE ask of the caller for each BIO
 * kind, and how a harness simulates a closed transport (S-60, S-61).
 */
import assert from 'node:assert/strict';
import { BIO_EOF, BIO_RETRY } from '../../src/bio/bio.js';
import { MemoryBio } from '../../src/bio/memory.js';
import { BioPair } from '../../src/bio/pair.js';
import { SSL_ERROR_NONE, SSL_ERROR_SSL, SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE, SSL_ERROR_ZERO_RETURN } from '../../src/ssl/constants.js';
import { asyncPair } from './async-pair.js';
import { assertFailure, dec, enc, quiet, readAll, vtest } from './harness.js';

vtest('S-60: socket BIO: on WANT_READ wait until the socket is readable, then repeat the same call', async (version) => {
  const a = await asyncPair(version);
  try {
    const ssl = a.client.ssl;
    const buf = new Uint8Array(64);
    assertFailure(ssl, ssl.read(buf), SSL_ERROR_WANT_READ, null);
    await a.server.write(enc('over tcp'));
    let n = ssl.read(buf);
    while (n < 0 && ssl.getError(n) === SSL_ERROR_WANT_READ) {
      await a.client.bio.waitReadable();
      n = ssl.read(buf);
    }
    assert.equal(dec(buf.subarray(0, n)), 'over tcp');
    // The same for the second stage of shutdown().
    assert.equal(ssl.shutdown(), 0);
    assert.equal(await a.server.read(), null);
    await a.server.shutdown();
    let r = ssl.shutdown();
    while (r < 0 && ssl.getError(r) === SSL_ERROR_WANT_READ) {
      await a.client.bio.waitReadable();
      r = ssl.shutdown();
    }
    assert.equal(r, 1);
  } finally {
    a.close();
  }
});

vtest('S-60: BIO pair: data must be moved out of the pair before the peer can go on; a full pair buffer is WANT_WRITE', (version) => {
  const p = quiet({ version });
  const pair = new BioPair(64); // a small buffer per direction
  const app = pair.b; // the application's (network) half
  p.client.setBio(pair.a);
  const pump = (): void => {
    // network half -> server, server -> network half
    for (let chunk = app.read(1 << 16); typeof chunk !== 'number'; chunk = app.read(1 << 16)) p.serverIn.inject(chunk);
    const back = p.serverOut.drain();
    let at = 0;
    while (at < back.length) {
      const n = app.write(back.subarray(at));
      assert.ok(n > 0, 'the pair takes the server bytes');
      at += n;
    }
  };
  // A write bigger than the pair's buffer: WANT_WRITE until the application drains the pair.
  const data = enc('x'.repeat(1000));
  let r = p.client.write(data);
  let retries = 0;
  while (r < 0) {
    assert.equal(p.client.getError(r), SSL_ERROR_WANT_WRITE);
    assert.equal(pair.a.writeGuarantee(), 0, 'the pair is full');
    pump();
    retries++;
    r = p.client.write(data); // the same call, repeated with the same data
  }
  assert.equal(r, 1000);
  assert.ok(retries > 5, 'many rounds through a 64-byte buffer');
  pump();
  assert.equal(readAll(p.server).text, 'x'.repeat(1000));
  // close_notify waits in the pair until the application moves it.
  assert.equal(p.client.shutdown(), 0);
  assert.ok(app.pending() > 0, 'the close_notify is in the pair');
  assertFailure(p.server, p.server.read(new Uint8Array(4)), SSL_ERROR_WANT_READ, null);
  pump();
  assert.equal(p.server.read(new Uint8Array(4)), 0);
  assert.equal(p.server.getError(0), SSL_ERROR_ZERO_RETURN);
  assert.equal(p.server.shutdown(), 1);
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_WANT_READ, null);
  pump();
  assert.equal(p.client.shutdown(), 1);
});

vtest('S-61: memory BIO: empty means retry by default; BIO_set_mem_eof_return(0) makes it a closed transport', (version) => {
  const bio = new MemoryBio();
  assert.equal(bio.read(10), BIO_RETRY);
  bio.write(enc('ab'));
  bio.setEofReturn(0);
  assert.equal(dec(bio.read(10) as Uint8Array), 'ab', 'data first');
  assert.equal(bio.read(10), BIO_EOF);
  bio.setEofReturn(-1);
  assert.equal(bio.read(10), BIO_RETRY);
  // Through an Ssl: WANT_READ, then UNEXPECTED_EOF once the harness sets eof_return 0.
  const p = quiet({ version });
  const rbio = new MemoryBio();
  p.client.setBio(rbio, p.clientOut);
  for (let i = 0; i < 3; i++) assertFailure(p.client, p.client.read(new Uint8Array(4)), SSL_ERROR_WANT_READ, null);
  rbio.setEofReturn(0);
  assertFailure(p.client, p.client.read(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_UNEXPECTED_EOF_WHILE_READING', (r) => r <= 0);
  assert.notEqual(p.client.getError(0), SSL_ERROR_NONE);
});
