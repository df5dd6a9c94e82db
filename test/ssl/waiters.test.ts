import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Waiters } from '../../src/bio/waiters.js';

test('Waiters: wakes every parked waiter once, in the order they came', () => {
  const w = new Waiters();
  const seen: number[] = [];
  assert.equal(w.waiting, false);
  w.wake(); // nothing parked: nothing happens
  for (let i = 0; i < 5; i++) w.add(() => seen.push(i));
  assert.equal(w.waiting, true);
  w.wake();
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.equal(w.waiting, false);
  w.wake();
  assert.deepEqual(seen, [0, 1, 2, 3, 4], 'a waiter is called once');
});

test('Waiters: a waiter parked while waking waits for the next wake', () => {
  const w = new Waiters();
  const seen: string[] = [];
  w.add(() => {
    seen.push('first');
    w.add(() => seen.push('again'));
  });
  w.add(() => seen.push('second'));
  w.wake();
  assert.deepEqual(seen, ['first', 'second']);
  assert.equal(w.waiting, true);
  w.wake();
  assert.deepEqual(seen, ['first', 'second', 'again']);
});

test('Waiters: a waiter parked with an argument is called with it, first or later, and forgets it', () => {
  const w = new Waiters();
  const seen: string[] = [];
  const record = (label: string): void => void seen.push(label);
  w.add(record, 'a');
  w.add(() => seen.push('plain'));
  w.add(record, 'b');
  w.add(record, 'c');
  w.wake();
  assert.deepEqual(seen, ['a', 'plain', 'b', 'c']);
  // The next first waiter gets its own argument, not the previous one's.
  let got: unknown = 'unset';
  w.add((x?: unknown) => (got = x));
  w.wake();
  assert.equal(got, undefined);
});
