/**
 * Shared vocabulary of the benchmark: the suites it measures, the implementations it compares,
 * the size of each mode, and small statistics helpers.
 */

/**
 * The implementations compared: typessl on the node:crypto provider, typessl on the portable
 * provider (@noble/*, what browsers run), and node:tls; `floor` is no TLS implementation but the
 * node:crypto floor of a record layer (bulk-floor.ts), measured in the bulk figures only.
 */
export type Impl = 'typessl' | 'typessl-portable' | 'node' | 'floor';

/** Whether an implementation is typessl (with either provider). */
export function isTypessl(impl: Impl): boolean {
  return impl === 'typessl' || impl === 'typessl-portable';
}

/** A client/server pairing: `${client}-${server}`. */
export interface Pair {
  client: Impl;
  server: Impl;
}

export const PAIR_TYPESSL: Pair = { client: 'typessl', server: 'typessl' };
export const PAIR_NODE: Pair = { client: 'node', server: 'node' };
/** typessl with the portable provider on both sides (bulk and handshake figures). */
export const PAIR_PORTABLE: Pair = { client: 'typessl-portable', server: 'typessl-portable' };
/** The node:crypto floor of bulk transfer on both sides (bulk-floor.ts; 16 KiB writes only). */
export const PAIR_FLOOR: Pair = { client: 'floor', server: 'floor' };
/** The mixed pairs, each compared with node:tls on both sides. */
export const MIXED_PAIRS: Pair[] = [
  { client: 'typessl', server: 'node' },
  { client: 'node', server: 'typessl' },
];

/** Subject of the floor's figures in tables and JSON. */
export const FLOOR_SUBJECT = 'node:crypto records alone';

export function pairName(p: Pair): string {
  if (p.client === 'floor' && p.server === 'floor') return FLOOR_SUBJECT;
  return p.client === p.server ? p.client : `${p.client} client / ${p.server} server`;
}

/** The protocol configurations measured. */
export type SuiteId = 'tls13-aes128gcm' | 'tls13-chacha20' | 'tls12-ecdhe-ecdsa-aes128gcm';

export interface SuiteSpec {
  id: SuiteId;
  /** Label in tables and the chart. */
  label: string;
  version: 'TLSv1.3' | 'TLSv1.2';
  /** OpenSSL's name (the IANA name for TLS 1.3): typessl takes it as `ciphersuites` or `cipherList`, node:tls as `ciphers` for both versions. */
  openSslName: string;
  /** The AEAD of the record layer (for the record benchmark). */
  aead: 'aes-128-gcm' | 'chacha20-poly1305';
}

export const SUITES: readonly SuiteSpec[] = [
  { id: 'tls13-aes128gcm', label: 'TLS 1.3 AES-128-GCM', version: 'TLSv1.3', openSslName: 'TLS_AES_128_GCM_SHA256', aead: 'aes-128-gcm' },
  { id: 'tls13-chacha20', label: 'TLS 1.3 ChaCha20-Poly1305', version: 'TLSv1.3', openSslName: 'TLS_CHACHA20_POLY1305_SHA256', aead: 'chacha20-poly1305' },
  { id: 'tls12-ecdhe-ecdsa-aes128gcm', label: 'TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256', version: 'TLSv1.2', openSslName: 'ECDHE-ECDSA-AES128-GCM-SHA256', aead: 'aes-128-gcm' },
];

export function suiteSpec(id: SuiteId): SuiteSpec {
  const s = SUITES.find((x) => x.id === id);
  if (!s) throw new Error(`unknown suite ${id}`);
  return s;
}

/** How big a run is. `smoke` only proves the harness works (used by the test suite). */
export type Mode = 'smoke' | 'quick' | 'full';

export interface ModeSizes {
  /** Alternating repetitions of each figure (A B A B ...). */
  reps: number;
  /** Bytes sent one way per bulk run. */
  bulkBytes: number;
  /**
   * Bytes per bulk run of the portable provider: pure-JavaScript AEADs are one to two orders of
   * magnitude slower than OpenSSL's, so fewer bytes give a throughput figure in reasonable time.
   */
  portableBulkBytes: number;
  /** Wall time of one handshake run, ms (after the warm-up). */
  handshakeMs: number;
  /**
   * Handshakes a client process makes before its first measured run, ms of wall time (JIT
   * compilation, first-use costs): V8 optimizes a function only after many calls, so a few dozen
   * handshakes would measure typessl's JavaScript half-compiled. A handshake arm keeps its client
   * process for its later runs (handshake.ts), which are then warmer still.
   */
  warmupMs: number;
  /**
   * Handshakes each handshake server takes once, right after it starts and before any measured
   * run, ms of wall time per kind (full, and resumed where measured), from a client of its own
   * implementation. The server processes live through all the alternating runs of a suite, so
   * this is their long warm-up: with only the clients' `warmupMs` before the first runs, V8 was
   * still compiling the server's handshake functions during the measured seconds (a --trace-opt
   * trace of a typessl server: 84 functions optimized inside a 3 s measured window after 2 s of
   * handshakes, 38 still after 8 s), and that compilation, on V8's background threads, was
   * counted as handshake CPU.
   */
  serverWarmupMs: number;
  /** Idle connections held open for the memory figure. */
  idleConnections: number;
  /** Repetitions of the memory figure. */
  memoryReps: number;
  /** Records sealed/opened per record-layer sample. */
  recordIterations: number;
  /** Mixed pairs measured too. */
  mixed: boolean;
  /** Suites whose figures are measured in this mode (the others print as skipped). */
  suites: readonly SuiteId[];
}

const ALL: readonly SuiteId[] = SUITES.map((s) => s.id);

export const MODES: Readonly<Record<Mode, ModeSizes>> = {
  smoke: {
    reps: 1,
    bulkBytes: 1024 * 1024,
    portableBulkBytes: 256 * 1024,
    handshakeMs: 100,
    warmupMs: 20,
    serverWarmupMs: 50,
    idleConnections: 10,
    memoryReps: 1,
    recordIterations: 50,
    mixed: false,
    suites: ['tls13-aes128gcm'],
  },
  // Under a minute on this project's 2-core machines: every figure of the headline suite (TLS 1.3
  // AES-128-GCM), alternating three times, without the mixed pairs; `--suite` picks others. (With
  // every suite, the mixed pairs and 64 MiB transfers it took 219 s here.)
  quick: {
    reps: 3,
    bulkBytes: 16 * 1024 * 1024,
    portableBulkBytes: 4 * 1024 * 1024,
    handshakeMs: 300,
    warmupMs: 300,
    serverWarmupMs: 500,
    idleConnections: 500,
    memoryReps: 1,
    recordIterations: 3000,
    mixed: false,
    suites: ['tls13-aes128gcm'],
  },
  full: {
    reps: 3,
    bulkBytes: 64 * 1024 * 1024,
    portableBulkBytes: 16 * 1024 * 1024,
    handshakeMs: 1000,
    warmupMs: 3000,
    serverWarmupMs: 3000,
    idleConnections: 2000,
    memoryReps: 1,
    recordIterations: 10000,
    mixed: true,
    suites: ALL,
  },
};

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** User + system CPU of this process so far, microseconds. */
export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Wall clock in milliseconds with sub-millisecond precision. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs the garbage collector when node was started with --expose-gc (twice: weak refs, finalizers). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

export const KiB = 1024;
export const MiB = 1024 * 1024;
