import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../src/crypto/node.js';
import { TLS13_SUITES } from '../../src/crypto/suites.js';
import { Connection } from '../../src/engine/connection.js';
import { KeySchedule13 } from '../../src/engine/tls13/key-schedule.js';
import { RELEASED_TRANSCRIPT } from '../../src/engine/transcript.js';
import { TLS13_CLIENT_TRAFFIC, TLS13_SERVER_TRAFFIC } from '../../src/engine/tls13/traffic.js';
import type { EngineConfig } from '../../src/engine/config.js';
import { AlertDescription, NamedGroup, SignatureScheme } from '../../src/wire/enums.js';
import { TlsFailure } from '../../src/wire/errors.js';
import { createSelfSignedCertificate } from '../../src/x509/self-signed.js';

const cert = createSelfSignedCertificate({ provider: nodeCrypto });

function config(role: 'client' | 'server', extra: Partial<EngineConfig> = {}): EngineConfig {
  return {
    provider: nodeCrypto,
    now: () => Date.now(),
    cipherSuites: [...TLS13_SUITES],
    groups: [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1],
    signatureSchemes: [SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.ed25519],
    alpnProtocols: [],
    middleboxCompat: true,
    maxFragmentLength: 16384,
    ...(role === 'server' ? { certifiedKey: { chain: [cert.certificateDer], key: cert.privateKey } } : { serverName: 'localhost', verifyPeer: () => {} }),
    ...extra,
  };
}

/** Moves bytes both ways until neither side has output; returns data events seen by each side. */
function pump(a: Connection, b: Connection): { a: Uint8Array[]; b: Uint8Array[] } {
  const seen = { a: [] as Uint8Array[], b: [] as Uint8Array[] };
  for (let rounds = 0; rounds < 20; rounds++) {
    let moved = false;
    for (const [from, to, sink] of [[a, b, seen.b], [b, a, seen.a]] as const) {
      const out = from.takeOutput();
      if (!out) continue;
      moved = true;
      to.receive(out);
      try {
        for (let e = to.nextRecord(); e; e = to.nextRecord()) if (e.kind === 'data') sink.push(e.data.slice());
      } catch (err) {
        if (err instanceof TlsFailure) to.fail(err);
        else throw err;
      }
    }
    if (!moved) break;
  }
  return seen;
}

/** Sends `toServer` from `c` and `toClient` from `s`, and checks each arrives. */
function assertExchange(c: Connection, s: Connection, toServer: string, toClient: string): void {
  c.sendApplicationData(new TextEncoder().encode(toServer));
  s.sendApplicationData(new TextEncoder().encode(toClient));
  const seen = pump(c, s);
  assert.equal(new TextDecoder().decode(seen.b[0]), toServer);
  assert.equal(new TextDecoder().decode(seen.a[0]), toClient);
}

/** A client and a server connection (of the given settings) that have completed their handshake (and the server's tickets). */
function established(serverConfig: EngineConfig = config('server')): { c: Connection; s: Connection } {
  const c = new Connection(config('client'), 'client');
  const s = new Connection(serverConfig, 'server');
  c.start();
  pump(c, s);
  return { c, s };
}

test('client and server connections complete a TLS 1.3 handshake and exchange data', () => {
  const { c, s } = established();
  assert.equal(c.handshakeComplete, true);
  assert.equal(s.handshakeComplete, true);
  assertExchange(c, s, 'ping', 'pong');
});

test('after the handshake a connection keeps config.afterHandshake in place of its settings; without it its own, the handshake callbacks cleared', () => {
  const shared = config('client');
  delete shared.serverName;
  delete shared.verifyPeer;
  const clientConfig = config('client', { afterHandshake: shared });
  const ticket = { lifetime: 60, ageAdd: 7, nonce: new Uint8Array([0]), ticket: new Uint8Array([1, 2, 3]) };
  const serverConfig = config('server', { lookupPsk: () => null, issueTickets: () => [ticket] });
  const c = new Connection(clientConfig, 'client');
  const s = new Connection(serverConfig, 'server');
  assert.equal(c.config, clientConfig);
  c.start();
  pump(c, s);
  pump(c, s); // the ticket
  assert.equal(c.handshakeComplete && s.handshakeComplete, true);
  assert.equal(c.config, shared);
  assert.equal(s.config, serverConfig);
  assert.equal(serverConfig.lookupPsk, undefined);
  assert.equal(serverConfig.issueTickets, undefined);
  // The ticket that came after the swap is for the name the client sent, which the shared settings do not hold.
  assert.equal(c.requestedServerName, 'localhost');
  assert.equal(c.tickets.length, 1);
  assert.equal(c.tickets[0]!.serverName, 'localhost');
  assert.deepEqual(c.tickets[0]!.ticket, ticket.ticket);
  // The connection works on with the shared settings: a KeyUpdate, data both ways.
  c.sendKeyUpdate(true);
  assertExchange(c, s, 'after', 'back');
});

