import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutStackTrace } from '../../src/wire/errors.js';

test('withoutStackTrace: the error has no stack frames, and the limit is restored, also when making it throws', () => {
  const before = Error.stackTraceLimit;
  const e = withoutStackTrace(() => new Error('peer went away'));
  assert.equal(e.stack, 'Error: peer went away');
  assert.equal(Error.stackTraceLimit, before);
  assert.throws(() =>
    withoutStackTrace(() => {
      throw new RangeError('bad');
    }),
  );
  assert.equal(Error.stackTraceLimit, before);
  assert.match(new Error('later').stack ?? '', /\n {4}at /, 'errors made afterwards have their stack again');
});

test('withoutStackTrace: where Error.stackTraceLimit cannot be set (frozen intrinsics), the error is made as usual instead of throwing', () => {
  const original = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')!;
  Object.defineProperty(Error, 'stackTraceLimit', { ...original, writable: false });
  try {
    const e = withoutStackTrace(() => new Error('still made'));
    assert.equal(e.message, 'still made');
    assert.match(e.stack ?? '', /\n {4}at /);
  } finally {
    Object.defineProperty(Error, 'stackTraceLimit', original);
  }
});
