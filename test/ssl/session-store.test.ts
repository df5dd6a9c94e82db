import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeCrypto } from '../../src/crypto/node.js';
import { SSL_OP_NO_TICKET, SSL_SESS_CACHE_CLIENT, SSL_SESS_CACHE_NO_INTERNAL, SSL_SESS_CACHE_SERVER } from '../../src/ssl/constants.js';
import type { SslContext } from '../../src/ssl/context.js';
import { Session } from '../../src/ssl/session.js';
import { suiteInfo } from '../../src/crypto/suites.js';
import { SESSION_FORMAT_VERSION, SessionFormatError, sessionFromBytes, sessionToBytes } from '../../src/ssl/session-codec.js';
import { assertFull, assertResumed, connectOnce, contexts } from '../helpers/resumption.js';

/** An external session store shared by servers (a stand-in for memcached or redis: bytes by key). */
class SharedStore {
  readonly data = new Map<string, Uint8Array>();
  puts = 0;
  gets = 0;
  deletes = 0;
  attach(ctx: SslContext): void {
    ctx.setSessionCallbacks({
      newSession: (s) => {
        this.puts++;
        this.data.set(s.idHex, ctx.sessionToBytes(s));
      },
      getSession: (id) => {
        this.gets++;
        const bytes = this.data.get(Buffer.from(id).toString('hex'));
        return bytes ? ctx.sessionFromBytes(bytes) : null;
      },
      removeSession: (s) => {
        this.deletes++;
        this.data.delete(s.idHex);
      },
    });
  }
}

test('two server contexts share one external store through the callbacks: a session made on one resumes on the other', () => {
  const store = new SharedStore();
  const serverOpts = { options: SSL_OP_NO_TICKET, sessionCacheMode: SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL };
  const a = contexts({}, serverOpts);
  const b = contexts({}, serverOpts);
  store.attach(a.serverCtx);
  store.attach(b.serverCtx);
  const first = connectOnce(a.clientCtx, a.serverCtx);
  assert.equal(store.puts, 1);
  assert.equal(a.serverCtx.sessionCache.size, 0, 'NO_INTERNAL_STORE: only the external store holds it');
  const second = connectOnce(a.clientCtx, b.serverCtx, first.client.getSession());
  assertResumed(second);
  assert.equal(store.gets, 1, 'server B asked the store');
  assert.equal(store.puts, 2, 'the resumed connection on B stored its own session');
});

test('a session evicted on one server (unclean free) is gone from the shared store for the other', () => {
  const store = new SharedStore();
  const serverOpts = { options: SSL_OP_NO_TICKET, sessionCacheMode: SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL };
  const a = contexts({}, serverOpts);
  const b = contexts({}, serverOpts);
  store.attach(a.serverCtx);
  store.attach(b.serverCtx);
  // Handshake and data, but the server is freed without shutdown(): S-46 evicts.
  const run = connectOnce(a.clientCtx, a.serverCtx, null, 'localhost', { serverSkipsShutdown: true });
  run.server.free();
  assert.equal(store.deletes, 1);
  assert.equal(store.data.size, 0);
  assertFull(connectOnce(a.clientCtx, b.serverCtx, run.client.getSession()));
});

test('two servers sharing ticket keys (stateless tickets) resume each other\'s sessions, no store needed', () => {
  const a = contexts();
  const b = contexts();
  const keys = a.serverCtx.ticketKeys.exportKeys();
  b.serverCtx.ticketKeys.setKeys(keys.current, keys.previous);
  const first = connectOnce(a.clientCtx, a.serverCtx);
  assertResumed(connectOnce(a.clientCtx, b.serverCtx, first.client.getSession()));
});

test('client cache mode: the new-session callback gets the client session; stored bytes resume in a new process', () => {
  const saved: Uint8Array[] = [];
  const { clientCtx, serverCtx } = contexts({ sessionCacheMode: SSL_SESS_CACHE_CLIENT });
  clientCtx.setSessionCallbacks({ newSession: (s) => saved.push(sessionToBytes(s, nodeCrypto)) });
  connectOnce(clientCtx, serverCtx);
  assert.equal(saved.length, 1);
  const restored = sessionFromBytes(saved[0]!, nodeCrypto);
  assert.equal(restored.side, 'client');
  assert.ok(restored.isResumable());
  assertResumed(connectOnce(contexts().clientCtx, serverCtx, restored));
});

