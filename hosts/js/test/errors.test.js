// MetricsError's one renderer beyond the shared error texts
// (conformance.test.js): the rules of docs/errors.md at their edges, with
// the guest's Rust `trim_end` for the body; and ComponentTrap.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ComponentTrap, MetricsError } from '../index.js';
import { lift } from '../lib/values.js';

const rejected = (body, retryAfterMs = null) =>
  new MetricsError('rejected', { status: 503, body, retryAfterMs }).message;

test('a rejected body loses the trailing whitespace Rust trims, and only that', () => {
  assert.equal(rejected('busy \t\r\n\u0085\u00a0\u2028\u3000'), 'the receiver answered 503: busy');
  // U+FEFF is not White_Space for Rust; JavaScript's trimEnd would remove it.
  assert.equal(rejected('busy\ufeff'), 'the receiver answered 503: busy\ufeff');
  assert.equal(rejected('  leading kept'), 'the receiver answered 503:   leading kept');
  assert.equal(rejected('\u0085', 0), 'the receiver answered 503 (retry after 0 ms)');
});

test('a transport failure shows its detail only when there is one', () => {
  assert.equal(
    new MetricsError('transport', { code: 'DNS-error', detail: '' }).message,
    'transport failure: DNS-error ()',
  );
  assert.equal(
    new MetricsError('transport', { code: 'DNS-error', detail: null }).message,
    'transport failure: DNS-error',
  );
});

test('64-bit numbers are rendered exactly, never rounded through a float', () => {
  // As jco gives the component's error: 64-bit integers as BigInts.
  const exact = (retryAfterMs) => {
    const { tag, val } = lift('error', { tag: 'rejected', val: { status: 429, body: '', retryAfterMs } });
    return new MetricsError(tag, val);
  };
  const capped = exact(2n ** 53n - 1n);
  assert.equal(capped.message, 'the receiver answered 429 (retry after 9007199254740991 ms)');
  assert.equal(capped.payload.retryAfterMs, 9007199254740991, 'a Number when one holds it exactly');
  // Past what the component sends: kept a BigInt rather than rounded.
  const beyond = exact(2n ** 53n + 1n);
  assert.equal(beyond.message, 'the receiver answered 429 (retry after 9007199254740993 ms)');
  assert.equal(beyond.payload.retryAfterMs, 2n ** 53n + 1n);
  assert.equal(lift('u64', 2n ** 64n - 1n), 2n ** 64n - 1n);
  assert.equal(lift('s64', -(2n ** 53n) + 1n), -(2 ** 53) + 1);
  assert.equal(
    new MetricsError('timeout', 2n ** 63n - 1n).message,
    'no answer within 9223372036854775807 ms',
  );
});

test('a case the WIT does not have is a TypeError', () => {
  assert.throws(() => new MetricsError('exploded', {}), {
    name: 'TypeError',
    message: 'not a case of the WIT error variant: exploded',
  });
});

test('MetricsError and ComponentTrap are Errors with their names', () => {
  const e = new MetricsError('timeout', 250);
  assert.ok(e instanceof Error);
  assert.deepEqual(
    [e.name, e.case, e.payload, e.message],
    ['MetricsError', 'timeout', 250, 'no answer within 250 ms'],
  );
  const cause = new WebAssembly.RuntimeError('unreachable');
  const trap = new ComponentTrap(cause);
  assert.ok(trap instanceof Error);
  assert.deepEqual(
    [trap.name, trap.cause, trap.message],
    ['ComponentTrap', cause, 'the component trapped, its instance was replaced: unreachable'],
  );
  // An import may throw what is not an Error: it is the cause all the same.
  const thrown = { tag: 'closed' };
  const odd = new ComponentTrap(thrown);
  assert.deepEqual(
    [odd.cause, odd.message],
    [thrown, 'the component trapped, its instance was replaced: [object Object]'],
  );
});
