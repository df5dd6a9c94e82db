import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLOOR_SUBJECT } from '../../bench/common.js';
import type { BenchReport } from '../../bench/report.js';

const MAIN = fileURLToPath(new URL('../../bench/main.js', import.meta.url));

// The benchmark's smoke mode end to end (tiny sizes, one suite, one run of each arm), so the
// harness cannot rot unnoticed. It checks the outputs' shape and that every figure was really
// measured or says why not; it asserts nothing about speed (the machine is shared).
test('npm run bench -- --smoke measures every section and writes the table, JSON and chart', { timeout: 240_000 }, () => {
  const out = mkdtempSync(join(os.tmpdir(), 'typessl-bench-test-'));
  try {
    const r = spawnSync(process.execPath, [MAIN, '--smoke', '--out', out], { encoding: 'utf8', timeout: 230_000 });
    assert.equal(r.status, 0, `bench failed: ${r.stderr}`);
    const report = JSON.parse(readFileSync(join(out, 'smoke.json'), 'utf8')) as BenchReport;
    assert.equal(report.mode, 'smoke');
    const sections = new Set(report.figures.map((f) => f.section));
    assert.deepEqual([...sections].sort(), ['bulk', 'handshake', 'memory', 'record']);
    for (const f of report.figures) {
      if (f.note !== undefined) {
        assert.match(f.note, /^n\/a \(/, `${f.name}: an unmeasured figure says why`);
        assert.equal(f.value, null);
        continue;
      }
      assert.ok(f.samples.length >= 1 && f.referenceSamples.length >= 1, `${f.name}: samples`);
      assert.ok(f.value !== null && Number.isFinite(f.value), `${f.name}: value ${f.value}`);
      // RSS moves in whole pages: with the smoke run's 10 idle connections a side's RSS growth can
      // be exactly 0, and a ratio to 0 is undefined (null). Any other missing ratio is a bug.
      const zeroMemoryReference = f.section === 'memory' && f.referenceValue === 0;
      assert.ok(zeroMemoryReference ? f.ratio === null : f.ratio !== null && Number.isFinite(f.ratio), `${f.name}: ratio ${f.ratio}`);
      if (f.section !== 'memory') assert.ok(f.value > 0 && f.referenceValue! > 0, `${f.name}: positive values`);
    }
    const aes = report.figures.filter((f) => f.suite === 'tls13-aes128gcm');
    assert.ok(aes.some((f) => f.name === '16 KiB writes: throughput' && f.ratio !== null));
    assert.ok(aes.some((f) => f.name === '1 KiB writes: throughput' && f.ratio !== null));
    assert.ok(aes.some((f) => f.name === 'full, sequential: handshakes/s' && f.ratio !== null));
    assert.ok(aes.some((f) => f.subject === FLOOR_SUBJECT && f.name === '16 KiB writes: throughput' && f.ratio !== null), 'the bulk floor is measured');
    assert.ok(aes.some((f) => f.subject === 'node:crypto calls alone' && f.name === 'full, sequential: server CPU per handshake' && f.ratio !== null), 'the handshake floor is measured');
    assert.ok(aes.some((f) => f.name === 'idle connection: server RSS' && f.value !== null));
    // The capability probes ran (they decide which rows print "n/a (...)" instead of a number).
    for (const k of ['tls12Client', 'tls12Server', 'resumption', 'resumption12'] as const) assert.equal(typeof report.capabilities[k], 'boolean');
    // TLS 1.3 resumption exists in both roles: the probe must find it, and the resumed rows are measured.
    assert.equal(report.capabilities.resumption, true, 'the TLS 1.3 resumption probe finds resumption');
    assert.ok(aes.some((f) => f.name === 'resumed, sequential: handshakes/s' && f.ratio !== null), 'resumed handshakes are measured');
    assert.match(r.stdout, /TLS 1\.3 AES-128-GCM - bulk \(reference: node:tls\)/);
    // Each handshake server is warmed up once before the measured runs, node:tls's and typessl's alike.
    for (const impl of ['node', 'typessl']) {
      assert.match(r.stdout + r.stderr, new RegExp(`warming up the ${impl} server \\(\\d+ ms of full and of resumed handshakes`), `${impl} server warm-up`);
    }
    // So is each bulk server, the floor's included.
    for (const impl of ['node', 'typessl', 'floor']) {
      assert.match(r.stdout + r.stderr, new RegExp(`bulk TLS 1\\.3 AES-128-GCM: warming up the ${impl} server \\(two transfers`), `${impl} bulk server warm-up`);
    }
    const svg = readFileSync(join(out, 'smoke.svg'), 'utf8');
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /1\.0 = node:tls/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