test('after the handshake the kept values share one buffer, and KeyUpdate overwrites the old traffic secret', () => {
  const { c, s } = established();
  assert.equal(c.handshakeComplete && s.handshakeComplete, true);
  pump(c, s); // tickets
  for (const conn of [c, s]) {
    const values = [conn.finishedSent, conn.finishedReceived, conn.clientRandom, conn.clientTrafficSecret, conn.serverTrafficSecret, conn.exporterSecret, conn.resumptionSecret];
    assert.ok(values.every((v) => v !== null && v.length > 0));
    assert.equal(new Set(values.map((v) => v!.buffer)).size, 1, 'one buffer for all kept values');
    // Nothing per connection is left of the transcript and the key schedule: shared stand-ins.
    assert.equal(conn.transcript, RELEASED_TRANSCRIPT);
    assert.equal(conn.keySchedule, KeySchedule13.released(nodeCrypto, 'sha256'));
  }
  // Nor of the handshake machine: each side's post-handshake machine is one object for all.
  const { c: c2, s: s2 } = established();
  assert.equal(c.machine, TLS13_CLIENT_TRAFFIC);
  assert.equal(c2.machine, TLS13_CLIENT_TRAFFIC);
  assert.equal(s.machine, TLS13_SERVER_TRAFFIC);
  assert.equal(s2.machine, TLS13_SERVER_TRAFFIC);
  assert.deepEqual(c.finishedSent, s.finishedReceived);
  assert.deepEqual(c.clientTrafficSecret, s.clientTrafficSecret);
  assert.deepEqual(c.exporterSecret, s.exporterSecret);
  const oldView = c.clientTrafficSecret!;
  const oldSecret = oldView.slice();
  c.sendKeyUpdate(true);
  pump(c, s);
  assert.notDeepEqual(c.clientTrafficSecret, oldSecret);
  assert.deepEqual(c.clientTrafficSecret, s.clientTrafficSecret);
  assert.deepEqual(c.serverTrafficSecret, s.serverTrafficSecret, 'the requested update was answered');
  assert.deepEqual(oldView, c.clientTrafficSecret, 'written in place: the old secret is gone');
  // Data still flows under the new keys.
  c.sendApplicationData(new TextEncoder().encode('after'));
  assert.equal(new TextDecoder().decode(pump(c, s).b[0]), 'after');
});

