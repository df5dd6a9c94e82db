/**
 * Tools for the bad-input tests: cut captured flights into records and handshake messages, rewrite
 * them with the wire codecs, forge protected records with keys the receiver already holds, and
 * check how a victim `Ssl` fails (return value, error, reason, the alert it put on the wire, and
 * that the failure is sticky).
 */
import assert from 'node:assert/strict';
import type { MemoryBio } from '../../src/bio/memory.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import { concatBytes } from '../../src/engine/bytes.js';
import type { Connection } from '../../src/engine/connection.js';
import { RecordProtection13 } from '../../src/engine/record/protect.js';
import { SSL_ERROR_SSL } from '../../src/ssl/constants.js';
import type { Ssl, SslErrorInfo } from '../../src/ssl/ssl.js';
import { AlertLevel, ContentType, alertName } from '../../src/wire/enums.js';
import { receivedAlertReason } from '../../src/wire/errors.js';
import { memoryPair, type MemoryPair } from '../helpers/memory-pair.js';
import type { SslContextOptions } from '../../src/ssl/context.js';

/** One TLS record as it travels: outer type, version and body. */
export interface WireRecord {
  type: number;
  version: number;
  fragment: Uint8Array;
}

/** Concatenates byte arrays (the engine's own helper). */
export const concat = concatBytes;

/** Frames one record. `length` overrides the header's length field (to lie about it). */
export function record(type: number, fragment: Uint8Array, version = 0x0303, length = fragment.length): Uint8Array {
  const out = new Uint8Array(5 + fragment.length);
  out[0] = type;
  out[1] = version >>> 8;
  out[2] = version & 0xff;
  out[3] = (length >>> 8) & 0xff;
  out[4] = length & 0xff;
  out.set(fragment, 5);
  return out;
}

