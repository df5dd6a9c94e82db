/**
 * `npm run bench [-- --quick | --smoke] [--out DIR] [--only bulk,handshake,memory,record] [--suite ID,...]`
 *
 * typessl against node:tls in the same run, on 127.0.0.1, client and server in separate processes,
 * alternating runs and reporting medians and ratios. Prints a table, writes DIR/<mode>.json and
 * renders DIR/<mode>.svg (default DIR: bench/results).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCrypto } from '../src/crypto/node.js';
import { createSelfSignedCertificate } from '../src/x509/self-signed.js';
import { bulkFigures } from './bulk.js';
import { probeCapabilities, resumptionUnsupportedFor, unsupportedFor } from './capabilities.js';
import { renderChart } from './chart.js';
import { MODES, SUITES, nowMs, suiteSpec, type Mode, type SuiteId } from './common.js';
import { unavailable, type Figure, type Section } from './figures.js';
import { handshakeFigures } from './handshake.js';
import { memoryFigures } from './memory.js';
import { recordFigures } from './record.js';
import { formatTable, machineInfo, type BenchReport } from './report.js';
import type { RunContext } from './run-context.js';

const SECTIONS: readonly Section[] = ['record', 'bulk', 'handshake', 'memory'];

interface Args {
  mode: Mode;
  out: string;
  only: Section[];
  suites: SuiteId[] | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { mode: 'full', out: fileURLToPath(new URL('../../bench/results/', import.meta.url)), only: [...SECTIONS], suites: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.mode = 'quick';
    else if (a === '--smoke') args.mode = 'smoke';
    else if (a === '--full') args.mode = 'full';
    else if (a === '--out') args.out = value();
    else if (a === '--only') args.only = value().split(',') as Section[];
    else if (a === '--suite') args.suites = value().split(',') as SuiteId[];
    else throw new Error(`unknown argument ${a} (use --quick, --smoke, --out DIR, --only SECTIONS, --suite IDS)`);
  }
  for (const s of args.only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}`);
  for (const s of args.suites ?? []) suiteSpec(s);
  return args;
}

export async function runBenchmark(args: Args): Promise<BenchReport> {
  const t0 = nowMs();
  const loadStart = os.loadavg()[0]!;
  const sizes = MODES[args.mode];
  const dir = mkdtempSync(join(os.tmpdir(), 'typessl-bench-'));
  try {
    const cert = createSelfSignedCertificate({ provider: nodeCrypto, keyKind: 'ec-p256', commonName: 'localhost', dnsNames: ['localhost'] });
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    writeFileSync(certFile, cert.certificatePem);
    writeFileSync(keyFile, cert.privateKeyPem);
    const log = (line: string): void => {
      process.stderr.write(`[bench ${((nowMs() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
    };
    const caps = await probeCapabilities({ certPem: cert.certificatePem, keyPem: cert.privateKeyPem });
    log(`typessl capabilities: TLS 1.2 client ${caps.tls12Client}, server ${caps.tls12Server}; resumption TLS 1.3 ${caps.resumption}, TLS 1.2 ${caps.resumption12}`);
    const ctx: RunContext = {
      sizes,
      certFile,
      keyFile,
      log,
      unsupported: unsupportedFor(caps),
      resumptionUnsupported: resumptionUnsupportedFor(caps),
    };
    const suites = (args.suites ?? SUITES.map((s) => s.id)).filter((s) => args.suites !== null || sizes.suites.includes(s));
    const figures: Figure[] = [];
    for (const section of SECTIONS) {
      if (!args.only.includes(section)) continue;
      for (const suite of suites) {
        // Idle-connection memory hardly depends on the suite (the AEAD keys are a few dozen
        // bytes): the first suite is measured, 2,000 connections per run in the full run.
        if (section === 'memory' && suite !== suites[0]) continue;
        if (section === 'record') figures.push(...(await recordFigures(ctx, suite)));
        else if (section === 'bulk') figures.push(...(await bulkFigures(ctx, suite)));
        else if (section === 'handshake') figures.push(...(await handshakeFigures(ctx, suite)));
        else figures.push(...(await memoryFigures(ctx, suite)));
      }
    }
    if (figures.length === 0) figures.push(unavailable({ section: 'bulk', suite: 'tls13-aes128gcm', name: 'nothing selected', unit: '', higherIsBetter: true, subject: 'typessl', reference: 'node:tls' }, 'n/a'));
    return {
      date: new Date().toISOString(),
      mode: args.mode,
      durationSec: (nowMs() - t0) / 1000,
      machine: machineInfo(loadStart),
      capabilities: caps,
      figures,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const report = await runBenchmark(args);
  mkdirSync(args.out, { recursive: true });
  const jsonFile = join(args.out, `${args.mode}.json`);
  const svgFile = join(args.out, `${args.mode}.svg`);
  writeFileSync(jsonFile, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(svgFile, renderChart(report));
  process.stdout.write(formatTable(report) + '\n\n');
  process.stdout.write(`wrote ${jsonFile} and ${svgFile}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
