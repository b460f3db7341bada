// Recovery after a trap. No input makes the component trap (the contract),
// so a test import throws the WebAssembly.RuntimeError a trap would: the
// guest is left mid-call, as after a real one. This file runs in its own
// process (node --test), so the import hook touches no other test.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, ComponentTrap, MetricsError, issueEvent } from '../index.js';
import { testing } from '../lib/component.js';
import { Receiver } from './support/receiver-process.js';

const installed = (flavor = 'small') => ({
  tag: 'runner-installed',
  val: { timestamp: 1700000000.25, flavor, duration: 12 },
});

let trapNext = false;
let instances = 0;
testing.wrapImports = (imports) => {
  instances += 1;
  // Every call that issues reads the wall clock (the entry time).
  const key = 'wasi:clocks/wall-clock';
  const clock = imports[key];
  const now = () => {
    if (trapNext) {
      trapNext = false;
      throw new WebAssembly.RuntimeError('unreachable (injected)');
    }
    return clock.now();
  };
  return { ...imports, [key]: { ...clock, now } };
};

let receiver;
before(async () => {
  receiver = await Receiver.start();
});
after(() => receiver.close());

function trap(fn) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ComponentTrap, `not a ComponentTrap: ${e?.stack ?? e}`);
    assert.ok(e.cause instanceof WebAssembly.RuntimeError);
    assert.match(e.message, /^the component trapped, its instance was replaced: unreachable \(injected\)$/);
    return true;
  });
}

test('a client whose instance traps makes a new one with its options and carries on', async () => {
  await receiver.reset();
  const c = new Client({ endpoint: receiver.url, batchMaxEvents: 100, maxAttempts: 1 });
  c.issueEvent(installed());
  assert.equal(c.stats().bufferedEvents, 1);
  const before = instances;
  trapNext = true;
  trap(() => c.issueEvent(installed()));
  // The next call runs in a fresh instance with a client made from the same
  // options; what the old one buffered went with it.
  c.issueEvent(installed('after'));
  assert.equal(instances, before + 1);
  assert.equal(c.stats().bufferedEvents, 1);
  c.close();
  const pushes = await receiver.pushes();
  assert.deepEqual(
    pushes.map((p) => p.streams[0].entries.map((e) => JSON.parse(e.line).flavor)),
    [['after']],
  );
});

test('the module-level issueEvent drops a trapped instance', () => {
  // Invalid events are refused before any clock is read or anything sent.
  const invalid = () =>
    assert.throws(
      () => issueEvent({ tag: 'runner-installed', val: { timestamp: 1, flavor: 's', duration: -1 } }),
      MetricsError,
    );
  invalid();
  const before = instances;
  trapNext = true;
  trap(() => issueEvent(installed()));
  invalid();
  assert.equal(instances, before + 1, 'the next call made a fresh instance');
  invalid();
  assert.equal(instances, before + 1, 'and kept it');
});
