/**
 * The child process of the benchmark: one side (server or client) of one implementation. The
 * parent (driver.ts) starts it with a JSON spec as the only argument and talks to it in JSON lines:
 * the child prints `{"event": ...}` lines on stdout; a server child answers `mark` on stdin with
 * its CPU time and memory, and `exit` ends any child. A bulk or handshake client first warms up
 * (JIT compilation and first-use costs of both sides, unmeasured), prints `{"event":"warm"}`
 * and waits for `go` on stdin, so the parent can mark the server's CPU exactly around the
 * measured part.
 *
 * Server and client always run in separate processes, so each side's CPU time and memory are its
 * own (process.cpuUsage, process.memoryUsage).
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { collectGarbage, cpuMicros, nowMs, type Impl, type SuiteId } from './common.js';
import { clientFactory, resumingClient, startServer, type BenchConn, type Credentials } from './endpoints.js';

export type Task = 'bulk' | 'handshake' | 'memory';

export interface ServerSpec {
  role: 'server';
  impl: Impl;
  suite: SuiteId;
  task: Task;
  certFile: string;
  keyFile: string;
  /** bulk: bytes each connection receives before it acknowledges with one byte. */
  bulkBytes?: number;
}

export interface ClientSpec {
  role: 'client';
  impl: Impl;
  suite: SuiteId;
  task: Task;
  certFile: string;
  keyFile: string;
  port: number;
  /** bulk: bytes to send and the size of each write. */
  bulkBytes?: number;
  writeSize?: number;
  /** handshake: concurrent loops, measuring time and warm-up time (ms). */
  loops?: number;
  durationMs?: number;
  warmupMs?: number;
  /** handshake: resume one session (made by a first full handshake) on every connection. */
  resumed?: boolean;
  /** memory: connections to open and hold. */
  connections?: number;
}

export type PeerSpec = ServerSpec | ClientSpec;

/**
 * A server's answer to `mark` (CPU time only, so measuring costs nothing) or `mark gc` (after a
 * garbage collection, with memory figures).
 */
export interface Mark {
  event: 'mark';
  cpuUs: number;
  rss: number;
  heapUsed: number;
  external: number;
  connections: number;
}

export interface BulkResult {
  event: 'result';
  version: string;
  bytes: number;
  ms: number;
  cpuUs: number;
}

export interface HandshakeResult {
  event: 'result';
  version: string;
  count: number;
  ms: number;
  cpuUs: number;
}

export interface MemoryResult {
  event: 'result';
  version: string;
  connections: number;
  rssDelta: number;
  heapDelta: number;
  externalDelta: number;
}

function emit(obj: object): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function memory(): { rss: number; heapUsed: number; external: number } {
  collectGarbage();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

/** Where stdin lines go: set by onCommands, or a one-off waiter of warmedUp(). */
let commandHandler: ((line: string) => void) | null = null;

/** Reads stdin lines once for the whole process; `exit` ends it, as does a parent that went away. */
function listenForCommands(): void {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line === 'exit') process.exit(0);
    commandHandler?.(line);
  });
  rl.on('close', () => process.exit(0));
}

/** Calls `handler` for each stdin line from now on. */
function onCommands(handler: (line: string) => void): void {
  commandHandler = handler;
}

/** Reports the end of the warm-up and waits for the parent's `go` (it marks the server's CPU meanwhile). */
function warmedUp(): Promise<void> {
  emit({ event: 'warm' });
  return nextGo();
}

/** Waits for the parent's next `go`. */
function nextGo(): Promise<void> {
  return new Promise<void>((resolve) => {
    commandHandler = (line) => {
      if (line !== 'go') return;
      commandHandler = null;
      resolve();
    };
  });
}

