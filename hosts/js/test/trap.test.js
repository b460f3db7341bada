// Recovery after a trap. No input makes the component trap (the contract),
// so a test import throws the WebAssembly.RuntimeError a trap would, or any
// other error an import or jco's bindings may throw: either way the guest is
// left mid-call, as after a real trap. This file runs in its own process
// (node --test), so the import hook touches no other test.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, ComponentTrap, MetricsError, issueEvent } from '../index.js';
import { instantiate, testing } from '../lib/component.js';
import { Receiver } from './support/receiver-process.js';

const installed = (flavor = 'small') => ({
  tag: 'runner-installed',
  val: { timestamp: 1700000000.25, flavor, duration: 12 },
});

/** What the next clock read throws, or null. */
let throwNext = null;
let instances = 0;
testing.wrapImports = (imports) => {
  instances += 1;
  // Every call that issues reads the wall clock (the entry time).
  const key = 'wasi:clocks/wall-clock';
  const clock = imports[key];
  const now = () => {
    const error = throwNext;
    throwNext = null;
    if (error !== null) throw error;
    return clock.now();
  };
  return { ...imports, [key]: { ...clock, now } };
};

let receiver;
before(async () => {
  receiver = await Receiver.start();
});
after(() => receiver.close());

const trapNext = () => {
  throwNext = new WebAssembly.RuntimeError('unreachable (injected)');
};

/** Checks that `fn` throws the ComponentTrap of the error injected. */
function trap(fn) {
  const injected = throwNext;
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ComponentTrap, `not a ComponentTrap: ${e?.stack ?? e}`);
    assert.equal(e.cause, injected);
    assert.equal(e.message, `the component trapped, its instance was replaced: ${injected.message}`);
    return true;
  });
}

test('a client whose instance traps makes a new one with its options and carries on', async () => {
  await receiver.reset();
  const c = new Client({ endpoint: receiver.url, batchMaxEvents: 100, maxAttempts: 1 });
  c.issueEvent(installed());
  assert.equal(c.stats().bufferedEvents, 1);
  const before = instances;
  trapNext();
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
  trapNext();
  trap(() => issueEvent(installed()));
  invalid();
  assert.equal(instances, before + 1, 'the next call made a fresh instance');
  invalid();
  assert.equal(instances, before + 1, 'and kept it');
});

test('an error that is not a trap, thrown inside a call, is one: the instance is replaced', async () => {
  // jco's bindings throw a TypeError for an import's value they cannot lower
  // (an answer cut short once did): the guest is mid-call all the same.
  await receiver.reset();
  const c = new Client({ endpoint: receiver.url, maxAttempts: 1 });
  const before = instances;
  throwNext = new TypeError('invalid variant tag value (injected)');
  trap(() => c.issueEvent(installed()));
  // Without a new instance, the guest would panic here (a RefCell still
  // borrowed by the abandoned call) and trap.
  assert.equal(c.stats().sentEvents, 0);
  c.issueEvent(installed('after'));
  assert.equal(instances, before + 1);
  c.close();
  assert.equal((await receiver.pushes()).length, 1);
});

test('close() after a trap makes no instance just to drop the client', () => {
  const c = new Client({ endpoint: receiver.url, maxAttempts: 1 });
  trapNext();
  trap(() => c.issueEvent(installed()));
  const before = instances;
  c.close();
  assert.equal(instances, before);
});

test('an abandoned instance runs no destructor, as the garbage collector would have it do', async () => {
  // A client with an event buffered, dropped as jco's FinalizationRegistry
  // drops a collected one: in a live instance it flushes, in an abandoned
  // one (left mid-call) nothing runs.
  const dropped = async (abandon) => {
    await receiver.reset();
    const instance = instantiate([]);
    const options = new instance.promtail.Options();
    options.setEndpoint(receiver.url);
    options.setBatchMaxEvents(10n);
    const client = new instance.promtail.Client(options);
    options[Symbol.dispose]();
    client.issue([{ event: installed(), metadata: [] }]);
    if (abandon) instance.abandon();
    client[Symbol.dispose]();
    return (await receiver.requests()).requests;
  };
  assert.equal(await dropped(false), 1);
  assert.equal(await dropped(true), 0);
});
