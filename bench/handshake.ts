/**
 * Figure 2: handshakes per second, one client loop (sequential) and two concurrent loops, and the
 * CPU each side spends per handshake, measured after a warm-up of `warmupMs` in the same shape
 * (each arm's client process is kept through its alternating runs, and each server process is
 * warmed up once more, `serverWarmupMs`).
 * Each iteration is a new TCP connection, a full handshake
 * (ECDSA P-256 certificate, X25519), one byte from the server (so the server has finished too),
 * and a close. Clients share one context, as applications do. Beside the sequential runs, the
 * node:crypto floor of a server handshake (handshake-floor.ts) is measured in this process as one
 * more arm of the same alternation, against node:tls's server CPU per handshake.
 */
import { MIXED_PAIRS, PAIR_NODE, PAIR_PORTABLE, PAIR_TYPESSL, pairName, suiteSpec, type Impl, type Pair, type SuiteId } from './common.js';
import { readFileSync } from 'node:fs';
import { ClientProcess, PeerServer, runClient } from './driver.js';
import { alternate, figure, unavailable, type Figure } from './figures.js';
import { serverHandshakeFloorUs } from './handshake-floor.js';
import type { HandshakeResult, Mark } from './peer.js';
import type { RunContext } from './run-context.js';

interface HandshakeSample {
  perSec: number;
  clientCpuUs: number;
  serverCpuUs: number;
}

/**
 * The client side of one arm of an alternation: one client process, started (and warmed up for
 * `warmupMs`) at the arm's first run and measured again at each later one, so that from the
 * second run on a client is measured as warm as a long-running application's, like the servers
 * (fresh client processes were still compiling during their measured second: a --trace-opt trace
 * of a typessl client showed 44-47 functions optimized inside it after a 1.5 s warm-up).
 */
class ArmClient {
  private process: ClientProcess | null = null;

  constructor(
    private readonly ctx: RunContext,
    private readonly server: PeerServer,
    private readonly pair: Pair,
    private readonly suite: SuiteId,
    private readonly loops: number,
    private readonly resumed = false,
  ) {}

  async run(): Promise<HandshakeSample> {
    const { ctx, server } = this;
    this.process ??= ClientProcess.start(
      {
        role: 'client',
        impl: this.pair.client,
        suite: this.suite,
        task: 'handshake',
        certFile: ctx.certFile,
        keyFile: ctx.keyFile,
        port: server.port,
        loops: this.loops,
        durationMs: ctx.sizes.handshakeMs,
        warmupMs: ctx.sizes.warmupMs,
        resumed: this.resumed,
      },
      120_000,
    );
    // The marks bracket the measured handshakes only (the client's warm-up ran before the first).
    let before!: Mark;
    const r = await this.process.run<HandshakeResult>(async () => {
      before = await server.mark();
    });
    const after = await server.mark();
    return {
      perSec: r.count / (r.ms / 1000),
      clientCpuUs: r.cpuUs / r.count,
      serverCpuUs: (after.cpuUs - before.cpuUs) / r.count,
    };
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = null;
  }
}

/** Alternates the arms' runs `reps` times, then stops their client processes (also on failure). */
async function alternateClients(reps: number, clients: ArmClient[], extra: Array<() => Promise<HandshakeSample>> = []): Promise<HandshakeSample[][]> {
  try {
    return await alternate(reps, [...clients.map((c) => () => c.run()), ...extra]);
  } finally {
    for (const c of clients) await c.stop();
  }
}

const LOOPS = [1, 2] as const;

/**
 * The suite's handshake server of `impl`, started on first use and then warmed up once with
 * `serverWarmupMs` of full handshakes, and as long again of resumed ones where those are measured,
 * from a client of the same implementation (see ModeSizes.serverWarmupMs). Unmeasured; the same
 * for node:tls and typessl.
 */
async function handshakeServer(ctx: RunContext, servers: Map<string, PeerServer>, impl: Impl, suite: SuiteId): Promise<PeerServer> {
  const running = servers.get(impl);
  if (running) return running;
  const server = await PeerServer.start({ role: 'server', impl, suite, task: 'handshake', certFile: ctx.certFile, keyFile: ctx.keyFile });
  servers.set(impl, server);
  if (ctx.sizes.serverWarmupMs > 0) {
    const resumable = impl !== PAIR_PORTABLE.server && ctx.resumptionUnsupported(suite) === null;
    ctx.log(`handshakes ${suiteSpec(suite).label}: warming up the ${impl} server (${ctx.sizes.serverWarmupMs} ms of full${resumable ? ' and of resumed' : ''} handshakes, unmeasured)`);
    for (const resumed of resumable ? [false, true] : [false]) {
      await runClient<HandshakeResult>(
        { role: 'client', impl, suite, task: 'handshake', certFile: ctx.certFile, keyFile: ctx.keyFile, port: server.port, loops: 2, durationMs: ctx.sizes.serverWarmupMs, warmupMs: 0, resumed },
        120_000,
      );
    }
  }
  return server;
}

/**
 * Resumed handshakes (typessl on both sides against node:tls on both sides): each client makes
 * one full handshake, then resumes its session on every connection (a run fails if the server
 * does not resume). Measured only where the capability probe found resumption working; a run
 * that fails anyway prints its reason in place of the numbers, never an estimate.
 */
