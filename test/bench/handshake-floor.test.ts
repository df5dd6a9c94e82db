/**
 * The benchmark's handshake floor (bench/handshake-floor.ts) replays the node:crypto calls of a
 * typessl server handshake from a table. Here a counting provider watches a real typessl server
 * make one handshake of the benchmark's shape (bench contexts, one byte of data from the server)
 * and the table must match what it saw, call for call: otherwise the floor would bound something
 * other than the engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../src/crypto/node.js';
import type { Aead, CryptoProvider, Hash, KeyShare } from '../../src/crypto/provider.js';
import { SslContext } from '../../src/ssl/context.js';
import { SUITES } from '../../bench/common.js';
import { typesslOptions } from '../../bench/endpoints.js';
import { floorShape, serverHandshakeFloorUs, type FloorShape } from '../../bench/handshake-floor.js';
import { testCertificate } from '../helpers/memory-pair.js';
import { memoryPairFrom } from '../helpers/resumption.js';

/** A node:crypto provider that records the calls a floor shape describes. */
function recordingProvider(): { provider: CryptoProvider; seen: FloorShape & { keyShares: number; derivations: number } } {
  const seen = { transcript: [] as number[], digests: 0, hmacs: [] as Array<[number, number]>, signedLength: 0, seals: [] as FloorShape['seals'], opens: [] as FloorShape['opens'], randoms: [] as number[], keyShares: 0, derivations: 0 };
  const hashLength = (h: Parameters<CryptoProvider['hashLength']>[0]): number => nodeCrypto.hashLength(h);
  const watchHash = (h: Hash, record: boolean): Hash => ({
    update(data) {
      if (record) seen.transcript.push(data.length);
      h.update(data);
    },
    copy() {
      const c = h.copy();
      return {
        update: (d) => c.update(d),
        copy: () => c.copy(),
        digest() {
          seen.digests++;
          return c.digest();
        },
      };
    },
    digest: () => h.digest(),
  });
  const watchAead = (a: Aead): Aead => {
    const kind = a.algorithm === 'aes-256-gcm' ? ('ticket' as const) : ('record' as const);
    return {
      algorithm: a.algorithm,
      tagLength: a.tagLength,
      seal(nonce, aad, plaintext, prefix) {
        seen.seals.push({ aead: kind, aadLength: aad.length, plaintextLength: plaintext.length });
        return a.seal(nonce, aad, plaintext, prefix);
      },
      sealParts(nonce, aad, plaintext, trailer) {
        seen.seals.push({ aead: kind, aadLength: aad.length, plaintextLength: plaintext.length + trailer.length });
        return a.sealParts!(nonce, aad, plaintext, trailer);
      },
      open(nonce, aad, sealed) {
        seen.opens.push({ aead: kind, aadLength: aad.length, plaintextLength: sealed.length - a.tagLength });
        return a.open(nonce, aad, sealed);
      },
    };
  };
  const provider = Object.create(nodeCrypto) as CryptoProvider;
  provider.randomBytes = (n) => {
    seen.randoms.push(n);
    return nodeCrypto.randomBytes(n);
  };
  provider.createHash = (h) => watchHash(nodeCrypto.createHash(h), true);
  provider.hmac = (h, key, data) => {
    seen.hmacs.push([key.length, data.length]);
    return nodeCrypto.hmac(h, key, data);
  };
  provider.hkdfExtract = (h, salt, ikm) => {
    seen.hmacs.push([salt.length === 0 ? hashLength(h) : salt.length, ikm.length]);
    return nodeCrypto.hkdfExtract(h, salt, ikm);
  };
  provider.hkdfExpand = (h, prk, info, length) => {
    assert.ok(length <= hashLength(h), 'one HMAC per expansion');
    seen.hmacs.push([prk.length, info.length + 1]);
    return nodeCrypto.hkdfExpand(h, prk, info, length);
  };
  // A prepared key's HMACs are listed like any other: the floor makes each with its own createHmac.
  provider.hmacKey = (h, key) => {
    const prepared = nodeCrypto.hmacKey!(h, key);
    return {
      mac(data) {
        seen.hmacs.push([key.length, data.length]);
        return prepared.mac(data);
      },
      expand(info, length) {
        assert.ok(length <= hashLength(h), 'one HMAC per expansion');
        seen.hmacs.push([key.length, info.length + 1]);
        return prepared.expand(info, length);
      },
    };
  };
  provider.sign = (scheme, key, message, tls12) => {
    seen.signedLength = message.length;
    return nodeCrypto.sign(scheme, key, message, tls12);
  };
  provider.createAead = (algorithm, key) => watchAead(nodeCrypto.createAead(algorithm, key));
  provider.generateKeyShare = (group) => {
    seen.keyShares++;
    const share = nodeCrypto.generateKeyShare(group);
    const watched: KeyShare = {
      group: share.group,
      publicKey: share.publicKey,
      deriveSecret(peer) {
        seen.derivations++;
        return share.deriveSecret(peer);
      },
    };
    return watched;
  };
  return { provider, seen };
}

