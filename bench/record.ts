/**
 * Figure 4: the record layer alone. typessl's record protection (TLS 1.3 RecordProtection13, TLS
 * 1.2 RecordProtection12, over the node:crypto provider) seals and opens records of 64 B, 1 KiB
 * and 16 KiB; the reference is the bare node:crypto AEAD call sequence on the same sizes
 * (createCipheriv, setAAD, update, final, getAuthTag), the ceiling any JS record layer on
 * node:crypto can reach. Both run in this process, alternating, timed in CPU time (the process's
 * user + system time, so other processes on a shared machine do not count against either).
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCM, type CipherGCMTypes, type DecipherGCM } from 'node:crypto';
import { nodeCrypto } from '../src/crypto/node.js';
import { concatBytes } from '../src/engine/bytes.js';
import { RecordProtection13, type RecordProtection } from '../src/engine/record/protect.js';
import { RecordProtection12 } from '../src/engine/record/protect12.js';
import { ContentType } from '../src/wire/enums.js';
import { KiB, cpuMicros, suiteSpec, type SuiteId } from './common.js';
import { alternate, figure, type Figure } from './figures.js';
import type { RunContext } from './run-context.js';

export const RECORD_SIZES = [64, 1 * KiB, 16 * KiB] as const;

const OPTIONS = { authTagLength: 16 } as const;

interface Timing {
  sealUs: number;
  openUs: number;
}

function protection(suite: SuiteId, key: Uint8Array, iv: Uint8Array): RecordProtection {
  const s = suiteSpec(suite);
  const aead = nodeCrypto.createAead(s.aead, key);
  if (s.version === 'TLSv1.3') return new RecordProtection13(aead, iv);
  return new RecordProtection12(aead, s.aead === 'aes-128-gcm' ? iv.subarray(0, 4) : iv);
}

/**
 * typessl: seal `n` records as the connection does (pieces, not joined), then open them with a
 * fresh reader of the same key (the pieces joined outside the timing, as a socket delivers them).
 */
function typesslRun(suite: SuiteId, size: number, n: number, key: Uint8Array, iv: Uint8Array): Timing {
  const writer = protection(suite, key, iv);
  const reader = protection(suite, key, iv);
  const content = randomBytes(size);
  const sealed: Uint8Array[][] = new Array<Uint8Array[]>(n);
  const t0 = cpuMicros();
  for (let i = 0; i < n; i++) sealed[i] = writer.sealParts(ContentType.application_data, content);
  const t1 = cpuMicros();
  const records = sealed.map((parts) => concatBytes(...parts));
  const t2 = cpuMicros();
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const opened = reader.open(r.subarray(0, 5), r.subarray(5));
    if (opened.content.length !== size) throw new Error('record benchmark: wrong plaintext length');
  }
  const t3 = cpuMicros();
  return { sealUs: (t1 - t0) / n, openUs: (t3 - t2) / n };
}

/** The node:crypto AEAD calls alone, same sizes, with a 5-byte AAD and a per-record nonce. */
function rawRun(suite: SuiteId, size: number, n: number, key: Uint8Array, iv: Uint8Array): Timing {
  // Typed as GCM: ChaCha20-Poly1305 objects have the same surface (see src/crypto/node.ts).
  const algorithm = suiteSpec(suite).aead as CipherGCMTypes;
  const k = Buffer.from(key);
  const aad = Buffer.from([23, 3, 3, 0, 0]);
  const plaintext = randomBytes(size);
  // Nonces are made before the clock starts: the ceiling is the AEAD calls and nothing else.
  const nonces = Array.from({ length: n }, (_, i) => {
    const nonce = Buffer.from(iv);
    nonce.writeUInt32BE(i, 8);
    return nonce;
  });
  const sealed: Array<{ ct: Buffer; tag: Buffer }> = new Array(n);
  const t0 = cpuMicros();
  for (let i = 0; i < n; i++) {
    const c = createCipheriv(algorithm, k, nonces[i]!, OPTIONS);
    c.setAAD(aad);
    const ct = c.update(plaintext);
    c.final();
    sealed[i] = { ct, tag: c.getAuthTag() };
  }
  const t1 = cpuMicros();
  for (let i = 0; i < n; i++) {
    const s = sealed[i]!;
    const d = createDecipheriv(algorithm, k, nonces[i]!, OPTIONS);
    d.setAuthTag(s.tag);
    d.setAAD(aad);
    const pt = d.update(s.ct);
    d.final();
    if (pt.length !== size) throw new Error('record benchmark: wrong plaintext length');
  }
  const t2 = cpuMicros();
  return { sealUs: (t1 - t0) / n, openUs: (t2 - t1) / n };
}

export async function recordFigures(ctx: RunContext, suite: SuiteId): Promise<Figure[]> {
  const s = suiteSpec(suite);
  const key = randomBytes(s.aead === 'aes-128-gcm' ? 16 : 32);
  const iv = randomBytes(12);
  const out: Figure[] = [];
  ctx.log(`record layer ${s.label}: ${ctx.sizes.reps} alternating samples of ${ctx.sizes.recordIterations} records per size`);
  for (const size of RECORD_SIZES) {
    const n = size >= 16 * KiB ? Math.max(50, ctx.sizes.recordIterations >> 2) : ctx.sizes.recordIterations;
    // Warm both paths so the JIT has settled before the first sample.
    typesslRun(suite, size, Math.min(n, 500), key, iv);
    rawRun(suite, size, Math.min(n, 500), key, iv);
    const [raw, ours] = await alternate(Math.max(3, ctx.sizes.reps), [async () => rawRun(suite, size, n, key, iv), async () => typesslRun(suite, size, n, key, iv)]);
    const label = size >= KiB ? `${size / KiB} KiB` : `${size} B`;
    const base = { section: 'record' as const, suite, subject: 'typessl', reference: 'node:crypto AEAD', unit: 'us/record', higherIsBetter: false };
    out.push(figure({ ...base, name: `seal ${label}` }, ours!.map((t) => t.sealUs), raw!.map((t) => t.sealUs)));
    out.push(figure({ ...base, name: `open ${label}` }, ours!.map((t) => t.openUs), raw!.map((t) => t.openUs)));
  }
  return out;
}
