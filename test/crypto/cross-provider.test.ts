/**
 * Cross-provider handshakes over memory BIOs: a portable client against a node server and the
 * reverse (and portable against portable), for every TLS 1.3 suite, every group and every kind of
 * certificate key, with data both ways and a close_notify shutdown. The two providers must agree
 * on every byte that crosses the wire, so any difference in a primitive breaks these handshakes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '../../src/crypto/node.js';
import { portableCrypto } from '../../src/crypto/portable.js';
import type { CryptoProvider, SigningKeyKind } from '../../src/crypto/provider.js';
import { CipherSuite, NamedGroup } from '../../src/wire/enums.js';
import { createSelfSignedCertificate } from '../../src/x509/self-signed.js';
import { memoryPair } from '../helpers/memory-pair.js';

const pairs: [string, CryptoProvider, CryptoProvider][] = [
  ['portable client, node server', portableCrypto, nodeCrypto],
  ['node client, portable server', nodeCrypto, portableCrypto],
  ['portable client, portable server', portableCrypto, portableCrypto],
];

const suites = [
  ['TLS_AES_128_GCM_SHA256', CipherSuite.TLS_AES_128_GCM_SHA256],
  ['TLS_AES_256_GCM_SHA384', CipherSuite.TLS_AES_256_GCM_SHA384],
  ['TLS_CHACHA20_POLY1305_SHA256', CipherSuite.TLS_CHACHA20_POLY1305_SHA256],
] as const;
const groups = [
  ['X25519', NamedGroup.x25519],
  ['P-256', NamedGroup.secp256r1],
  ['P-384', NamedGroup.secp384r1],
] as const;

/** Certificates made once per kind; each side imports the PEM key with its own provider. */
const certs = new Map<SigningKeyKind, { certificatePem: string; privateKeyPem: string }>();
function certificate(kind: SigningKeyKind): { certificatePem: string; privateKeyPem: string } {
  let c = certs.get(kind);
  if (c === undefined) {
    c = createSelfSignedCertificate({ provider: nodeCrypto, keyKind: kind });
    certs.set(kind, c);
  }
  return c;
}

/** One handshake, 20 KiB each way (two records), and a bidirectional close_notify. */
function run(client: CryptoProvider, server: CryptoProvider, suite: number, group: number, kind: SigningKeyKind): string {
  const cert = certificate(kind);
  const pair = memoryPair(
    { provider: client, trustedCertificates: cert.certificatePem, ciphersuites: [suite], groups: [group] },
    { provider: server, certificate: cert.certificatePem, privateKey: cert.privateKeyPem, ciphersuites: [suite], groups: [group] },
  );
  pair.handshake();
  const up = client.randomBytes(20_000);
  const down = server.randomBytes(20_000);
  assert.equal(pair.client.write(up), up.length);
  assert.equal(pair.server.write(down), down.length);
  pair.transfer();
  const readAll = (ssl: typeof pair.client, n: number): Uint8Array => {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = ssl.read(out.subarray(got));
      assert.ok(r > 0, `read returned ${r}`);
      got += r;
    }
    return out;
  };
  assert.ok(Buffer.from(readAll(pair.server, up.length)).equals(up), 'client -> server data intact');
  assert.ok(Buffer.from(readAll(pair.client, down.length)).equals(down), 'server -> client data intact');
  assert.equal(pair.client.shutdown(), 0);
  pair.transfer();
  assert.equal(pair.server.read(new Uint8Array(1)), 0, 'server sees close_notify');
  assert.equal(pair.server.shutdown(), 1);
  pair.transfer();
  assert.equal(pair.client.shutdown(), 1);
  return `${pair.client.getCipherName()} ${pair.client.getGroupName()} ${pair.client.getPeerSignatureSchemeName()}`;
}

for (const [name, client, server] of pairs) {
  test(`cross-provider handshake, ${name}: every suite x group (ECDSA P-256 certificate)`, () => {
    for (const [suiteName, suite] of suites) {
      for (const [, group] of groups) {
        const seen = run(client, server, suite, group, 'ec-p256');
        assert.match(seen, new RegExp(`^${suiteName} `));
      }
    }
  });

  test(`cross-provider handshake, ${name}: RSA (PSS), Ed25519 and P-384 certificates`, () => {
    assert.match(run(client, server, CipherSuite.TLS_AES_128_GCM_SHA256, NamedGroup.x25519, 'rsa-2048'), /rsa_pss_rsae_sha256$/);
    assert.match(run(client, server, CipherSuite.TLS_AES_256_GCM_SHA384, NamedGroup.secp256r1, 'ed25519'), /ed25519$/);
    assert.match(run(client, server, CipherSuite.TLS_CHACHA20_POLY1305_SHA256, NamedGroup.secp384r1, 'ec-p384'), /ecdsa_secp384r1_sha384$/);
  });
}
