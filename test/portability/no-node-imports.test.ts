/**
 * The core must run outside Node (issue 10): only the Node-only files may import `node:` modules
 * (or Node's bare builtin names), and nothing reachable from the browser entry points may reach
 * them. Node-only by design: crypto/node.ts (the node:crypto provider), bio/socket.ts (a BIO over
 * net.Socket), ssl/async-ssl.ts (the blocking form over a socket BIO), node/ (the Node adapters),
 * cli/ (the command), and the Node entry points index.ts and openssl.ts. This reads the sources
 * (src/*.ts), so a new `node:` import anywhere else fails here with the file and line named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { typeScriptFiles } from '../helpers/source-files.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const srcDir = join(root, 'src');

const NODE_ONLY_FILES = new Set(['src/crypto/node.ts', 'src/bio/socket.ts', 'src/ssl/async-ssl.ts', 'src/index.ts', 'src/openssl.ts']);
const NODE_ONLY_DIRS = ['src/node/', 'src/cli/'];
const BROWSER_ENTRY_POINTS = ['src/browser.ts', 'src/openssl-browser.ts', 'src/core.ts', 'src/crypto/portable.ts'];

const isNodeOnly = (file: string): boolean => NODE_ONLY_FILES.has(file) || NODE_ONLY_DIRS.some((d) => file.startsWith(d));
const builtins = new Set(builtinModules);
const isNodeBuiltin = (spec: string): boolean => spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0]!);

/** Source with comments blanked out (line numbers kept), so prose mentioning `node:` is ignored. */
function stripComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`])\/\/[^\n]*/g, (m, lead: string) => lead + ' '.repeat(m.length - lead.length));
}

interface ImportSite {
  spec: string;
  line: number;
}

/** Every module specifier of static imports/exports, side-effect imports and dynamic import(). */
function importsOf(file: string): ImportSite[] {
  const code = stripComments(readFileSync(file, 'utf8'));
  const patterns = [/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  const sites: ImportSite[] = [];
  for (const re of patterns) {
    for (const m of code.matchAll(re)) sites.push({ spec: m[1]!, line: code.slice(0, m.index).split('\n').length });
  }
  return sites;
}

const files = typeScriptFiles(srcDir).map((f) => relative(root, f).split('\\').join('/'));

test('only the Node-only files import node: modules or Node builtins', () => {
  assert.ok(files.length > 20, 'the scan found the sources');
  const offenders: string[] = [];
  for (const file of files) {
    if (isNodeOnly(file)) continue;
    for (const { spec, line } of importsOf(join(root, file))) if (isNodeBuiltin(spec)) offenders.push(`${file}:${line} imports ${spec}`);
  }
  assert.deepEqual(offenders, [], `core files must not import Node modules:\n${offenders.join('\n')}`);
});

test('core files use no Node globals (Buffer, process, require, __dirname, setImmediate)', () => {
  const offenders: string[] = [];
  for (const file of files) {
    if (isNodeOnly(file)) continue;
    const lines = stripComments(readFileSync(join(root, file), 'utf8')).split('\n');
    lines.forEach((text, i) => {
      // Strings are not code: drop quoted text before looking for identifiers.
      const code = text.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
      const m = /\b(Buffer|process|require|__dirname|__filename|setImmediate)\b/.exec(code);
      if (m) offenders.push(`${file}:${i + 1} uses ${m[1]}`);
    });
  }
  assert.deepEqual(offenders, [], `core files must not use Node globals:\n${offenders.join('\n')}`);
});

test('nothing reachable from the browser entry points is Node-only', () => {
  const seen = new Set<string>();
  const problems: string[] = [];
  const visit = (file: string, from: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    if (isNodeOnly(file)) problems.push(`${file} (Node-only) is reached from ${from}`);
    for (const { spec, line } of importsOf(join(root, file))) {
      if (isNodeBuiltin(spec)) problems.push(`${file}:${line} imports ${spec}`);
      if (!spec.startsWith('.')) continue;
      const target = relative(root, resolve(dirname(join(root, file)), spec.replace(/\.js$/, '.ts'))).split('\\').join('/');
      assert.ok(existsSync(join(root, target)), `${file}:${line}: ${spec} does not resolve to a source file`);
      visit(target, file);
    }
  };
  for (const entry of BROWSER_ENTRY_POINTS) visit(entry, 'the entry point');
  assert.ok(seen.has('src/ssl/ssl.ts') && seen.has('src/engine/connection.ts') && seen.has('src/crypto/portable/rsa.ts'), 'the walk reached the engine');
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('the package exports the Node entry under the "node" condition and the portable one otherwise', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, { default: string }>> };
  assert.equal(pkg.exports['.']!['node']!.default, './dist/src/index.js');
  assert.equal(pkg.exports['.']!['default']!.default, './dist/src/browser.js');
  assert.equal(pkg.exports['./openssl']!['node']!.default, './dist/src/openssl.js');
  assert.equal(pkg.exports['./openssl']!['default']!.default, './dist/src/openssl-browser.js');
});

test('each entry point installs its default provider: node:crypto on Node, portable in browser.ts', () => {
  const nameAfterImport = (entry: string): string => {
    const url = new URL(`../../src/${entry}`, import.meta.url).href;
    const code = `const m = await import(${JSON.stringify(url)}); console.log(m.defaultCryptoProvider?.().name ?? m.SSL_CTX_new().provider.name);`;
    return execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).trim();
  };
  assert.equal(nameAfterImport('index.js'), 'node');
  assert.equal(nameAfterImport('browser.js'), 'portable');
  assert.equal(nameAfterImport('openssl.js'), 'node');
  assert.equal(nameAfterImport('openssl-browser.js'), 'portable');
});
