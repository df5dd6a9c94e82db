/**
 * Nothing silently absent: every behaviour ID S-1..S-66 and decision D-1..D-7 of the shutdown
 * contract is the ID of a test title in test/conformance, or listed in NOT-APPLICABLE.md, and no ID
 * is both.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const dir = new URL('../../../test/conformance/', import.meta.url);

/** IDs that start a test title: `test('S-12: ...'`, `vtest("S-3, S-8: ...'`, template literals too. */
function testedIds(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.test.ts'))) {
    const source = readFileSync(new URL(name, dir), 'utf8');
    for (const m of source.matchAll(/\b(?:test|vtest)\(\s*['"`]((?:[SD]-\d+(?:\s*(?:,|and|\/|\.\.)\s*)?)+):/g)) {
      for (const id of m[1]!.match(/[SD]-\d+/g) ?? []) found.set(id, [...(found.get(id) ?? []), name]);
    }
  }
  return found;
}

function notApplicable(): Set<string> {
  const text = readFileSync(new URL('NOT-APPLICABLE.md', dir), 'utf8');
  return new Set([...text.matchAll(/^\| (S-\d+|D-\d+) \|/gm)].map((m) => m[1]!));
}

test('every S-1..S-66 and D-1..D-7 is a test title or listed in NOT-APPLICABLE.md (and never both)', () => {
  const tested = testedIds();
  const na = notApplicable();
  const all = [...Array.from({ length: 66 }, (_, i) => `S-${i + 1}`), ...Array.from({ length: 7 }, (_, i) => `D-${i + 1}`)];
  const missing = all.filter((id) => !tested.has(id) && !na.has(id));
  assert.deepEqual(missing, [], 'IDs with neither a test nor a reason');
  const both = all.filter((id) => tested.has(id) && na.has(id));
  assert.deepEqual(both, [], 'IDs both tested and listed as not applicable');
  const unknown = [...tested.keys(), ...na].filter((id) => !all.includes(id));
  assert.deepEqual(unknown, [], 'IDs that are not in the contract');
});
