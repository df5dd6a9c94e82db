/**
 * Figure 1: bulk throughput one way (client to server), with 16 KiB and 1 KiB application writes,
 * and the CPU each side spends per GB. The server acknowledges the last byte with one byte, so the
 * time covers delivery, not just queueing. Each run first makes one unmeasured transfer of the same
 * size on its own connection (warm-up), then measures a second one.
 */
import { KiB, MIXED_PAIRS, PAIR_FLOOR, PAIR_NODE, PAIR_PORTABLE, PAIR_TYPESSL, pairName, suiteSpec, type Pair, type SuiteId } from './common.js';
import { PeerServer, runClient } from './driver.js';
import { alternate, figure, unavailable, type Figure } from './figures.js';
import type { BulkResult, Mark } from './peer.js';
import type { RunContext } from './run-context.js';

export const WRITE_SIZES = [16 * KiB, 1 * KiB] as const;

interface BulkSample {
  mbPerSec: number;
  clientCpuSecPerGb: number;
  serverCpuSecPerGb: number;
}

function sizeLabel(n: number): string {
  return `${n / KiB} KiB writes`;
}

/** Bytes per run for a pair: fewer for the (much slower) portable provider; the figure is a rate. */
function bulkBytesFor(ctx: RunContext, impl: Pair['server']): number {
  return impl === 'typessl-portable' ? ctx.sizes.portableBulkBytes : ctx.sizes.bulkBytes;
}

async function oneRun(ctx: RunContext, server: PeerServer, pair: Pair, suite: SuiteId, writeSize: number): Promise<BulkSample> {
  const bytes = bulkBytesFor(ctx, pair.server);
  let before: Mark | null = null;
  const r = await runClient<BulkResult>(
    { role: 'client', impl: pair.client, suite, task: 'bulk', certFile: ctx.certFile, keyFile: ctx.keyFile, port: server.port, bulkBytes: bytes, writeSize },
    120_000,
    async () => {
      before = await server.mark();
    },
  );
  const after = await server.mark();
  if (before === null) throw new Error(`${pair.client} client: no warm-up report`);
  const gb = bytes / 1e9;
  return {
    mbPerSec: bytes / 1e6 / (r.ms / 1000),
    clientCpuSecPerGb: r.cpuUs / 1e6 / gb,
    serverCpuSecPerGb: (after.cpuUs - (before as Mark).cpuUs) / 1e6 / gb,
  };
}

/**
 * A bulk server of `impl`, warmed up once before the alternating runs by one unmeasured client run
 * of its own implementation (a warm-up transfer and a second one, at 16 KiB writes). The servers
 * serve every run of their suite; without this, the first run of each server was the slowest of
 * its three (typessl's AES-128-GCM samples in one full run: 150, 195 and 260 MB/s; node:tls's 189,
 * 223 and 217), and which run that was decided the median. The same for every implementation.
 */
async function bulkServer(ctx: RunContext, impl: Pair['server'], suite: SuiteId): Promise<PeerServer> {
  const bytes = bulkBytesFor(ctx, impl);
  const server = await PeerServer.start({ role: 'server', impl, suite, task: 'bulk', certFile: ctx.certFile, keyFile: ctx.keyFile, bulkBytes: bytes });
  try {
    ctx.log(`bulk ${suiteSpec(suite).label}: warming up the ${impl} server (two transfers of ${bytes / (1024 * 1024)} MiB, unmeasured)`);
    await runClient<BulkResult>({ role: 'client', impl, suite, task: 'bulk', certFile: ctx.certFile, keyFile: ctx.keyFile, port: server.port, bulkBytes: bytes, writeSize: 16 * KiB }, 120_000);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/**
 * The pairs measured at one write size. The floor (bulk-floor.ts) runs at 16 KiB writes only: it
 * makes one record per write, so with 1 KiB writes it would measure 1 KiB records, which is no
 * floor for typessl (typessl joins small writes into full records).
 */
function pairsAt(ctx: RunContext, writeSize: number): Pair[] {
  return [PAIR_TYPESSL, PAIR_PORTABLE, ...(ctx.sizes.mixed ? MIXED_PAIRS : []), ...(writeSize === 16 * KiB ? [PAIR_FLOOR] : [])];
}

/** All bulk figures of one suite: typessl, the mixed pairs and the floor, each against node:tls on both sides. */
export async function bulkFigures(ctx: RunContext, suite: SuiteId): Promise<Figure[]> {
  const out: Figure[] = [];
  const nodeMeasurable = ctx.unsupported(suite, PAIR_NODE) === null;
  const servers = new Map<string, PeerServer>();
  try {
    for (const writeSize of WRITE_SIZES) {
      const pairs = pairsAt(ctx, writeSize);
      const measurable = nodeMeasurable ? pairs.filter((p) => ctx.unsupported(suite, p) === null) : [];
      let samples: BulkSample[][] = [];
      if (measurable.length > 0) {
        for (const impl of new Set([PAIR_NODE.server, ...measurable.map((p) => p.server)])) {
          if (!servers.has(impl)) servers.set(impl, await bulkServer(ctx, impl, suite));
        }
        ctx.log(`bulk ${suiteSpec(suite).label}, ${sizeLabel(writeSize)}: ${ctx.sizes.reps} alternating runs of ${[PAIR_NODE, ...measurable].map(pairName).join(', ')}`);
        const arms = [PAIR_NODE, ...measurable].map((p) => () => oneRun(ctx, servers.get(p.server)!, p, suite, writeSize));
        samples = await alternate(ctx.sizes.reps, arms);
      }
      const nodeSamples = samples[0] ?? [];
      for (const p of pairs) {
        const idx = measurable.indexOf(p);
        const base = { section: 'bulk' as const, suite, subject: pairName(p), reference: 'node:tls' };
        const specs: Array<{ name: string; unit: string; higherIsBetter: boolean; pick: (s: BulkSample) => number }> = [
          { name: `${sizeLabel(writeSize)}: throughput`, unit: 'MB/s', higherIsBetter: true, pick: (s) => s.mbPerSec },
          { name: `${sizeLabel(writeSize)}: client CPU per GB`, unit: 'CPU s/GB', higherIsBetter: false, pick: (s) => s.clientCpuSecPerGb },
          { name: `${sizeLabel(writeSize)}: server CPU per GB`, unit: 'CPU s/GB', higherIsBetter: false, pick: (s) => s.serverCpuSecPerGb },
        ];
        for (const { pick, ...meta } of specs) {
          const why = ctx.unsupported(suite, p);
          if (why !== null || idx < 0) out.push(unavailable({ ...base, ...meta }, why ?? 'n/a'));
          else out.push(figure({ ...base, ...meta }, samples[idx + 1]!.map(pick), nodeSamples.map(pick)));
        }
      }
    }
  } finally {
    for (const s of servers.values()) await s.stop();
  }
  return out;
}