test('a client keeps the tickets nobody asked for as records in one buffer; once asked for they are objects, later ones make new lists; the newest eight stay', () => {
  const { c, s } = established(config('server', { issueTickets: () => [] }));
  assert.equal(c.handshakeComplete, true);
  const none = c.tickets;
  assert.equal(none.length, 0);
  const ticket = (n: number) => ({ lifetime: n, ageAdd: n, ticket: Uint8Array.of(n), maxEarlyData: 0, psk: new Uint8Array(32).fill(n), receivedAt: n });
  for (let n = 1; n <= 3; n++) c.addTicket(ticket(n));
  assert.equal(none.length, 0, 'the empty list is not changed in place');
  const first = c.tickets;
  assert.equal(c.tickets, first, 'the same list until another ticket comes');
  assert.deepEqual(first.map((t) => t.lifetime), [1, 2, 3]);
  assert.equal(new Set(first.map((t) => t.ticket.buffer)).size, 1, 'one buffer for the three');
  for (const t of first) {
    assert.equal(t.suite, c.negotiated.suite);
    assert.equal(t.serverName, 'localhost');
  }
  for (let n = 4; n <= 10; n++) c.addTicket(ticket(n));
  const later = c.tickets;
  assert.deepEqual(first.map((t) => t.lifetime), [1, 2, 3], 'the list handed out before stays as it was');
  assert.deepEqual(later.map((t) => t.lifetime), [3, 4, 5, 6, 7, 8, 9, 10], 'the newest eight');
  assert.equal(later[0], first[2], 'a ticket keeps its object');
  assert.deepEqual(later[7]!.psk, new Uint8Array(32).fill(10));
  // Never asked for until past the limit: the records keep the newest eight as well.
  const { c: c2, s: s2 } = established(config('server', { issueTickets: () => [] }));
  const values = (conn: Connection) => [conn.finishedSent, conn.clientRandom, conn.clientTrafficSecret, conn.exporterSecret, conn.resumptionSecret].map((v) => v!.slice());
  const before = values(c2);
  const packedBytes = () => (c2 as unknown as { keptPacked: ArrayBuffer }).keptPacked.byteLength;
  const valuesOnly = packedBytes();
  for (let n = 1; n <= 10; n++) c2.addTicket(ticket(n));
  // The records sit after the kept values in their one buffer, and neither disturbs the other:
  // nor does a KeyUpdate (its new traffic secrets are written over the old ones).
  assert.ok(packedBytes() > valuesOnly + 8 * 32, 'the records are in the kept values buffer');
  assert.deepEqual(values(c2), before);
  c2.sendKeyUpdate(true);
  pump(c2, s2);
  assert.deepEqual(c2.clientTrafficSecret, s2.clientTrafficSecret);
  assert.notDeepEqual(c2.clientTrafficSecret, before[2]);
  const asked = c2.tickets;
  assert.deepEqual(asked.map((t) => t.receivedAt), [3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(asked[7]!.psk, new Uint8Array(32).fill(10));
  assert.equal(packedBytes(), valuesOnly, 'once asked for, the records leave the kept values buffer');
  assert.deepEqual(values(c2).filter((_, i) => i !== 2), before.filter((_, i) => i !== 2));
  assert.deepEqual(c2.exportKeyingMaterial('label', new Uint8Array(0), 16), s2.exportKeyingMaterial('label', new Uint8Array(0), 16));
});

test('an idle connection keeps no deframer; the one made by the next bytes frames on, under the TLS 1.3 limit, and judges no record as a first one', () => {
  const { c, s } = established();
  assert.equal(c.handshakeComplete && s.handshakeComplete, true);
  const deframerOf = (conn: Connection) => (conn as unknown as { deframer: unknown }).deframer;
  for (const conn of [c, s]) {
    assert.notEqual(deframerOf(conn), null);
    conn.inputDrained();
    assert.equal(deframerOf(conn), null, 'nothing buffered: dropped');
    assert.equal(conn.bufferedInput, 0);
    assert.equal(conn.bytesNeeded(), 5);
  }
  // A partial record keeps it through inputDrained; data flows across the re-made deframers.
  c.sendApplicationData(new TextEncoder().encode('half'));
  const out = c.takeOutput()!;
  s.receive(out.subarray(0, 7));
  s.inputDrained();
  assert.notEqual(deframerOf(s), null, 'a partial record stays');
  assert.equal(s.nextRecord(), null);
  s.receive(out.subarray(7));
  const e = s.nextRecord();
  assert.ok(e && e.kind === 'data');
  assert.equal(new TextDecoder().decode(e.data), 'half');
  s.inputDrained();
  // The TLS 1.3 limit holds in a re-made deframer: one byte over it is record_overflow.
  const over = 16384 + 256 + 1;
  s.receive(Uint8Array.of(23, 3, 3, over >> 8, over & 0xff));
  assert.throws(() => s.nextRecord(), (err: TlsFailure) => err.alert === AlertDescription.record_overflow);
  // Nor is a later non-TLS record taken for a stray non-TLS peer's first bytes.
  c.inputDrained();
  c.receive(new TextEncoder().encode('GET / HTTP/1.1\r\n'));
  assert.throws(() => c.nextRecord(), (err: TlsFailure) => err.alert === AlertDescription.protocol_version);
});

test("the connection's yes/no state (one field of bits): each flag reads back what was set, independently of the others", () => {
  const c = new Connection(config('client'), 'client');
  const names = ['handshakeComplete', 'closeNotifySent', 'writeClosed', 'closeNotifyReceived', 'ccsAllowed'] as const;
  for (const n of names) assert.equal(c[n], false, n);
  for (const n of names) {
    c[n] = true;
    for (const m of names) assert.equal(c[m], m === n, `${m} after setting ${n}`);
    c[n] = false;
  }
  for (const n of names) c[n] = true;
  for (const n of names) assert.equal(c[n], true, n);
});