async function runServer(spec: ServerSpec, creds: Credentials): Promise<void> {
  let connections = 0;
  const ack = new Uint8Array([0x61]);
  const onConn = (c: BenchConn): void => {
    connections++;
    const done = (): void => {
      connections--;
    };
    if (spec.task === 'bulk') {
      const expected = spec.bulkBytes!;
      let got = 0;
      void c
        .consume((n) => {
          got += n;
          if (got === expected) c.send(ack);
        })
        .then(done);
    } else if (spec.task === 'handshake') {
      // One byte after the handshake, so the client's loop measures a complete exchange.
      c.send(ack);
      void c.consume(() => {}).then(() => {
        done();
        c.destroy();
      });
    } else {
      // Idle: waiting for data, as an application's connection would be. Closed at the client's
      // close (the client's warm-up connections), so none stays half-open.
      void c.consume(() => {}).then(() => {
        done();
        c.destroy();
      });
    }
  };
  const { port } = await startServer(spec.impl, spec.suite, creds, onConn);
  onCommands((line) => {
    if (line === 'mark') {
      const m = process.memoryUsage();
      emit({ event: 'mark', cpuUs: cpuMicros(), rss: m.rss, heapUsed: m.heapUsed, external: m.external, connections } satisfies Mark);
    } else if (line === 'mark gc') {
      const m = memory();
      emit({ event: 'mark', cpuUs: cpuMicros(), ...m, connections } satisfies Mark);
    }
  });
  emit({ event: 'ready', port });
}

async function runBulkClient(spec: ClientSpec, creds: Credentials): Promise<void> {
  const connect = clientFactory(spec.impl, spec.suite, creds, spec.port);
  const total = spec.bulkBytes!;
  const size = spec.writeSize!;
  const chunk = new Uint8Array(size).fill(0x5a);
  /** Sends `total` bytes on a new connection and waits for the server's acknowledgement. */
  const transfer = async (measure: boolean): Promise<void> => {
    const c = await connect();
    let acked!: () => void;
    const ack = new Promise<void>((resolve) => (acked = resolve));
    void c.consume(() => acked());
    if (measure) await warmedUp();
    const cpu0 = cpuMicros();
    const t0 = nowMs();
    for (let sent = 0; sent < total; sent += size) {
      const n = Math.min(size, total - sent);
      if (!c.send(n === size ? chunk : chunk.subarray(0, n))) await c.drained();
    }
    await ack;
    const ms = nowMs() - t0;
    const cpuUs = cpuMicros() - cpu0;
    const version = c.version;
    c.destroy();
    if (measure) emit({ event: 'result', version, bytes: total, ms, cpuUs } satisfies BulkResult);
  };
  // The first transfer warms both sides up (JIT, buffers); only the second is measured. Its
  // connection is made before the warm mark, so the figure is the transfer alone.
  await transfer(false);
  await transfer(true);
}

async function runHandshakeClient(spec: ClientSpec, creds: Credentials): Promise<void> {
  let connect: () => Promise<BenchConn>;
  if (spec.resumed) {
    const client = resumingClient(spec.impl, spec.suite, creds, spec.port);
    await client.prime();
    connect = async () => {
      const { conn, reused } = await client.connect();
      // A figure for resumed handshakes must not quietly include full ones.
      if (!reused) {
        conn.destroy();
        throw new Error(`${spec.impl} client: the server did not resume the session`);
      }
      return conn;
    };
  } else {
    connect = clientFactory(spec.impl, spec.suite, creds, spec.port);
  }
  let version = 'unknown';
  const once = async (): Promise<void> => {
    const c = await connect();
    version = c.version;
    // Wait for the server's byte: the server has then finished its side of the handshake.
    await new Promise<void>((resolve) => {
      void c.consume(() => resolve()).then(resolve);
    });
    c.destroy();
  };
  // Warm-up by time, in the measured shape (same loop count), so both sides reach their steady
  // state (a server handles many handshakes; V8 optimizes a function only after many calls).
  const loops = spec.loops!;
  const warmEnd = nowMs() + spec.warmupMs!;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      do await once();
      while (nowMs() < warmEnd);
    }),
  );
  await warmedUp();
  // One measured run per `go`, until the parent says `exit`: the parent keeps one client process
  // per arm through all its alternating runs (driver.ts ClientProcess), so each run after the
  // first measures a client as warm as a long-running application's.
  for (;;) {
    const cpu0 = cpuMicros();
    const t0 = nowMs();
    const end = t0 + spec.durationMs!;
    let count = 0;
    await Promise.all(
      Array.from({ length: loops }, async () => {
        while (nowMs() < end) {
          await once();
          count++;
        }
      }),
    );
    const ms = nowMs() - t0;
    emit({ event: 'result', version, count, ms, cpuUs: cpuMicros() - cpu0 } satisfies HandshakeResult);
    await nextGo();
  }
}