test('session bytes: round trip keeps every field; corruption, truncation and other versions are refused', () => {
  const { clientCtx, serverCtx } = contexts({}, { alpnProtocols: ['h2'] });
  clientCtx.setAlpnProtocols(['h2']);
  const run = connectOnce(clientCtx, serverCtx);
  for (const s of [run.client.getSession()!, run.server.getSession()!]) {
    const bytes = sessionToBytes(s, nodeCrypto);
    const back = sessionFromBytes(bytes, nodeCrypto);
    assert.deepEqual(sessionToBytes(back, nodeCrypto), bytes);
    for (const k of ['side', 'version', 'alpn', 'serverName', 'createdAt', 'timeout', 'ticketsIssued', 'idHex'] as const) assert.deepEqual(back[k], s[k], k);
    assert.equal(back.suite.id, s.suite.id);
    assert.deepEqual(back.peerCertificates.map((c) => Buffer.from(c).toString('hex')), s.peerCertificates.map((c) => Buffer.from(c).toString('hex')));
    assert.equal(back.isResumable(), s.isResumable());
    for (let i = 0; i < bytes.length; i += 7) {
      const bad = bytes.slice();
      bad[i]! ^= 1;
      assert.throws(() => sessionFromBytes(bad, nodeCrypto), SessionFormatError);
    }
    assert.throws(() => sessionFromBytes(bytes.subarray(0, bytes.length - 1), nodeCrypto), SessionFormatError);
    const newer = bytes.slice();
    newer[3] = SESSION_FORMAT_VERSION + 1;
    assert.throws(() => sessionFromBytes(newer, nodeCrypto), new RegExp(`format version ${SESSION_FORMAT_VERSION + 1}`));
  }
  assert.equal(run.server.getSession()!.resumptionSecret?.length, 32);
  assert.equal(run.client.getSession()!.alpn, 'h2');
});

test('a session keeps its ID and secrets as copies in one buffer: each read is a new view of the same bytes, absent ones null', () => {
  const id = new Uint8Array(32).fill(1);
  const rms = new Uint8Array(48).fill(2);
  const ms = new Uint8Array(48).fill(3);
  const base = { version: 'TLSv1.3' as const, suite: suiteInfo(0x1301)!, alpn: null, serverName: null, peerCertificates: [], tickets: [], createdAt: 0, timeout: 7200 };
  const server13 = new Session({ ...base, side: 'server', id, resumptionSecret: rms });
  const client12 = new Session({ ...base, side: 'client', version: 'TLSv1.2', suite: suiteInfo(0xc02b)!, id: new Uint8Array(0), masterSecret: ms });
  const both = new Session({ ...base, side: 'server', id, resumptionSecret: rms, masterSecret: ms });
  // The inputs may change afterwards (views of connection buffers): the session copied them.
  id.fill(9);
  rms.fill(9);
  ms.fill(9);
  assert.deepEqual(server13.id, new Uint8Array(32).fill(1));
  assert.deepEqual(server13.resumptionSecret, new Uint8Array(48).fill(2));
  assert.equal(server13.masterSecret, null);
  assert.equal(server13.idHex, '01'.repeat(32));
  assert.equal(client12.id.length, 0);
  assert.equal(client12.resumptionSecret, null);
  assert.deepEqual(client12.masterSecret, new Uint8Array(48).fill(3));
  assert.deepEqual(both.resumptionSecret, new Uint8Array(48).fill(2));
  assert.deepEqual(both.masterSecret, new Uint8Array(48).fill(3));
  // One buffer behind all of them.
  assert.equal(both.id.buffer, both.masterSecret!.buffer);
  assert.equal(both.resumptionSecret!.buffer, both.id.buffer);
  assert.notEqual(both.id, both.id, 'a new view per read');
});

test('a not-resumable mark survives serialisation', () => {
  const { clientCtx, serverCtx } = contexts();
  const s: Session = connectOnce(clientCtx, serverCtx).client.getSession()!;
  s.notResumable();
  assert.equal(sessionFromBytes(sessionToBytes(s, nodeCrypto), nodeCrypto).isResumable(), false);
});