/** Splits bytes a peer wrote into records. The bytes come from our own engine, so they must frame exactly. */
export function parseRecords(bytes: Uint8Array): WireRecord[] {
  const out: WireRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    assert.ok(bytes.length - at >= 5, 'truncated record header in captured output');
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    assert.ok(bytes.length - at - 5 >= length, 'truncated record body in captured output');
    out.push({ type: bytes[at]!, version: (bytes[at + 1]! << 8) | bytes[at + 2]!, fragment: bytes.slice(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

/** Re-frames parsed records. */
export function joinRecords(records: WireRecord[]): Uint8Array {
  return concat(...records.map((r) => record(r.type, r.fragment, r.version)));
}

/** Splits the body of a plaintext handshake record into whole handshake messages (header included). */
export function splitMessages(fragment: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < fragment.length) {
    const length = (fragment[at + 1]! << 16) | (fragment[at + 2]! << 8) | fragment[at + 3]!;
    out.push(fragment.slice(at, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

/**
 * Rewrites the plaintext handshake messages of a captured flight. `fn` gets each message (header
 * included) and returns its replacement, or null to drop it. Other records pass unchanged; a
 * record left empty is dropped.
 */
export function rewriteFlight(flight: Uint8Array, fn: (raw: Uint8Array) => Uint8Array | null): Uint8Array {
  const out: WireRecord[] = [];
  for (const r of parseRecords(flight)) {
    if (r.type !== ContentType.handshake) {
      out.push(r);
      continue;
    }
    const kept = splitMessages(r.fragment).map(fn).filter((m): m is Uint8Array => m !== null);
    if (kept.length > 0) out.push({ ...r, fragment: concat(...kept) });
  }
  return joinRecords(out);
}

/** The first record of a flight, framed. */
export function firstRecord(flight: Uint8Array): Uint8Array {
  return joinRecords(parseRecords(flight).slice(0, 1));
}

/** Flips one bit of `bytes` (a copy). */
export function flipBit(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = bytes.slice();
  out[index]! ^= 1 << bit;
  return out;
}

/** One end of a memory pair: the `Ssl` and the BIOs it reads from and writes to. */
export interface Side {
  ssl: Ssl;
  input: MemoryBio;
  output: MemoryBio;
}

/** A client/server pair over memory BIOs, with each end as a `Side`. */
export interface Pair extends MemoryPair {
  c: Side;
  s: Side;
}

/** A fresh pair (see `memoryPair`). */
export function pair(clientOpts: SslContextOptions = {}, serverOpts: SslContextOptions = {}): Pair {
  const p = memoryPair(clientOpts, serverOpts);
  return { ...p, c: { ssl: p.client, input: p.clientIn, output: p.clientOut }, s: { ssl: p.server, input: p.serverIn, output: p.serverOut } };
}

/** Client: starts the handshake and returns its first flight (the ClientHello record). */
export function clientHello(p: Pair): Uint8Array {
  assert.equal(p.client.doHandshake(), -1);
  return p.clientOut.drain();
}

/** Server: makes its `Connection` exist (accept() with no input) so a test can hook it before the ClientHello. */
export function serverConnection(p: Pair): Connection {
  assert.equal(p.server.doHandshake(), -1);
  return p.server.connection!;
}

/** Server: answers a ClientHello and returns its whole first flight (ServerHello .. Finished). */
export function serverFlight(p: Pair, hello: Uint8Array): Uint8Array {
  p.serverIn.write(hello);
  assert.equal(p.server.doHandshake(), -1);
  return p.serverOut.drain();
}

/** A pair with the handshake done and nothing in flight. */
export function established(clientOpts: SslContextOptions = {}, serverOpts: SslContextOptions = {}): Pair {
  const p = pair(clientOpts, serverOpts);
  p.handshake();
  p.transfer();
  assert.equal(p.clientOut.pending() + p.serverOut.pending() + p.clientIn.pending() + p.serverIn.pending(), 0);
  return p;
}

/**
 * Makes another `Connection`'s hook intercept the handshake messages it sends: `fn` returns the
 * messages to send instead (none to drop it). The transcript sees what is sent; the point is only
 * to put well-encrypted but wrong messages on the wire.
 */
export function interceptSent(conn: Connection, fn: (raw: Uint8Array) => Uint8Array[]): void {
  const original = conn.sendHandshake.bind(conn);
  conn.sendHandshake = (raw: Uint8Array, addToTranscript?: boolean): void => {
    for (const m of fn(raw)) original(m, addToTranscript);
  };
}

/**
 * Record protection under `secret` from `conn`'s key schedule, starting at sequence number 0:
 * lets a test forge records the real sender never made, with keys the receiver already holds.
 * Only valid while the real sender has sent nothing under that key.
 */
export function forger(conn: Connection, secret: Uint8Array): RecordProtection13 {
  const suite = conn.negotiated.suite!;
  const { key, iv } = conn.keySchedule!.trafficKeys(secret, suite.keyLength);
  return new RecordProtection13(nodeCrypto.createAead(suite.aead, key), iv);
}

/** Forges records as the server would send them after the handshake (the client can open them). */
export function serverForger(p: Pair): RecordProtection13 {
  const conn = p.client.connection!;
  return forger(conn, conn.serverTrafficSecret!);
}

/** Forges records as the client would send them after the handshake (the server can open them). */
export function clientForger(p: Pair): RecordProtection13 {
  const conn = p.server.connection!;
  return forger(conn, conn.clientTrafficSecret!);
}

/** What a victim should end in. `alert` null: it must send nothing (received alerts, non-TLS peers). */
export interface Expected {
  reason: string;
  alert: number | null;
  /** What the failing call returns: -1, or 0 for a read() that meets a fatal alert (S-56). Default -1. */
  ret?: number;
}

/** How to check an encrypted alert: the peer that can open it, and the call that makes it read. */
export interface Witness {
  side: Side;
  op: () => number;
  /** What `op` returns when it meets the alert. */
  ret: number;
}

function describe(info: SslErrorInfo | null): string {
  return info ? `${info.reason} (${info.message})` : 'no error info';
}

/** Asserts `ret` and the victim's error state: `expectedRet` (-1 by default), SSL_ERROR_SSL, the expected reason. */
export function assertFatal(ssl: Ssl, ret: number, reason: string, expectedRet = -1): SslErrorInfo {
  const info = ssl.getErrorInfo();
  assert.equal(ret, expectedRet, `expected ${expectedRet}, got ${ret}: ${describe(info)}`);
  assert.equal(ssl.getError(ret), SSL_ERROR_SSL, `expected SSL_ERROR_SSL: ${describe(info)}`);
  assert.ok(info);
  assert.equal(info.reason, reason, info.message);
  return info;
}

/**
 * Runs `op` on the victim (after discarding anything it wrote before) and checks the failure:
 * (1) -1, SSL_ERROR_SSL and the reason; (2) the alert on the wire, decoded directly when it is a
 * plaintext alert record, otherwise fed to `witness`, which must report it as received and send
 * nothing back; (3) stickiness: the same call fails the same way again and writes nothing more.
 * Nothing may throw out of the API at any point. Returns the victim's error info.
 */
export function expectFailure(victim: Side, op: () => number, expected: Expected, witness?: Witness): SslErrorInfo {
  victim.output.drain();
  const info = assertFatal(victim.ssl, op(), expected.reason, expected.ret ?? -1);
  const wire = victim.output.drain();
  if (expected.alert === null) {
    assert.equal(wire.length, 0, `expected no alert on the wire, got ${wire.length} bytes`);
    assert.ok(info.alert === null || info.alert.direction === 'received', 'no alert may be sent');
  } else {
    assert.deepEqual(info.alert, { description: expected.alert, name: alertName(expected.alert), direction: 'sent' });
    const records = parseRecords(wire);
    assert.equal(records.length, 1, `expected exactly one record (the alert), got ${records.length}`);
    const r = records[0]!;
    if (r.type === ContentType.alert && r.fragment.length === 2) {
      assert.deepEqual([...r.fragment], [AlertLevel.fatal, expected.alert], 'plaintext alert record');
    } else {
      // Protected: TLS 1.3 hides the type under application_data, TLS 1.2 keeps the alert type.
      assert.ok(r.type === ContentType.application_data || r.type === ContentType.alert, 'an alert record or a protected record');
      assert.ok(witness, 'the alert is encrypted: a witness must open it');
      witness.side.output.drain();
      witness.side.input.write(wire);
      const seen = assertFatal(witness.side.ssl, witness.op(), receivedAlertReason(expected.alert), witness.ret);
      assert.deepEqual(seen.alert, { description: expected.alert, name: alertName(expected.alert), direction: 'received' });
      assert.equal(witness.side.output.pending(), 0, 'the witness must not answer a fatal alert');
    }
  }
  // Sticky: the same call reports the same failure (now as -1: the connection is already dead)
  // and puts nothing more on the wire.
  assertFatal(victim.ssl, op(), expected.reason);
  assert.deepEqual(victim.ssl.getErrorInfo(), info);
  assert.equal(victim.output.pending(), 0, 'a failed connection writes nothing more');
  return info;
}

/** A witness that reads (the peer finished its handshake): read() meets a fatal alert with 0 (S-56). */
export function reader(side: Side): Witness {
  return { side, op: () => side.ssl.read(new Uint8Array(64)), ret: 0 };
}

/** A witness that continues its handshake: a handshake call meets a fatal alert with -1. */
export function handshaker(side: Side): Witness {
  return { side, op: () => side.ssl.doHandshake(), ret: -1 };
}

/** A fatal alert record body. */
export function alertBody(description: number, level: number = AlertLevel.fatal): Uint8Array {
  return new Uint8Array([level, description]);
}
