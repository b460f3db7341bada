// Recovery after a trap. No input makes the component trap (the contract),
// so a test import throws the WebAssembly.RuntimeError a trap would: the
// guest is left mid-call, as after a real one. This file runs in its own
// process (node --test), so the import hook touches no other test.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, ComponentTrap, MetricsError, RunnerInstalled, issueEvent } from '../index.js';
import { testing } from '../lib/component.js';
import { Receiver } from './support/receiver.js';

const installed = (fields = {}) =>
  new RunnerInstalled({ timestamp: 1700000000.25, flavor: 'small', duration: 12, ...fields });

let trapNext = false;
let instances = 0;
testing.wrapImports = (imports) => {
  instances += 1;
  // Every call reads the wall clock (the entry time), buffered ones included.
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
after(async () => {
  await receiver.close();
});

function trap(fn) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ComponentTrap, `not a ComponentTrap: ${e}`);
    assert.ok(e.cause instanceof WebAssembly.RuntimeError);
    assert.match(e.message, /injected/);
    return true;
  });
}

test('a client whose instance traps makes a new one with its config and carries on', async () => {
  await receiver.reset();
  const c = new Client({ endpoint: receiver.url, batchMaxEvents: 100, retry: { maxAttempts: 1 } });
  c.issueEvent(installed());
  assert.equal(c.stats().bufferedEvents, 1);
  const before = instances;
  trapNext = true;
  trap(() => c.issueEvent(installed()));
  // The next call runs in a fresh instance, with a guest client made from
  // the same config; what the old one buffered went with it.
  c.issueEvent(installed({ flavor: 'after' }));
  assert.equal(instances, before + 1);
  assert.equal(c.stats().bufferedEvents, 1);
  c.flush();
  c.close();
  const { accepted } = await receiver.recorded();
  assert.equal(accepted.length, 1);
  assert.equal(accepted[0].streams[0].lines.length, 1);
  assert.match(accepted[0].streams[0].lines[0], /"flavor":"after"/);
});

test('the module-level functions drop a trapped instance', () => {
  // Invalid events are refused before any clock is read or anything sent.
  const invalid = () => assert.throws(() => issueEvent(installed({ duration: -1 })), MetricsError);
  invalid();
  const before = instances;
  trapNext = true;
  trap(() => issueEvent(installed()));
  invalid();
  assert.equal(instances, before + 1, 'the next call made a fresh instance');
  invalid();
  assert.equal(instances, before + 1, 'and kept it');
});
