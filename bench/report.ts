/** The benchmark's outputs: a text table for people, and the JSON document the chart is drawn from. */
import os from 'node:os';
import { suiteSpec, type Mode } from './common.js';
import type { Figure } from './figures.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  /** 1-minute load average when the run started and ended (the cores are shared). */
  loadStart: number;
  loadEnd: number;
}

export interface BenchReport {
  date: string;
  mode: Mode;
  durationSec: number;
  machine: Machine;
  capabilities: { tls12Client: boolean; tls12Server: boolean; resumption: boolean; resumption12?: boolean };
  figures: Figure[];
}

export function machineInfo(loadStart: number): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 1e9) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadStart,
    loadEnd: os.loadavg()[0]!,
  };
}

function num(v: number | null): string {
  if (v === null) return '-';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function padLeft(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

/** Whether a ratio is on the good side of 1.0 (throughput up, cost down). */
export function ratioIsGood(f: Figure): boolean | null {
  if (f.ratio === null) return null;
  return f.higherIsBetter ? f.ratio >= 1 : f.ratio <= 1;
}

/** The text table: one line per figure, grouped by suite and section. */
export function formatTable(report: BenchReport): string {
  const lines: string[] = [];
  const m = report.machine;
  lines.push(`typessl vs node:tls, ${report.mode} run, ${report.date}, ${report.durationSec.toFixed(0)} s`);
  lines.push(`${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.platform}, Node ${m.node}; load average ${m.loadStart.toFixed(2)} at start, ${m.loadEnd.toFixed(2)} at end`);
  lines.push('ratio = typessl / reference (medians of alternating runs); "better" says which side of 1.0 is good');
  let current = '';
  for (const f of report.figures) {
    const head = `${suiteSpec(f.suite).label} - ${f.section}`;
    if (head !== current) {
      current = head;
      lines.push('');
      lines.push(`== ${head} (reference: ${f.reference})`);
      lines.push(`${pad('figure', 48)} ${pad('subject', 30)} ${padLeft('typessl', 9)} ${padLeft('reference', 9)} ${padLeft('ratio', 6)}  unit, better`);
    }
    const ratio = f.ratio === null ? (f.note ?? '-') : f.ratio.toFixed(2) + 'x';
    const values = f.note ? `${padLeft('', 9)} ${padLeft('', 9)} ${ratio}` : `${padLeft(num(f.value), 9)} ${padLeft(num(f.referenceValue), 9)} ${padLeft(ratio, 6)}  ${f.unit}, ${f.higherIsBetter ? 'higher' : 'lower'}`;
    lines.push(`${pad(f.name, 48)} ${pad(f.subject, 30)} ${values}`);
  }
  return lines.join('\n');
}
