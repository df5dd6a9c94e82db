import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../src/crypto/node.js';
import { SslContext } from '../../src/ssl/context.js';
import { PeerChainCache } from '../../src/ssl/peer-chain-cache.js';
import { createSelfSignedCertificate } from '../../src/x509/self-signed.js';
import { testCertificate } from '../helpers/memory-pair.js';
import { memoryPairFrom } from '../helpers/resumption.js';

/** `bytes` as a view in the middle of a larger buffer, as a decoded handshake record hands it out. */
function viewOf(bytes: number[]): Uint8Array {
  const record = new Uint8Array(bytes.length + 10).fill(0xee);
  record.set(bytes, 5);
  return record.subarray(5, 5 + bytes.length);
}

test('PeerChainCache: an equal chain gets the remembered array; the copies own their bytes', () => {
  const cache = new PeerChainCache();
  const received = [viewOf([1, 2, 3]), viewOf([4, 5])];
  const kept = cache.keep(received);
  assert.deepEqual(kept, [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])]);
  for (const c of kept) assert.equal(c.buffer.byteLength, c.length, 'a copy, not a view of the record');
  assert.notEqual(kept[0], received[0]);
  // Received again (other records, same bytes): the same array and certificates.
  assert.equal(cache.keep([viewOf([1, 2, 3]), viewOf([4, 5])]), kept);
  // Anything that differs (a byte, a length, the number of certificates, their order) does not match.
  for (const other of [
    [[1, 2, 9], [4, 5]],
    [[1, 2, 3], [4, 5, 6]],
    [[1, 2, 3]],
    [[4, 5], [1, 2, 3]],
  ]) {
    const k = cache.keep(other.map(viewOf));
    assert.notEqual(k, kept);
    assert.deepEqual(k, other.map((c) => new Uint8Array(c)));
  }
});

test('PeerChainCache: remembers the most recently kept chains up to its capacity', () => {
  const cache = new PeerChainCache(2);
  const a = cache.keep([viewOf([1])]);
  const b = cache.keep([viewOf([2])]);
  // Using a again makes b the oldest: a third chain pushes b out, not a.
  assert.equal(cache.keep([viewOf([1])]), a);
  cache.keep([viewOf([3])]);
  assert.equal(cache.keep([viewOf([1])]), a);
  const b2 = cache.keep([viewOf([2])]);
  assert.notEqual(b2, b, 'forgotten: a new copy');
  assert.deepEqual(b2, b);
});

test('connections of one client context to one server share the certificates they keep; another server\'s are its own', () => {
  const cert = testCertificate();
  const other = createSelfSignedCertificate({ provider: nodeCrypto, commonName: 'other' });
  const server = (c: typeof cert) => new SslContext({ provider: nodeCrypto, certificate: c.certificatePem, privateKey: c.privateKeyPem, numTickets: 0 });
  const serverA = server(cert);
  const serverB = server(other);
  const clientCtx = new SslContext({ provider: nodeCrypto, trustedCertificates: [cert.certificatePem, other.certificatePem].join('\n') });
  const connect = (serverCtx: SslContext) => {
    const p = memoryPairFrom(clientCtx, serverCtx);
    p.handshake();
    return p;
  };
  const first = connect(serverA);
  const second = connect(serverA);
  const third = connect(serverB);
  const [a1] = first.client.getPeerCertificates();
  const [a2] = second.client.getPeerCertificates();
  const [b] = third.client.getPeerCertificates();
  assert.deepEqual(a1, cert.certificateDer);
  assert.equal(a2, a1, 'the second connection keeps the first one\'s certificate, not a copy of its own');
  assert.equal(a1!.buffer.byteLength, a1!.length, 'not a view of a handshake record');
  assert.deepEqual(b, other.certificateDer);
  // The list handed out is new at each call: changing it changes nothing the connections keep.
  const list = first.client.getPeerCertificates();
  list.pop();
  assert.equal(second.client.getPeerCertificates()[0], a1);
  assert.equal(first.client.getPeerCertificates().length, 1);
  // Another context keeps its own copies.
  const p = memoryPairFrom(new SslContext({ provider: nodeCrypto, trustedCertificates: cert.certificatePem }), serverA);
  p.handshake();
  assert.notEqual(p.client.getPeerCertificates()[0], a1);
  assert.deepEqual(p.client.getPeerCertificates()[0], a1);
});