/** Opens `n` connections, eight at a time, handing each to `use`. */
async function openConnections(connect: () => Promise<BenchConn>, n: number, use: (c: BenchConn) => void): Promise<void> {
  const PARALLEL = 8;
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < n) {
        next++;
        use(await connect());
      }
    }),
  );
}

/** Warm-up connections of the memory client held idle at one time (see runMemoryClient). */
const WARM_UP_BATCH = 64;

async function runMemoryClient(spec: ClientSpec, creds: Credentials): Promise<void> {
  const n = spec.connections!;
  const connect = clientFactory(spec.impl, spec.suite, creds, spec.port);
  // Warm-up: as many connections as will be held, opened (the same way, eight at a time), held
  // idle as the measured ones will be, then closed, before either side's baseline. V8 compiles
  // optimized code for the connection path while the first thousands of connections are made, and
  // that code (a fixed cost of the process, not of a connection) would otherwise be divided among
  // the held connections: with one warm-up connection it was 0.8-1.0 KB of typessl's heap per
  // connection on each side at 2,000 connections (heap snapshots), 0.1 KB of node:tls's. Warm-up
  // connections closed at once still left about 0.45 KB per connection of code compiled during
  // the measured part on a typessl server (1,500 connections): the idle connection's own paths
  // (a read waiting, tickets kept) ran only there.
  // Held in batches, not all at once: warm-up connections all open together would grow both
  // heaps and the allocator for n connections in advance, and the measured ones would then reuse
  // that memory (RSS) or meet warm-up sockets still being freed (heap).
  for (let done = 0; done < n; done += WARM_UP_BATCH) {
    const warm: BenchConn[] = [];
    await openConnections(connect, Math.min(WARM_UP_BATCH, n - done), (c) => {
      void c.consume(() => {});
      warm.push(c);
    });
    await new Promise((r) => setTimeout(r, 20));
    for (const c of warm) c.destroy();
  }
  // Let both sides see the warm-up connections close, then the parent marks the server.
  await new Promise((r) => setTimeout(r, 200));
  await warmedUp();
  const before = memory();
  const held: BenchConn[] = [];
  await openConnections(connect, n, (c) => {
    void c.consume(() => {});
    held.push(c);
  });
  // Let the last tickets and acknowledgements settle before measuring.
  await new Promise((r) => setTimeout(r, 200));
  const after = memory();
  emit({
    event: 'result',
    version: held[0]?.version ?? 'unknown',
    connections: held.length,
    rssDelta: after.rss - before.rss,
    heapDelta: after.heapUsed - before.heapUsed,
    externalDelta: after.external - before.external,
  } satisfies MemoryResult);
  // Hold the connections until the parent has measured the server.
  onCommands(() => {});
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as PeerSpec;
  listenForCommands();
  const creds: Credentials = { certPem: readFileSync(spec.certFile, 'utf8'), keyPem: readFileSync(spec.keyFile, 'utf8') };
  if (spec.role === 'server') return runServer(spec, creds);
  if (spec.task === 'bulk') return runBulkClient(spec, creds);
  if (spec.task === 'handshake') return runHandshakeClient(spec, creds);
  return runMemoryClient(spec, creds);
}

main().catch((e: unknown) => {
  emit({ event: 'error', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
  process.exit(1);
});
