import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FloorOpener, FloorSealer } from '../../bench/bulk-floor.js';
import { SUITES } from '../../bench/common.js';
import { clientFactory, startServer, type BenchConn } from '../../bench/endpoints.js';

// The bulk floor (bench/bulk-floor.ts) is only a bound if it does the real work: every record
// sealed and opened with the suite's AEAD, tampering detected, records framed across any chunk
// boundaries. These tests check that, so the floor cannot quietly skip work and look fast.

/** Seals `data` in 16 KiB records and returns the wire bytes. */
function sealAll(sealer: FloorSealer, data: Buffer): Buffer {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += 16384) pieces.push(...sealer.seal(data.subarray(at, at + 16384)));
  return Buffer.concat(pieces);
}

for (const suite of SUITES) {
  test(`bench floor (${suite.label}): records sealed and opened with the suite's AEAD, framed across arbitrary chunk boundaries`, () => {
    const data = randomBytes(5 * 16384 + 1234);
    const wire = sealAll(new FloorSealer(suite.id, 'client'), data);
    // Each record carries a 16-byte tag and the inner content type: the bytes are really sealed.
    assert.equal(wire.length, data.length + 6 * (5 + 1 + 16));
    assert.equal(wire.indexOf(data.subarray(0, 64)), -1, 'no plaintext on the wire');
    const opener = new FloorOpener(suite.id, 'client');
    const got: Buffer[] = [];
    // Chunks of 1, 2, 3, ... bytes, then the rest in large pieces: headers and bodies split everywhere.
    let at = 0;
    for (let n = 1; at < wire.length; n = n < 40 ? n + 1 : 20_000) {
      opener.push(wire.subarray(at, Math.min(wire.length, at + n)), (p) => got.push(Buffer.from(p)));
      at += n;
    }
    assert.ok(Buffer.concat(got).equals(data));
    assert.equal(got.length, 6);
  });

  test(`bench floor (${suite.label}): a changed byte, the other direction's keys or a bad header fail`, () => {
    const wire = sealAll(new FloorSealer(suite.id, 'server'), randomBytes(3000));
    const flipped = Buffer.from(wire);
    flipped[100]! ^= 1;
    assert.throws(() => new FloorOpener(suite.id, 'server').push(flipped, () => {}));
    assert.throws(() => new FloorOpener(suite.id, 'client').push(wire, () => {}), 'keys are per direction');
    const badHeader = Buffer.from(wire);
    badHeader[0] = 22;
    assert.throws(() => new FloorOpener(suite.id, 'server').push(badHeader, () => {}), /bad record header/);
  });
}

test('bench floor: a floor client and server move bytes over loopback and acknowledge them, as the bulk figure runs them', async () => {
  const total = 1024 * 1024 + 100;
  let serverConn: BenchConn | null = null;
  let received = 0;
  const { server, port } = await startServer('floor', 'tls13-aes128gcm', { certPem: '', keyPem: '' }, (c) => {
    serverConn = c;
    void c.consume((n) => {
      received += n;
      if (received === total) c.send(Uint8Array.of(0x61));
    });
  });
  try {
    const c = await clientFactory('floor', 'tls13-aes128gcm', { certPem: '', keyPem: '' }, port)();
    let acked = 0;
    let ackArrived!: () => void;
    const ack = new Promise<void>((resolve) => (ackArrived = resolve));
    const consumed = c.consume((n) => {
      acked += n;
      ackArrived();
    });
    const chunk = randomBytes(16384);
    for (let sent = 0; sent < total; sent += chunk.length) {
      if (!c.send(sent + chunk.length <= total ? chunk : chunk.subarray(0, total - sent))) await c.drained();
    }
    await ack;
    assert.equal(received, total);
    assert.equal(acked, 1);
    c.destroy();
    await consumed;
  } finally {
    (serverConn as BenchConn | null)?.destroy();
    server.close();
  }
});
