/**
 * Finished connections die young.
 *
 * V8's parser marks a function literal that is assigned straight to a property
 * (`obj.x = () => ...`, `obj.x = function () {}`) to be allocated in the old generation: a
 * heuristic for `Foo.prototype.bar = function () {}`. Such a closure made per connection is then
 * an old object pointing at its young context, and through it at the connection (the Ssl, its
 * engine, its socket BIO). A young-generation GC keeps everything an old object points to, so the
 * whole connection survived every scavenge until the next full GC: in a server running handshakes
 * back to back, about 12 KB per connection was copied twice and promoted, and scavenges took about
 * twice as long. The fix is to make the closure first and store it afterwards (or to put it in an
 * object literal), which V8 allocates young like any other object.
 *
 * The first tests measure the property (bytes per finished TLS 1.3 connection still in the young
 * generation after a scavenge, in a child process with --expose-gc): 80-420 bytes now, with or
 * without other load on the machine. On the old code it measured 900 to 19,000 bytes from run to
 * run (V8's old-to-new bookkeeping varies, as do the points where scavenges fall), so for the
 * closures the source check is the guard and keeps the pattern out deterministically.
 *
 * It also caught a second cause: a scavenge treats a WeakMap's values as live whatever their
 * keys. The HMAC keys prepared for the key schedule were cached in a WeakMap keyed by the secret's
 * array, so every connection's prepared keys survived the next scavenge: 4,000-17,000 bytes per
 * connection in some rounds and not others (the table's age decides), depending on when
 * scavenges fell, so unrelated code changes flipped the test. With a young generation too large
 * to fill during a round (--min/--max-semi-space-size=64) it was 12,500 / 17,000 bytes every round;
 * now 690 / 480. Those keys are now prepared by their owners (CryptoProvider.hmacKey), and
 * the test runs both young generations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { typeScriptFiles } from '../helpers/source-files.js';

const CHILD = fileURLToPath(new URL('./young-closures-child.js', import.meta.url));
const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Bytes per finished connection allowed to outlive a scavenge (measured 80-420, 470-760 with no scavenge inside a round; see above). */
const SURVIVING_BYTES_LIMIT = 2000;

/**
 * The child's young generation: Node's default, where scavenges also fall inside a round (the
 * count then depends on where), and one too large to fill during a round (64 MB semi-spaces), so
 * the measuring scavenge is the first since the round's full GC and every connection of the round
 * is counted: deterministic, and what caught the WeakMap (12,500 / 17,000 bytes every run).
 */
const YOUNG_GENERATIONS: ReadonlyArray<{ name: string; flags: string[] }> = [
  { name: 'default young generation', flags: [] },
  { name: 'no scavenge inside a round', flags: ['--min-semi-space-size=64', '--max-semi-space-size=64'] },
];

for (const { name, flags } of YOUNG_GENERATIONS) {
  test(`the objects of finished TLS 1.3 connections do not survive a young-generation GC (${name})`, () => {
    const r = spawnSync(process.execPath, ['--expose-gc', ...flags, CHILD], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const bytes = JSON.parse(r.stdout.trim()) as Record<string, number>;
    assert.deepEqual(Object.keys(bytes).sort(), ['tls13', 'tls13Resumed']);
    for (const [kind, n] of Object.entries(bytes)) {
      assert.ok(n < SURVIVING_BYTES_LIMIT, `${kind}: ${n} bytes per finished connection survived a scavenge (limit ${SURVIVING_BYTES_LIMIT})`);
    }
  });
}

/** `name:line: text` of every function literal assigned straight to a property in `text`. */
function closuresAssignedToProperties(name: string, text: string): string[] {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      (node.operatorToken.kind === ts.SyntaxKind.EqualsToken ||
        node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionEqualsToken ||
        node.operatorToken.kind === ts.SyntaxKind.BarBarEqualsToken) &&
      (ts.isPropertyAccessExpression(node.left) || ts.isElementAccessExpression(node.left))
    ) {
      let value: ts.Expression = node.right;
      while (ts.isParenthesizedExpression(value) || ts.isAsExpression(value) || ts.isSatisfiesExpression(value)) value = value.expression;
      if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        found.push(`${name}:${line + 1}: ${node.getText(source).split('\n')[0]}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('src never assigns a function literal straight to a property (it would be allocated old)', () => {
  const files = typeScriptFiles(SRC);
  assert.ok(files.length > 50, `expected the source tree at ${SRC}`);
  assert.deepEqual(
    files.flatMap((f) => closuresAssignedToProperties(f.slice(SRC.length), readFileSync(f, 'utf8'))),
    [],
  );
});

test('the source check finds the pattern it forbids, and only that', () => {
  const found = closuresAssignedToProperties('probe.ts', 'o.f = () => 1;\no["g"] = function () {};\no.h ??= ((x: number) => x) as F;\n');
  assert.deepEqual(found, ['probe.ts:1: o.f = () => 1', 'probe.ts:2: o["g"] = function () {}', 'probe.ts:3: o.h ??= ((x: number) => x) as F']);
  assert.deepEqual(closuresAssignedToProperties('probe.ts', 'const f = () => 1; o.f = f; const p = { g: () => 2 }; call(() => 3);'), []);
});
