import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReceivedTicket } from '../../src/engine/connection.js';
import fc from 'fast-check';
import { nodeCrypto } from '../../src/crypto/node.js';
import { TICKET_KEY_LENGTH, TicketKeys } from '../../src/ssl/ticket-keys.js';
import type { Session } from '../../src/ssl/session.js';
import { assertFull, assertResumed, connectOnce, contexts } from '../helpers/resumption.js';

const enc = new TextEncoder();

test('ticket keys: seal/open round trip; previous key still opens; two rotations back does not', () => {
  const keys = new TicketKeys(nodeCrypto, () => 0);
  const t0 = keys.seal(enc.encode('zero'));
  const opened = keys.open(t0)!;
  assert.equal(new TextDecoder().decode(opened.plaintext), 'zero');
  assert.equal(opened.previousKey, false);
  keys.rotate();
  const t1 = keys.seal(enc.encode('one'));
  assert.deepEqual(keys.open(t0)?.previousKey, true);
  assert.deepEqual(keys.open(t1)?.previousKey, false);
  keys.rotate();
  assert.equal(keys.open(t0), null);
  assert.ok(keys.open(t1));
});

test('ticket keys: automatic rotation by age', () => {
  let now = 0;
  const keys = new TicketKeys(nodeCrypto, () => now, 60);
  const t0 = keys.seal(enc.encode('x'));
  now = 61_000;
  const t1 = keys.seal(enc.encode('y'));
  assert.notDeepEqual(t0.subarray(0, 16), t1.subarray(0, 16), 'a new key name');
  assert.ok(keys.open(t0)?.previousKey);
  now = 122_000;
  assert.equal(keys.open(t0), null);
});

test('ticket keys: any altered, truncated, extended or foreign ticket opens to null, never throws', () => {
  const keys = new TicketKeys(nodeCrypto, () => 0);
  const other = new TicketKeys(nodeCrypto, () => 0);
  const ticket = keys.seal(enc.encode('the session'));
  assert.equal(other.open(ticket), null);
  fc.assert(
    fc.property(fc.nat(ticket.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const bad = ticket.slice();
      bad[at]! ^= x;
      return keys.open(bad) === null;
    }),
  );
  fc.assert(fc.property(fc.nat(ticket.length - 1), (n) => keys.open(ticket.subarray(0, n)) === null));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (junk) => keys.open(junk) === null));
  assert.equal(keys.open(new Uint8Array([...ticket, 0])), null);
});

test('ticket keys: exported keys installed elsewhere open the same tickets; bad key sizes refused', () => {
  const a = new TicketKeys(nodeCrypto, () => 0);
  const t = a.seal(enc.encode('shared'));
  const b = new TicketKeys(nodeCrypto, () => 0);
  const exported = a.exportKeys();
  b.setKeys(exported.current, exported.previous);
  assert.equal(new TextDecoder().decode(b.open(t)!.plaintext), 'shared');
  assert.throws(() => b.setKeys(new Uint8Array(TICKET_KEY_LENGTH - 1)), RangeError);
});

function sessionWithTicket(): { clientCtx: ReturnType<typeof contexts>['clientCtx']; serverCtx: ReturnType<typeof contexts>['serverCtx']; session: Session } {
  const { clientCtx, serverCtx } = contexts();
  return { clientCtx, serverCtx, session: connectOnce(clientCtx, serverCtx).client.getSession()! };
}

test('resumption across ticket key rotation: previous key resumes, older does a full handshake', () => {
  const { clientCtx, serverCtx, session } = sessionWithTicket();
  serverCtx.rotateTicketKeys();
  const afterOne = connectOnce(clientCtx, serverCtx, session);
  assertResumed(afterOne);
  serverCtx.rotateTicketKeys();
  assertFull(connectOnce(clientCtx, serverCtx, session));
  // The resumed connection's fresh tickets are under the key that was current then (now previous).
  assertResumed(connectOnce(clientCtx, serverCtx, afterOne.client.getSession()));
});

test('tampered, truncated or foreign tickets: a full handshake, never an error', () => {
  const foreign = contexts().serverCtx;
  for (const damage of ['flip', 'truncate', 'extend', 'foreign'] as const) {
    const { clientCtx, serverCtx, session } = sessionWithTicket();
    const target = damage === 'foreign' ? foreign : serverCtx;
    const tickets = session.tickets as ReceivedTicket[];
    tickets.forEach((t, i) => {
      const ticket = t.ticket;
      // A flip changes the stored bytes through their view; the other damages replace the ticket.
      if (damage === 'flip') ticket[ticket.length - 20]! ^= 0x40;
      const damaged = damage === 'truncate' ? ticket.subarray(0, ticket.length - 7) : damage === 'extend' ? new Uint8Array([...ticket, 1, 2, 3]) : null;
      if (damaged) {
        tickets[i] = { lifetime: t.lifetime, ageAdd: t.ageAdd, ticket: damaged, maxEarlyData: t.maxEarlyData, psk: t.psk, suite: t.suite, receivedAt: t.receivedAt, alpn: t.alpn, serverName: t.serverName };
      }
    });
    const run = connectOnce(clientCtx, target, session);
    assertFull(run);
    assert.ok(run.client.getSession()!.isResumable(), `${damage}: new tickets were issued`);
  }
});