/** Bytes by which certificate-dependent lengths may differ from the table's (benchmark certificate). */
const CERTIFICATE_MARGIN = 64;

const byValue = <T>(list: T[]): string[] => list.map((x) => JSON.stringify(x)).sort();

for (const suite of SUITES) {
  test(`handshake floor, ${suite.label}: the table holds exactly the node:crypto calls of a typessl server handshake`, () => {
    const cert = testCertificate();
    const { provider, seen } = recordingProvider();
    const serverCtx = new SslContext({ ...typesslOptions(suite.id, 'typessl'), provider, certificate: cert.certificatePem, privateKey: cert.privateKeyPem });
    const clientCtx = new SslContext({ ...typesslOptions(suite.id, 'typessl'), trustedCertificates: cert.certificatePem });
    // A first handshake makes the context's lazily built state (ticket key, certificate message).
    for (let round = 0; round < 2; round++) {
      if (round === 1) {
        for (const list of [seen.transcript, seen.hmacs, seen.seals, seen.opens, seen.randoms]) list.length = 0;
        Object.assign(seen, { digests: 0, signedLength: 0, keyShares: 0, derivations: 0 });
      }
      const { client, server, handshake } = memoryPairFrom(clientCtx, serverCtx);
      handshake();
      assert.equal(server.write(new Uint8Array([1])), 1);
      assert.equal(client.read(new Uint8Array(8)), 1);
    }
    const shape = floorShape(suite.id);
    assert.equal(seen.keyShares, 1, 'one ephemeral key share');
    assert.equal(seen.derivations, 1, 'one shared secret');
    assert.equal(seen.digests, shape.digests, 'transcript hashes');
    assert.deepEqual(byValue(seen.hmacs), byValue(shape.hmacs), 'HMAC calls [key length, input length]');
    assert.equal(seen.signedLength, shape.signedLength, 'signed input length');
    assert.deepEqual(byValue(seen.opens), byValue(shape.opens), 'AEAD opens');
    assert.deepEqual(byValue(seen.randoms), byValue(shape.randoms), 'random draws');
    // The Certificate message, the signature (DER, 70-72 bytes) and the records carrying them vary
    // with the certificate: the table holds the benchmark certificate's sizes, within a margin.
    const near = (what: string, got: number[], want: number[]): void => {
      assert.equal(got.length, want.length, `${what}: count`);
      got.forEach((n, i) => assert.ok(Math.abs(n - want[i]!) <= CERTIFICATE_MARGIN, `${what} ${i}: ${n} vs ${want[i]}`));
    };
    near('transcript message', seen.transcript, shape.transcript);
    const seals = (list: FloorShape['seals']): FloorShape['seals'] => [...list].sort((a, b) => a.aead.localeCompare(b.aead) || a.aadLength - b.aadLength || a.plaintextLength - b.plaintextLength);
    const [got, want] = [seals(seen.seals), seals(shape.seals)];
    assert.deepEqual(got.map((x) => [x.aead, x.aadLength]), want.map((x) => [x.aead, x.aadLength]), 'AEAD seals: keys and AADs');
    near('sealed plaintext', got.map((x) => x.plaintextLength), want.map((x) => x.plaintextLength));
  });

  test(`handshake floor, ${suite.label}: measures a positive CPU time per handshake`, () => {
    const cert = testCertificate();
    const us = serverHandshakeFloorUs(suite.id, cert.privateKeyPem, 20);
    assert.ok(Number.isFinite(us) && us > 0, `floor ${us} us`);
  });
}
