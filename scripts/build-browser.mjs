#!/usr/bin/env node
// Builds the browser bundle: one ESM file with typessl (the browser entry point, so the portable
// provider is installed), its @noble/* and @peculiar/* dependencies, and nothing from Node.
// Prints the bundle's size, raw and gzip-compressed. `--out DIR` writes elsewhere
// (default dist/browser/). esbuild refuses any `node:` import on the browser platform, so a
// Node module slipping into the core fails this build.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outDir = outIndex >= 0 ? args[outIndex + 1] : join(root, 'dist', 'browser');
if (!outDir) throw new Error('--out needs a directory');

const outfile = join(outDir, 'typessl.js');
const result = await build({
  absWorkingDir: root,
  entryPoints: [join(root, 'src', 'browser.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  metafile: true,
  legalComments: 'linked',
  outfile,
  logLevel: 'warning',
});

const bytes = readFileSync(outfile);
const gz = gzipSync(bytes, { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
// The three biggest inputs, so a size jump is easy to trace to its cause.
const inputs = Object.entries(result.metafile.outputs[relative(root, outfile)]?.inputs ?? {})
  .map(([file, info]) => [file.replace(/^node_modules\//, ''), info.bytesInOutput])
  .sort((a, b) => b[1] - a[1])
  .slice(0, 3)
  .map(([file, n]) => `${file} ${kib(n)}`);
console.log(`browser bundle: ${relative(process.cwd(), outfile) || outfile}: ${kib(bytes.length)} minified, ${kib(gz)} gzip (largest inputs: ${inputs.join(', ')})`);
