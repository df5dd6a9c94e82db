/**
 * The node:crypto floor of a server handshake: the node:crypto calls a typessl server makes for
 * one full handshake of the benchmark's shape (the handshake, two TLS 1.3 tickets or one TLS 1.2
 * ticket, one byte of application data), made back to back in this process with nothing else
 * around them: no parsing, no state machine, no sockets, warm caches. It is what any TLS server
 * written in JavaScript pays on node:crypto for the same work, using the fastest call forms found
 * (HKDF as one HMAC per step, X25519 through JWK, a fresh AEAD context per record); node:tls does
 * the same work in C without crossing into JavaScript per call. Set beside node:tls's whole server
 * CPU per handshake in the same run, it shows how much of the handshake budget these calls alone
 * take. test/bench/handshake-floor.test.ts checks that the shapes below match the calls typessl's
 * server really makes, so the floor cannot drift from the engine it bounds.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  randomFillSync,
  sign,
  type CipherGCMTypes,
  type KeyObject,
} from 'node:crypto';
import { cpuMicros, suiteSpec, type SuiteId } from './common.js';

type AeadName = CipherGCMTypes;

/** One AEAD call of the handshake: algorithm, AAD length, plaintext length. */
interface AeadCall {
  aead: 'record' | 'ticket';
  aadLength: number;
  plaintextLength: number;
}

/** The node:crypto work of one server handshake, by call. */
export interface FloorShape {
  /** Lengths of the handshake messages fed to the transcript hash. */
  transcript: number[];
  /** Transcript hashes taken (each a copy of the running hash, digested; a point asked for twice is taken once). */
  digests: number;
  /**
   * HMAC calls as [key length, input length]: every HKDF-Extract, every HKDF-Expand of at most one
   * hash length (RFC 8446 7.1), every TLS 1.2 PRF block (two HMACs each, RFC 5246 5) and Finished MAC.
   */
  hmacs: Array<[number, number]>;
  /** Length of the input the server's signature covers (CertificateVerify or ServerKeyExchange). */
  signedLength: number;
  seals: AeadCall[];
  opens: AeadCall[];
  /** Random byte strings drawn (randoms, ticket nonces and IVs). */
  randoms: number[];
}

/**
 * TLS 1.3, SHA-256 suites (RFC 8446 7.1): 2 extracts and 17 expands of the key schedule (handshake
 * and application traffic secrets, their keys and IVs, two finished keys, "derived", exporter and
 * resumption master secrets), two Finished MACs. Records: the flight (EncryptedExtensions to
 * Finished) in one, both tickets in one, the byte of data in one; each ticket body sealed with the
 * ticket key (AES-256-GCM); the client's Finished opened.
 */
const TLS13_SHAPE: FloorShape = {
  transcript: [219, 122, 10, 419, 78, 36, 36],
  digests: 5,
  hmacs: [
    [32, 32], [32, 55], [32, 55], [32, 14], [32, 13], [32, 14], [32, 13], [32, 19], [32, 32], [32, 50], [32, 32],
    [32, 55], [32, 55], [32, 53], [32, 14], [32, 13], [32, 19], [32, 32], [32, 14], [32, 13], [32, 53],
  ],
  signedLength: 130,
  seals: [
    { aead: 'record', aadLength: 5, plaintextLength: 544 },
    { aead: 'ticket', aadLength: 16, plaintextLength: 173 },
    { aead: 'ticket', aadLength: 16, plaintextLength: 173 },
    { aead: 'record', aadLength: 5, plaintextLength: 471 },
    { aead: 'record', aadLength: 5, plaintextLength: 2 },
  ],
  opens: [{ aead: 'record', aadLength: 5, plaintextLength: 37 }],
  randoms: [32, 32, 8, 12, 12],
};

/**
 * TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 with the extended master secret (RFC 7627) and a ticket
 * (RFC 5077): PRF blocks for the 48-byte master secret (2), the 40-byte key block (2) and each
 * 12-byte Finished (1 + 1), two HMACs a block. Records: the server's Finished, the byte of data;
 * the ticket body sealed with the ticket key; the client's Finished opened.
 */
const TLS12_SHAPE: FloorShape = {
  transcript: [118, 99, 416, 116, 4, 37, 16, 237, 16],
  digests: 2,
  hmacs: [
    [32, 54], [32, 86], [32, 32], [32, 86],
    [48, 77], [48, 109], [48, 32], [48, 109],
    [48, 47], [48, 79],
    [48, 47], [48, 79],
  ],
  signedLength: 100,
  seals: [
    { aead: 'ticket', aadLength: 16, plaintextLength: 183 },
    { aead: 'record', aadLength: 13, plaintextLength: 16 },
    { aead: 'record', aadLength: 13, plaintextLength: 1 },
  ],
  opens: [{ aead: 'record', aadLength: 13, plaintextLength: 16 }],
  randoms: [32, 32, 12],
};