async function resumedFigures(ctx: RunContext, suite: SuiteId, loops: number, loopLabel: string, servers: Map<string, PeerServer>): Promise<Figure[]> {
  const base = { section: 'handshake' as const, suite, subject: pairName(PAIR_TYPESSL), reference: 'node:tls' };
  const specs: Array<{ name: string; unit: string; higherIsBetter: boolean; pick: (s: HandshakeSample) => number }> = [
    { name: `resumed, ${loopLabel}: handshakes/s`, unit: '1/s', higherIsBetter: true, pick: (s) => s.perSec },
    { name: `resumed, ${loopLabel}: client CPU per handshake`, unit: 'CPU us', higherIsBetter: false, pick: (s) => s.clientCpuUs },
    { name: `resumed, ${loopLabel}: server CPU per handshake`, unit: 'CPU us', higherIsBetter: false, pick: (s) => s.serverCpuUs },
  ];
  const why = ctx.unsupported(suite, PAIR_TYPESSL) ?? ctx.unsupported(suite, PAIR_NODE) ?? ctx.resumptionUnsupported(suite);
  if (why !== null) return specs.map(({ pick: _pick, ...meta }) => unavailable({ ...base, ...meta }, why));
  for (const impl of [PAIR_NODE.server, PAIR_TYPESSL.server]) await handshakeServer(ctx, servers, impl, suite);
  ctx.log(`handshakes ${suiteSpec(suite).label}, resumed, ${loopLabel}: ${ctx.sizes.reps} alternating runs of node, typessl`);
  let samples: HandshakeSample[][];
  try {
    samples = await alternateClients(
      ctx.sizes.reps,
      [PAIR_NODE, PAIR_TYPESSL].map((p) => new ArmClient(ctx, servers.get(p.server)!, p, suite, loops, true)),
    );
  } catch (e) {
    const note = `n/a (resumed run failed: ${e instanceof Error ? e.message.split('\n')[0]!.slice(0, 120) : String(e)})`;
    ctx.log(note);
    return specs.map(({ pick: _pick, ...meta }) => unavailable({ ...base, ...meta }, note));
  }
  return specs.map(({ pick, ...meta }) => figure({ ...base, ...meta }, samples[1]!.map(pick), samples[0]!.map(pick)));
}

export async function handshakeFigures(ctx: RunContext, suite: SuiteId): Promise<Figure[]> {
  const out: Figure[] = [];
  const servers = new Map<string, PeerServer>();
  try {
    for (const loops of LOOPS) {
      const loopLabel = loops === 1 ? 'sequential' : `${loops} concurrent loops`;
      // Mixed pairs for the sequential figure only: that is where a peer's cost shows most plainly.
      // The portable provider (what browsers run) for the sequential figure, beside node:crypto.
      const pairs = [PAIR_TYPESSL, ...(loops === 1 ? [PAIR_PORTABLE] : []), ...(ctx.sizes.mixed && loops === 1 ? MIXED_PAIRS : [])];
      const measurable = pairs.filter((p) => ctx.unsupported(suite, p) === null);
      const run = measurable.length > 0 && ctx.unsupported(suite, PAIR_NODE) === null;
      let samples: HandshakeSample[][] = [];
      if (run) {
        for (const impl of new Set([PAIR_NODE.server, ...measurable.map((p) => p.server)])) await handshakeServer(ctx, servers, impl, suite);
        ctx.log(`handshakes ${suiteSpec(suite).label}, full, ${loopLabel}: ${ctx.sizes.reps} alternating runs of ${[PAIR_NODE, ...measurable].map(pairName).join(', ')}`);
        const clients = [PAIR_NODE, ...measurable].map((p) => new ArmClient(ctx, servers.get(p.server)!, p, suite, loops));
        const floor: Array<() => Promise<HandshakeSample>> = [];
        if (loops === 1) {
          const keyPem = readFileSync(ctx.keyFile, 'utf8');
          floor.push(async () => ({ perSec: NaN, clientCpuUs: NaN, serverCpuUs: serverHandshakeFloorUs(suite, keyPem, ctx.sizes.handshakeMs) }));
        }
        samples = await alternateClients(ctx.sizes.reps, clients, floor);
      }
      const nodeSamples = samples[0] ?? [];
      for (const p of pairs) {
        const idx = measurable.indexOf(p);
        const base = { section: 'handshake' as const, suite, subject: pairName(p), reference: 'node:tls' };
        const specs: Array<{ name: string; unit: string; higherIsBetter: boolean; pick: (s: HandshakeSample) => number }> = [
          { name: `full, ${loopLabel}: handshakes/s`, unit: '1/s', higherIsBetter: true, pick: (s) => s.perSec },
          { name: `full, ${loopLabel}: client CPU per handshake`, unit: 'CPU us', higherIsBetter: false, pick: (s) => s.clientCpuUs },
          { name: `full, ${loopLabel}: server CPU per handshake`, unit: 'CPU us', higherIsBetter: false, pick: (s) => s.serverCpuUs },
        ];
        for (const { pick, ...meta } of specs) {
          const why = ctx.unsupported(suite, p);
          if (why !== null || idx < 0 || !run) out.push(unavailable({ ...base, ...meta }, why ?? 'n/a'));
          else out.push(figure({ ...base, ...meta }, samples[idx + 1]!.map(pick), nodeSamples.map(pick)));
        }
      }
      // The last arm: the node:crypto calls of a typessl server handshake alone, no engine around them.
      if (loops === 1 && run) {
        out.push(
          figure(
            { section: 'handshake', suite, subject: 'node:crypto calls alone', reference: 'node:tls', name: 'full, sequential: server CPU per handshake', unit: 'CPU us', higherIsBetter: false },
            samples[samples.length - 1]!.map((s) => s.serverCpuUs),
            nodeSamples.map((s) => s.serverCpuUs),
          ),
        );
      }
      out.push(...(await resumedFigures(ctx, suite, loops, loopLabel, servers)));
    }
  } finally {
    for (const s of servers.values()) await s.stop();
  }
  return out;
}
