/**
 * Acceptance 4 of the shutdown contract: bad calls are clear errors, never exceptions. The named
 * cases first, then random call sequences (fast-check) on both sides of a pair, with BIOs that
 * block, fail or end, checking that nothing throws and every failure has a getError code and,
 * for SSL_ERROR_SSL, a named reason.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BioPair } from '../../src/bio/pair.js';
import {
  SSL_ERROR_NONE,
  SSL_ERROR_SSL,
  SSL_ERROR_SYSCALL,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_WANT_WRITE,
  SSL_ERROR_ZERO_RETURN,
  SSL_RECEIVED_SHUTDOWN,
  SSL_SENT_SHUTDOWN,
} from '../../src/ssl/constants.js';
import type { Ssl } from '../../src/ssl/ssl.js';
import { assertFailure, enc, makePair, quiet, vtest, type TlsVersion } from './harness.js';

const CODES = new Set([SSL_ERROR_NONE, SSL_ERROR_SSL, SSL_ERROR_SYSCALL, SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE, SSL_ERROR_ZERO_RETURN]);

vtest('bad calls: shutdown() before/during the handshake and after a fatal error, write() after shutdown(), read() after free() are named errors', (version) => {
  const p = makePair({ version });
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
  p.client.connect();
  assertFailure(p.client, p.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
  const q = quiet({ version });
  q.clientIn.inject(new Uint8Array([23, 3, 3, 0, 20, ...new Uint8Array(20)]));
  q.client.read(new Uint8Array(4));
  assertFailure(q.client, q.client.shutdown(), SSL_ERROR_SSL, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
  const w = quiet({ version });
  w.client.shutdown();
  assertFailure(w.client, w.client.write(enc('x')), SSL_ERROR_SSL, 'SSL_R_PROTOCOL_IS_SHUTDOWN');
  w.client.free();
  assertFailure(w.client, w.client.read(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_SSL_FREED');
  assertFailure(w.client, w.client.peek(new Uint8Array(4)), SSL_ERROR_SSL, 'SSL_R_SSL_FREED');
  assertFailure(w.client, w.client.doHandshake(), SSL_ERROR_SSL, 'SSL_R_SSL_FREED');
  assert.equal(w.client.clear(), 0);
  // A BIO pair half whose write side was shut: the Ssl reports SYSCALL, it does not throw.
  const b = quiet({ version });
  const pair = new BioPair();
  pair.a.shutdownWr();
  b.client.setBio(pair.a);
  assertFailure(b.client, b.client.write(enc('x')), SSL_ERROR_SYSCALL, null);
});

type Op =
  | { kind: 'handshake' | 'read' | 'peek' | 'write' | 'shutdown' | 'clear' | 'free' | 'keyUpdate' | 'transfer' | 'pending'; side: 0 | 1 }
  | { kind: 'setShutdown'; side: 0 | 1; mode: number }
  | { kind: 'quiet'; side: 0 | 1; on: boolean }
  | { kind: 'bio'; side: 0 | 1; mode: 'ok' | 'retry' | 'error' | 'eof' | 'small' };

const side = fc.constantFrom<0 | 1>(0, 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('handshake', 'read', 'peek', 'write', 'shutdown', 'clear', 'free', 'keyUpdate', 'transfer', 'pending'), side }) as fc.Arbitrary<Op>,
  fc.record({ kind: fc.constant('setShutdown' as const), side, mode: fc.integer({ min: -1, max: 7 }) }),
  fc.record({ kind: fc.constant('quiet' as const), side, on: fc.boolean() }),
  fc.record({ kind: fc.constant('bio' as const), side, mode: fc.constantFrom('ok', 'retry', 'error', 'eof', 'small') as fc.Arbitrary<'ok' | 'retry' | 'error' | 'eof' | 'small'> }),
);

/** Checks the contract of one call's result. */
function checkResult(ssl: Ssl, ret: number, what: string): void {
  assert.ok(Number.isInteger(ret), `${what}: integer result`);
  const code = ssl.getError(ret);
  assert.ok(CODES.has(code), `${what}: getError ${code}`);
  if (ret > 0) assert.equal(code, SSL_ERROR_NONE);
  if (code === SSL_ERROR_SSL) assert.match(String(ssl.getErrorInfo()?.reason), /^SSL_R_/, `${what}: a named reason`);
  const flags = ssl.getShutdown();
  assert.equal(flags & ~(SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN), 0);
}

function runOps(version: TlsVersion, established: boolean, ops: Op[]): void {
  // Half the runs start from an established connection, so the calls after the handshake get
  // as much exercise as the ones during it.
  const p = established ? quiet({ version, tickets: 1 }) : makePair({ version, tickets: 1 });
  const ends = [
    { ssl: p.client, out: p.clientOut, in: p.clientIn },
    { ssl: p.server, out: p.serverOut, in: p.serverIn },
  ];
  const buf = new Uint8Array(40);
  for (const o of ops) {
    const e = ends[o.side]!;
    const ssl = e.ssl;
    switch (o.kind) {
      case 'handshake': checkResult(ssl, ssl.doHandshake(), o.kind); break;
      case 'read': checkResult(ssl, ssl.read(buf), o.kind); break;
      case 'peek': checkResult(ssl, ssl.peek(buf), o.kind); break;
      case 'write': checkResult(ssl, ssl.write(enc('payload')), o.kind); break;
      case 'shutdown': {
        const r = ssl.shutdown();
        checkResult(ssl, r, o.kind);
        assert.ok(r === -1 || r === 0 || r === 1, `shutdown returned ${r}`);
        break;
      }
      case 'keyUpdate': checkResult(ssl, ssl.keyUpdate(true), o.kind); break;
      case 'clear': assert.ok([0, 1].includes(ssl.clear())); break;
      case 'free': ssl.free(); break;
      case 'pending': assert.ok(ssl.pending() >= 0); break;
      case 'transfer': p.transfer(); break;
      case 'setShutdown': ssl.setShutdown(o.mode); break;
      case 'quiet': ssl.setQuietShutdown(o.on); break;
      case 'bio':
        if (o.mode === 'eof') e.in.setEofReturn(0);
        else if (o.mode === 'small') e.out.writeMode = 7;
        else {
          e.out.writeMode = o.mode;
          e.in.readMode = o.mode === 'error' ? 'error' : 'ok';
        }
        break;
    }
  }
}

vtest('bad calls: random call sequences on both sides never throw, and every result has a getError code (and a reason for SSL_ERROR_SSL)', (version) => {
  fc.assert(fc.property(fc.boolean(), fc.array(op, { minLength: 1, maxLength: 30 }), (established, ops) => runOps(version, established, ops)), { numRuns: 80 });
});
