/**
 * RFC 8448 reproduced byte for byte: section 3 (Simple 1-RTT Handshake) and section 5
 * (HelloRetryRequest), in both roles. The RFC's random values, ephemeral keys and RSA signature
 * are injected through a scripted CryptoProvider; everything else (transcript, key schedule,
 * record protection, message encoding) is typessl's own work and must produce the RFC's bytes.
 */
import { X509_V_ERR_HOSTNAME_MISMATCH } from '../../src/x509/verify-result.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBio } from '../../src/bio/memory.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import { portableCrypto } from '../../src/crypto/portable.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { KeySchedule13 } from '../../src/engine/tls13/key-schedule.js';
import { SslContext, type SslContextOptions } from '../../src/ssl/context.js';
import { Ssl } from '../../src/ssl/ssl.js';
import { SSL_ERROR_WANT_READ, SSL_ERROR_ZERO_RETURN } from '../../src/ssl/constants.js';
import { CipherSuite, ExtensionType, NamedGroup, SignatureScheme } from '../../src/wire/enums.js';
import { decodeClientHello, decodeEncryptedExtensions, decodeNewSessionTicket } from '../../src/wire/handshake.js';
import { pemEncode } from '../../src/x509/pem.js';
import { rfc8448HelloRetry as hrr, rfc8448Simple as simple } from './rfc8448-data.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array | null): string => (b ? Buffer.from(b).toString('hex') : '(nothing)');
const certPem = pemEncode('CERTIFICATE', hex(simple.serverCertificateDer));

interface Script {
  randoms: string[];
  /** Ephemeral private keys to hand out, per group, in order. */
  privates: Partial<Record<number, string[]>>;
  /** The RFC's CertificateVerify signature, returned after checking it verifies over what we sign. */
  signature?: string;
}

/** A provider (`base`) with the RFC's randomness, ephemeral keys and (randomised) RSA-PSS signature. */
function scripted(base: CryptoProvider, script: Script): CryptoProvider {
  const randoms = script.randoms.map(hex);
  const p: CryptoProvider = Object.create(base);
  p.randomBytes = (n: number) => {
    const next = randoms.shift();
    // Once the RFC's randoms are used up, the Ssl may still draw its own (the session ID it makes
    // when the handshake completes): that is not part of the trace. An extra draw during the
    // handshake would still show, as records that no longer match the RFC byte for byte.
    if (next === undefined) return base.randomBytes(n);
    assert.equal(next.length, n);
    return next;
  };
  p.generateKeyShare = (group: number) => {
    const priv = script.privates[group]?.shift();
    assert.ok(priv, `unexpected key share for group ${group}`);
    return base.keyShareFromPrivate(group, hex(priv));
  };
  p.sign = (scheme, key, message) => {
    assert.ok(script.signature, 'unexpected sign()');
    const sig = hex(script.signature);
    // The injected signature must be a valid signature over exactly what typessl signs.
    const pub = base.importPublicKey(base.publicKeyOf(key));
    assert.ok(base.verify(scheme, pub, message, sig), 'RFC signature does not verify over the content typessl signs');
    return sig;
  };
  return p;
}

/** Handshake message body of a full message (strip the 4-byte header). */
const body = (msg: string) => hex(msg).subarray(4);

function endpoint(role: 'client' | 'server', provider: CryptoProvider, extra: SslContextOptions): { ssl: Ssl; input: MemoryBio; output: MemoryBio; keylog: Map<string, string> } {
  const ctx = new SslContext({
    provider,
    // Inside the RFC certificate's validity (2016-07-30 .. 2026-07-30): the client verifies it.
    now: () => Date.UTC(2016, 7, 1),
    ciphersuites: [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384],
    middleboxCompat: false,
    // The traces are of TLS 1.3-only endpoints: a client that also offered TLS 1.2 would send more.
    minVersion: 'TLSv1.3',
    ...extra,
  });
  const ssl = new Ssl(ctx);
  const input = new MemoryBio();
  const output = new MemoryBio();
  ssl.setBio(input, output);
  const keylog = new Map<string, string>();
  ssl.setKeyLog((label, _random, secret) => keylog.set(label, toHex(secret)));
  if (role === 'client') ssl.setConnectState();
  else ssl.setAcceptState();
  return { ssl, input, output, keylog };
}