/** The shape of a suite's server handshake. */
export function floorShape(suite: SuiteId): FloorShape {
  return suiteSpec(suite).version === 'TLSv1.3' ? TLS13_SHAPE : TLS12_SHAPE;
}

const TAG = { authTagLength: 16 } as const;
const TICKET_AEAD: AeadName = 'aes-256-gcm';
const KEY_LENGTH: Readonly<Record<string, number>> = { 'aes-128-gcm': 16, 'aes-256-gcm': 32, 'chacha20-poly1305': 32 };

interface PreparedOpen {
  algorithm: AeadName;
  key: Buffer;
  nonce: Buffer;
  aad: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** One server handshake's node:crypto calls, with every input made beforehand. */
function prepare(suite: SuiteId, signingKey: KeyObject): () => void {
  const shape = floorShape(suite);
  const recordAead = suiteSpec(suite).aead as AeadName;
  const algorithmOf = (c: AeadCall): AeadName => (c.aead === 'record' ? recordAead : TICKET_AEAD);
  const keys = new Map<AeadName, Buffer>([recordAead, TICKET_AEAD].map((a) => [a, randomBytes(KEY_LENGTH[a]!)]));
  const nonce = randomBytes(12);
  const messages = shape.transcript.map((n) => randomBytes(n));
  const hmacInputs = shape.hmacs.map(([k, d]) => ({ key: randomBytes(k), data: randomBytes(d) }));
  const signed = randomBytes(shape.signedLength);
  const seals = shape.seals.map((c) => ({ algorithm: algorithmOf(c), aad: randomBytes(c.aadLength), plaintext: randomBytes(c.plaintextLength) }));
  const opens: PreparedOpen[] = shape.opens.map((c) => {
    const algorithm = algorithmOf(c);
    const key = keys.get(algorithm)!;
    const aad = randomBytes(c.aadLength);
    const cipher = createCipheriv(algorithm as 'aes-128-gcm', key, nonce, TAG);
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(randomBytes(c.plaintextLength)), cipher.final()]);
    return { algorithm, key, nonce, aad, ciphertext, tag: cipher.getAuthTag() };
  });
  const randoms = shape.randoms.map((n) => Buffer.alloc(n));
  // X25519 with a JWK public key, as the node provider makes its shares (@types/node types only
  // PEM/DER encodings for X25519).
  const jwkOptions = { publicKeyEncoding: { format: 'jwk' } } as const;
  const generate = generateKeyPairSync as unknown as (t: 'x25519', o: typeof jwkOptions) => { publicKey: { x: string }; privateKey: KeyObject };
  // The client's key share, as a peer would send it (its import is part of the server's work).
  const clientShare = generate('x25519', jwkOptions).publicKey.x;

  return () => {
    for (const r of randoms) randomFillSync(r);
    const share = generate('x25519', jwkOptions);
    const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: clientShare }, format: 'jwk' });
    diffieHellman({ privateKey: share.privateKey, publicKey: peer });
    const transcript = createHash('sha256');
    for (const m of messages) transcript.update(m);
    for (let i = 0; i < shape.digests; i++) transcript.copy().digest();
    for (const h of hmacInputs) createHmac('sha256', h.key).update(h.data).digest();
    sign('sha256', signed, { key: signingKey, dsaEncoding: 'der' });
    for (const s of seals) {
      const c = createCipheriv(s.algorithm as 'aes-128-gcm', keys.get(s.algorithm)!, nonce, TAG);
      c.setAAD(s.aad);
      c.update(s.plaintext);
      c.final();
      c.getAuthTag();
    }
    for (const o of opens) {
      const d = createDecipheriv(o.algorithm as 'aes-128-gcm', o.key, o.nonce, TAG);
      d.setAuthTag(o.tag);
      d.setAAD(o.aad);
      d.update(o.ciphertext);
      d.final();
    }
  };
}

/**
 * CPU microseconds per server handshake spent in node:crypto calls alone (see the file comment):
 * a short warm-up, then handshakes until `minMs` of CPU time has passed.
 */
export function serverHandshakeFloorUs(suite: SuiteId, keyPem: string, minMs: number): number {
  const handshake = prepare(suite, createPrivateKey(keyPem));
  for (let i = 0; i < 50; i++) handshake();
  const t0 = cpuMicros();
  let n = 0;
  do {
    for (let i = 0; i < 20; i++) handshake();
    n += 20;
  } while (cpuMicros() - t0 < minMs * 1000);
  return (cpuMicros() - t0) / n;
}
