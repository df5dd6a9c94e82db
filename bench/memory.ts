/**
 * Figure 3: memory per idle connection. A client process opens N connections to a server process
 * (fresh processes each run), each side waiting to read as an application would; RSS and JS heap
 * are measured after a garbage collection before and after, on each side, and divided by N. The
 * baselines come after a warm-up of N connections opened and closed (see peer.ts).
 */
import { PAIR_NODE, PAIR_TYPESSL, suiteSpec, type Impl, type SuiteId } from './common.js';
import { PeerServer, holdClient } from './driver.js';
import { alternate, figure, unavailable, type Figure } from './figures.js';
import type { Mark, MemoryResult } from './peer.js';
import type { RunContext } from './run-context.js';

interface MemorySample {
  serverRss: number;
  serverHeap: number;
  clientRss: number;
  clientHeap: number;
}

async function oneRun(ctx: RunContext, impl: Impl, suite: SuiteId): Promise<MemorySample> {
  const server = await PeerServer.start({ role: 'server', impl, suite, task: 'memory', certFile: ctx.certFile, keyFile: ctx.keyFile });
  try {
    // The server's baseline is taken after the client's warm-up connections (as many as it then
    // holds) have come and gone, so both baselines include the code compiled for the connection path.
    let before = null as Mark | null;
    const n = ctx.sizes.idleConnections;
    const held = await holdClient<MemoryResult>(
      { role: 'client', impl, suite, task: 'memory', certFile: ctx.certFile, keyFile: ctx.keyFile, port: server.port, connections: n },
      180_000,
      async () => {
        before = await server.mark(true);
      },
    );
    try {
      const after = await server.mark(true);
      if (before === null) throw new Error('memory: the server was not marked before the held connections');
      if (after.connections < n) throw new Error(`memory: the server holds ${after.connections} of ${n} connections`);
      return {
        serverRss: (after.rss - before.rss) / n,
        serverHeap: (after.heapUsed - before.heapUsed) / n,
        clientRss: held.result.rssDelta / n,
        clientHeap: held.result.heapDelta / n,
      };
    } finally {
      await held.release();
    }
  } finally {
    await server.stop();
  }
}

export async function memoryFigures(ctx: RunContext, suite: SuiteId): Promise<Figure[]> {
  const why = ctx.unsupported(suite, PAIR_TYPESSL) ?? ctx.unsupported(suite, PAIR_NODE);
  let samples: MemorySample[][] = [];
  if (why === null) {
    ctx.log(`memory ${suiteSpec(suite).label}: ${ctx.sizes.memoryReps} alternating runs with ${ctx.sizes.idleConnections} idle connections`);
    samples = await alternate(ctx.sizes.memoryReps, [() => oneRun(ctx, 'node', suite), () => oneRun(ctx, 'typessl', suite)]);
  }
  const base = { section: 'memory' as const, suite, subject: 'typessl', reference: 'node:tls', unit: 'KB', higherIsBetter: false };
  const specs: Array<{ name: string; pick: (s: MemorySample) => number }> = [
    { name: 'idle connection: server RSS', pick: (s) => s.serverRss / 1000 },
    { name: 'idle connection: server JS heap', pick: (s) => s.serverHeap / 1000 },
    { name: 'idle connection: client RSS', pick: (s) => s.clientRss / 1000 },
    { name: 'idle connection: client JS heap', pick: (s) => s.clientHeap / 1000 },
  ];
  return specs.map(({ pick, name }) =>
    why !== null ? unavailable({ ...base, name }, why) : figure({ ...base, name }, samples[1]!.map(pick), samples[0]!.map(pick)),
  );
}
