/**
 * record_size_limit (RFC 8449) in both directions and both versions: a limit we advertise and the
 * peer accepts shapes what the peer sends, and a peer that ignores it gets record_overflow; a
 * limit the peer advertises shapes what we send. TLS 1.3 counts the whole TLSInnerPlaintext
 * (content type byte and padding included), TLS 1.2 the plaintext only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SslContextOptions } from '../../src/ssl/context.js';
import { AlertDescription, ContentType } from '../../src/wire/enums.js';
import { established, expectFailure, parseRecords, type Pair } from './bad-input-kit.js';

type Version = 'TLSv1.3' | 'TLSv1.2';
const VERSIONS: readonly Version[] = ['TLSv1.3', 'TLSv1.2'];

/** Bytes a protected record adds to its plaintext: the 16-byte tag, and for TLS 1.2 AES-GCM the 8-byte explicit nonce. */
function overhead(version: Version): number {
  return version === 'TLSv1.3' ? 16 : 16 + 8;
}

function pin(version: Version, opts: SslContextOptions = {}): SslContextOptions {
  return version === 'TLSv1.3' ? opts : { ...opts, maxVersion: version };
}

/** The largest plaintext the peer may put in one record under `limit` (what we must accept, and no more). */
function plaintextBound(version: Version, limit: number): number {
  return version === 'TLSv1.3' ? limit - 1 : limit;
}

/** Writes `n` bytes on `from`, moves them, and returns the records that travelled plus what `to` read. */
function send(p: Pair, from: 'client' | 'server', n: number): { records: ReturnType<typeof parseRecords>; received: number } {
  const sender = from === 'client' ? p.client : p.server;
  const receiver = from === 'client' ? p.server : p.client;
  const out = from === 'client' ? p.clientOut : p.serverOut;
  const into = from === 'client' ? p.serverIn : p.clientIn;
  assert.equal(sender.write(new Uint8Array(n).fill(0x61)), n);
  const wire = out.drain();
  into.write(wire);
  const buf = new Uint8Array(n + 1);
  let received = 0;
  for (;;) {
    const r = receiver.read(buf.subarray(received));
    if (r <= 0) break;
    received += r;
  }
  return { records: parseRecords(wire), received };
}

for (const version of VERSIONS) {
  test(`a client's record_size_limit bounds every record the server sends, and all data arrives [${version}]`, () => {
    const limit = 512;
    const p = established(pin(version, { recordSizeLimit: limit }), pin(version));
    const { records, received } = send(p, 'server', 5000);
    assert.equal(received, 5000);
    assert.ok(records.length >= Math.ceil(5000 / plaintextBound(version, limit)));
    for (const r of records) {
      assert.equal(r.type, ContentType.application_data);
      assert.ok(r.fragment.length <= plaintextBound(version, limit) + (version === 'TLSv1.3' ? 1 : 0) + overhead(version), `record of ${r.fragment.length} bytes`);
    }
  });

  test(`a server's record_size_limit bounds every record the client sends [${version}]`, () => {
    const limit = 300;
    // A server answers record_size_limit only to a client that offered one (RFC 8449 4).
    const p = established(pin(version, { recordSizeLimit: 16385 }), pin(version, { recordSizeLimit: limit }));
    const { records, received } = send(p, 'client', 4000);
    assert.equal(received, 4000);
    for (const r of records) assert.ok(r.fragment.length <= plaintextBound(version, limit) + (version === 'TLSv1.3' ? 1 : 0) + overhead(version));
  });

  test(`a server that ignores the client's record_size_limit gets record_overflow [${version}]`, () => {
    const limit = 512;
    const p = established(pin(version, { recordSizeLimit: limit }), pin(version));
    // Exactly at the bound still passes.
    assert.equal(send(p, 'server', plaintextBound(version, limit)).received, plaintextBound(version, limit));
    // The misbehaving server: forget the limit it accepted, then send one byte more than allowed.
    p.server.connection!.maxSendFragment = 16384;
    const over = plaintextBound(version, limit) + 1;
    assert.equal(p.server.write(new Uint8Array(over)), over);
    p.clientIn.write(p.serverOut.drain());
    expectFailure(
      { ssl: p.client, input: p.clientIn, output: p.clientOut },
      () => p.client.read(new Uint8Array(over)),
      { reason: 'SSL_R_DATA_LENGTH_TOO_LONG', alert: AlertDescription.record_overflow },
      { side: { ssl: p.server, input: p.serverIn, output: p.serverOut }, op: () => p.server.read(new Uint8Array(16)), ret: 0 },
    );
  });

  test(`a client that ignores the server's record_size_limit gets record_overflow [${version}]`, () => {
    const limit = 256;
    const p = established(pin(version, { recordSizeLimit: 16385 }), pin(version, { recordSizeLimit: limit }));
    p.client.connection!.maxSendFragment = 16384;
    const over = plaintextBound(version, limit) + 1;
    assert.equal(p.client.write(new Uint8Array(over)), over);
    p.serverIn.write(p.clientOut.drain());
    expectFailure(
      { ssl: p.server, input: p.serverIn, output: p.serverOut },
      () => p.server.read(new Uint8Array(over)),
      { reason: 'SSL_R_DATA_LENGTH_TOO_LONG', alert: AlertDescription.record_overflow },
      { side: { ssl: p.client, input: p.clientIn, output: p.clientOut }, op: () => p.client.read(new Uint8Array(16)), ret: 0 },
    );
  });

  test(`a server's record_size_limit is not applied to a client that did not offer the extension [${version}]`, () => {
    const p = established(pin(version), pin(version, { recordSizeLimit: 256 }));
    const { records, received } = send(p, 'client', 4000);
    assert.equal(received, 4000);
    assert.equal(records.length, 1, 'the client, never told of a limit, sends one record');
  });

  test(`without an accepted limit the protocol's 2^14 bound stays: 16 KiB records pass [${version}]`, () => {
    const p = established(pin(version), pin(version));
    const { records, received } = send(p, 'server', 16384);
    assert.equal(received, 16384);
    assert.equal(records.length, 1);
  });
}