// The trace must come out byte for byte with either provider: the engine is the same, and both
// providers must compute the same key schedule, AEAD records and RSA-PSS verification.
for (const base of [nodeCrypto, portableCrypto]) {
  test(`RFC 8448 section 3: key schedule secrets, traffic keys and Finished keys [${base.name}]`, () => {
    const ks = new KeySchedule13(base, 'sha256');
    assert.equal(toHex(ks.earlySecret), simple.earlySecret);
    assert.equal(toHex(ks.enterHandshake(hex(simple.sharedSecret))), simple.handshakeSecret);
    const hs = ks.handshakeTrafficSecrets(hex(simple.helloTranscriptHash));
    assert.equal(toHex(hs.client), simple.clientHandshakeTrafficSecret);
    assert.equal(toHex(hs.server), simple.serverHandshakeTrafficSecret);
    assert.equal(toHex(ks.enterMaster()), simple.masterSecret);
    const app = ks.applicationSecrets(hex(simple.serverFinishedTranscriptHash));
    assert.equal(toHex(app.client), simple.clientApplicationTrafficSecret0);
    assert.equal(toHex(app.server), simple.serverApplicationTrafficSecret0);
    assert.equal(toHex(app.exporter), simple.exporterMasterSecret);
    const keys = (secret: Uint8Array) => ks.trafficKeys(secret, 16);
    assert.equal(toHex(keys(hs.server).key), simple.serverHandshakeKey);
    assert.equal(toHex(keys(hs.server).iv), simple.serverHandshakeIv);
    assert.equal(toHex(keys(hs.client).key), simple.clientHandshakeKey);
    assert.equal(toHex(keys(hs.client).iv), simple.clientHandshakeIv);
    assert.equal(toHex(keys(app.server).key), simple.serverApplicationKey);
    assert.equal(toHex(keys(app.server).iv), simple.serverApplicationIv);
    assert.equal(toHex(keys(app.client).key), simple.clientApplicationKey);
    assert.equal(toHex(keys(app.client).iv), simple.clientApplicationIv);
    const throughCv = base.digest('sha256', hex(simple.clientHello + simple.serverHello + simple.encryptedExtensions + simple.certificate + simple.certificateVerify));
    assert.equal(toHex(ks.finishedVerifyData(hs.server, throughCv)), simple.serverFinishedVerifyData);
    const throughServerFinished = base.digest('sha256', hex(simple.clientHello + simple.serverHello + simple.encryptedExtensions + simple.certificate + simple.certificateVerify + simple.serverFinished));
    assert.equal(toHex(ks.finishedVerifyData(hs.client, throughServerFinished)), simple.clientFinishedVerifyData);
    const rms = ks.resumptionMasterSecret(hex(simple.clientFinishedTranscriptHash));
    assert.equal(toHex(rms), simple.resumptionMasterSecret);
    assert.equal(toHex(ks.ticketPsk(rms, hex(simple.ticketNonce))), simple.resumptionPsk);
  });

  test(`RFC 8448 section 3, client role: every record the client sends matches the trace [${base.name}]`, () => {
    const provider = scripted(base, { randoms: [toHex(decodeClientHello(body(simple.clientHello)).random)], privates: { [NamedGroup.x25519]: [simple.clientX25519Private] } });
    const c = endpoint('client', provider, {
      trustedCertificates: certPem,
      // The RFC's server certificate is a 1024-bit RSA key from 2016 with CN=rsa and no
      // subjectAltName, while the trace's SNI is "server": both allowed here, for the trace only.
      verifyPolicy: { minRsaBits: 1024 },
      verifyCallback: (ok, v) => ok || v.error === X509_V_ERR_HOSTNAME_MISMATCH,
      groups: [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1],
      hooks: {
        // The RFC's client (NSS) also offers groups and schemes typessl does not implement; the hook
        // sends its exact ClientHello after checking that typessl made the same random and key share.
        clientHello(ours) {
          const rfc = decodeClientHello(body(simple.clientHello));
          assert.deepEqual(ours.random, rfc.random);
          const share = (h: typeof ours) => toHex(h.extensions.find((e) => e.type === ExtensionType.key_share)!.data);
          assert.equal(share(ours), share(rfc));
          assert.deepEqual(ours.cipherSuites, rfc.cipherSuites);
          return rfc;
        },
      },
    });
    c.ssl.setServerName('server');
    assert.equal(c.ssl.connect(), -1);
    assert.equal(c.ssl.getError(-1), SSL_ERROR_WANT_READ);
    assert.equal(toHex(c.output.drain()), simple.clientHelloRecord);

    c.input.write(hex(simple.serverHelloRecord));
    c.input.write(hex(simple.serverEncryptedHandshakeRecord));
    assert.equal(c.ssl.connect(), 1, JSON.stringify(c.ssl.getErrorInfo()));
    assert.equal(toHex(c.output.drain()), simple.clientEncryptedHandshakeRecord);
    assert.equal(c.keylog.get('CLIENT_HANDSHAKE_TRAFFIC_SECRET'), simple.clientHandshakeTrafficSecret);
    assert.equal(c.keylog.get('SERVER_HANDSHAKE_TRAFFIC_SECRET'), simple.serverHandshakeTrafficSecret);
    assert.equal(c.keylog.get('CLIENT_TRAFFIC_SECRET_0'), simple.clientApplicationTrafficSecret0);
    assert.equal(c.keylog.get('SERVER_TRAFFIC_SECRET_0'), simple.serverApplicationTrafficSecret0);
    assert.equal(c.keylog.get('EXPORTER_SECRET'), simple.exporterMasterSecret);
    assert.equal(c.ssl.getPeerSignatureSchemeName(), 'rsa_pss_rsae_sha256');

    // NewSessionTicket, then the server's application data.
    c.input.write(hex(simple.newSessionTicketRecord));
    c.input.write(hex(simple.serverApplicationDataRecord));
    const buf = new Uint8Array(100);
    const n = c.ssl.read(buf);
    assert.equal(toHex(buf.subarray(0, n)), simple.serverApplicationData);
    const tickets = c.ssl.connection!.tickets;
    assert.equal(tickets.length, 1);
    assert.equal(toHex(tickets[0]!.psk), simple.resumptionPsk);
    assert.equal(tickets[0]!.lifetime, 30);
    assert.equal(tickets[0]!.maxEarlyData, 1024);

    assert.equal(c.ssl.write(hex(simple.clientApplicationData)), 50);
    assert.equal(toHex(c.output.drain()), simple.clientApplicationDataRecord);
    assert.equal(c.ssl.shutdown(), 0);
    assert.equal(toHex(c.output.drain()), simple.clientAlertRecord);
    c.input.write(hex(simple.serverAlertRecord));
    assert.equal(c.ssl.shutdown(), 1);
  });

  test(`RFC 8448 section 3, server role: every record the server sends matches the trace [${base.name}]`, () => {
    const cv = hex(simple.certificateVerify);
    const nst = decodeNewSessionTicket(body(simple.newSessionTicket));
    const provider = scripted(base, {
      randoms: [toHex(hex(simple.serverHello).subarray(6, 38))],
      privates: { [NamedGroup.x25519]: [simple.serverX25519Private] },
      signature: toHex(cv.subarray(8)),
    });
    const s = endpoint('server', provider, {
      groups: [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1],
      signatureSchemes: [SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.ecdsa_secp256r1_sha256],
      issueTickets: () => [nst],
      hooks: {
        // The RFC's server (NSS) also lists its groups in EncryptedExtensions; typessl's own EE
        // (record_size_limit, server_name) must equal the rest.
        encryptedExtensions(ee) {
          const rfc = decodeEncryptedExtensions(body(simple.encryptedExtensions));
          assert.deepEqual(ee.extensions, rfc.extensions.filter((e) => e.type !== ExtensionType.supported_groups));
          return rfc;
        },
      },
    });
    s.ssl.ctx.useCertificateChain(certPem);
    s.ssl.ctx.usePrivateKey(simple.serverRsaPrivateKeyPem);
    s.input.write(hex(simple.clientHelloRecord));
    assert.equal(s.ssl.accept(), -1);
    assert.equal(s.ssl.getError(-1), SSL_ERROR_WANT_READ);
    assert.equal(toHex(s.output.drain()), simple.serverHelloRecord + simple.serverEncryptedHandshakeRecord);

    s.input.write(hex(simple.clientEncryptedHandshakeRecord));
    assert.equal(s.ssl.accept(), 1, JSON.stringify(s.ssl.getErrorInfo()));
    assert.equal(toHex(s.output.drain()), simple.newSessionTicketRecord);
    assert.equal(s.keylog.get('CLIENT_TRAFFIC_SECRET_0'), simple.clientApplicationTrafficSecret0);

    s.input.write(hex(simple.clientApplicationDataRecord));
    const buf = new Uint8Array(100);
    const n = s.ssl.read(buf);
    assert.equal(toHex(buf.subarray(0, n)), simple.clientApplicationData);
    assert.equal(s.ssl.write(hex(simple.serverApplicationData)), 50);
    assert.equal(toHex(s.output.drain()), simple.serverApplicationDataRecord);
    s.input.write(hex(simple.clientAlertRecord));
    assert.equal(s.ssl.read(buf), 0);
    assert.equal(s.ssl.getError(0), SSL_ERROR_ZERO_RETURN);
    assert.equal(s.ssl.shutdown(), 1);
    assert.equal(toHex(s.output.drain()), simple.serverAlertRecord);
  });

  test(`RFC 8448 section 5 (HelloRetryRequest), client role [${base.name}]`, () => {
    const ch1 = decodeClientHello(body(hrr.clientHello1));
    const ch2 = decodeClientHello(body(hrr.clientHello2));
    const provider = scripted(base, {
      randoms: [toHex(ch1.random)],
      privates: { [NamedGroup.x25519]: [hrr.clientX25519Private], [NamedGroup.secp256r1]: [hrr.clientP256Private] },
    });
    let hellos = 0;
    const c = endpoint('client', provider, {
      trustedCertificates: certPem,
      // The RFC's server certificate is a 1024-bit RSA key from 2016 with CN=rsa and no
      // subjectAltName, while the trace's SNI is "server": both allowed here, for the trace only.
      verifyPolicy: { minRsaBits: 1024 },
      verifyCallback: (ok, v) => ok || v.error === X509_V_ERR_HOSTNAME_MISMATCH,
      groups: [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1],
      hooks: {
        clientHello(ours) {
          const rfc = hellos++ === 0 ? ch1 : ch2;
          const share = (h: typeof ours) => toHex(h.extensions.find((e) => e.type === ExtensionType.key_share)!.data);
          assert.equal(share(ours), share(rfc));
          const cookie = (h: typeof ours) => h.extensions.find((e) => e.type === ExtensionType.cookie)?.data;
          assert.equal(toHex(cookie(ours) ?? null), toHex(cookie(rfc) ?? null));
          return rfc;
        },
      },
    });
    c.ssl.setServerName('server');
    assert.equal(c.ssl.connect(), -1);
    assert.equal(toHex(c.output.drain()), hrr.clientHello1Record);
    c.input.write(hex(hrr.helloRetryRequestRecord));
    assert.equal(c.ssl.connect(), -1);
    assert.equal(toHex(c.output.drain()), hrr.clientHello2Record);
    c.input.write(hex(hrr.serverHelloRecord));
    c.input.write(hex(hrr.serverEncryptedHandshakeRecord));
    assert.equal(c.ssl.connect(), 1, JSON.stringify(c.ssl.getErrorInfo()));
    assert.equal(toHex(c.output.drain()), hrr.clientEncryptedHandshakeRecord);
    assert.equal(c.keylog.get('CLIENT_TRAFFIC_SECRET_0'), hrr.clientApplicationTrafficSecret0);
    assert.equal(c.keylog.get('EXPORTER_SECRET'), hrr.exporterMasterSecret);
    assert.equal(c.ssl.getNegotiated()?.helloRetry, true);
    assert.equal(c.ssl.shutdown(), 0);
    assert.equal(toHex(c.output.drain()), hrr.clientAlertRecord);
    c.input.write(hex(hrr.serverAlertRecord));
    assert.equal(c.ssl.shutdown(), 1);
  });

  test(`RFC 8448 section 5 (HelloRetryRequest), server role: HRR with the cookie, then the full flight [${base.name}]`, () => {
    const cv = hex(hrr.certificateVerify);
    const provider = scripted(base, {
      randoms: [toHex(hex(hrr.serverHello).subarray(6, 38))],
      privates: { [NamedGroup.secp256r1]: [hrr.serverP256Private] },
      signature: toHex(cv.subarray(8)),
    });
    const s = endpoint('server', provider, {
      // Only P-256 is acceptable, so the client's X25519 share forces a HelloRetryRequest.
      groups: [NamedGroup.secp256r1],
      hrrCookie: true,
      // The trace's server sends no NewSessionTicket.
      numTickets: 0,
      makeCookie: () => hex(hrr.helloRetryRequestCookie),
      signatureSchemes: [SignatureScheme.rsa_pss_rsae_sha256],
      hooks: {
        encryptedExtensions(ee) {
          const rfc = decodeEncryptedExtensions(body(hrr.encryptedExtensions));
          assert.deepEqual(ee.extensions, rfc.extensions.filter((e) => e.type !== ExtensionType.supported_groups));
          return rfc;
        },
      },
    });
    s.ssl.ctx.useCertificateChain(certPem);
    s.ssl.ctx.usePrivateKey(hrr.serverRsaPrivateKeyPem);
    s.input.write(hex(hrr.clientHello1Record));
    assert.equal(s.ssl.accept(), -1);
    assert.equal(toHex(s.output.drain()), hrr.helloRetryRequestRecord);
    s.input.write(hex(hrr.clientHello2Record));
    assert.equal(s.ssl.accept(), -1);
    assert.equal(toHex(s.output.drain()), hrr.serverHelloRecord + hrr.serverEncryptedHandshakeRecord);
    s.input.write(hex(hrr.clientEncryptedHandshakeRecord));
    assert.equal(s.ssl.accept(), 1, JSON.stringify(s.ssl.getErrorInfo()));
    assert.equal(s.keylog.get('SERVER_TRAFFIC_SECRET_0'), hrr.serverApplicationTrafficSecret0);
    s.input.write(hex(hrr.clientAlertRecord));
    const buf = new Uint8Array(10);
    assert.equal(s.ssl.read(buf), 0);
    assert.equal(s.ssl.shutdown(), 1);
    assert.equal(toHex(s.output.drain()), hrr.serverAlertRecord);
  });
}
