// What the wrapper refuses before the component sees it (issue "Reliability"
// §17, §8): a missing field, a snake_case key, a value of the wrong type, an
// integer out of range, a lone surrogate in any string. Each is a
// MetricsError naming the field as the component names fields, with the
// reasons of docs/errors.md (conformance.test.js runs values.json), nothing
// is sent, and no secret is repeated. Every path given is in a temporary
// directory, which must still be empty at the end: a refused value creates
// nothing.

import assert from 'node:assert/strict';
import { constants } from 'node:buffer';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, LogFile, MetricsError, issueEvent } from '../index.js';
import { SETTERS, TYPES } from '../lib/wit.js';
import { Receiver } from './support/receiver-process.js';
import { replaced, samples, stringPaths } from './support/samples.js';

const BAD = 'ok\ud800ok';

let receiver;
let client;
let tmp;
before(async () => {
  receiver = await Receiver.start();
  client = new Client({ endpoint: receiver.url, maxAttempts: 1 });
  tmp = mkdtempSync(join(tmpdir(), 'runner-metrics-values-'));
});
after(async () => {
  client.close();
  await receiver.close();
  const made = readdirSync(tmp);
  rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(made, [], 'a refused path created nothing');
});

/** The MetricsError `fn` throws. */
function refusal(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MetricsError, `not a MetricsError: ${e?.stack ?? e}`);
    return e;
  }
  assert.fail('nothing was refused');
}

/**
 * Checks that `fn` is refused as `witCase` naming `field` (a string, or a
 * RegExp it matches), and that nothing reached the receiver.
 */
async function refused(fn, witCase, field, reason) {
  await receiver.reset();
  const e = refusal(fn);
  assert.equal(e.case, witCase, e.message);
  if (field instanceof RegExp) assert.match(e.payload.field, field, e.message);
  else assert.equal(e.payload.field, field, e.message);
  if (reason) assert.match(e.payload.reason, reason);
  assert.equal(
    e.message,
    `${witCase === 'invalid-event' ? 'invalid event' : 'invalid config'}: ${e.payload.field}: ${e.payload.reason}`,
  );
  assert.equal((await receiver.requests()).requests, 0, 'nothing was sent');
  return e;
}

const issue = (event) => () => client.issue([{ event, metadata: [] }]);
const snake = (wit) => wit.replaceAll('-', '_');
const start = {
  timestamp: 1,
  flavor: 'small',
  workflow: 'CI',
  repo: 'octo/hello',
  githubEvent: 'push',
  idle: 3.5,
};

test('a missing field is named (today jco says "expected a string, received [undefined]")', async () => {
  const { githubEvent, ...rest } = start;
  void githubEvent;
  await refused(
    issue({ tag: 'runner-start', val: rest }),
    'invalid-event',
    'entries[0].github_event',
    /^is missing$/,
  );
});

test('a snake_case key is named, with the key meant', async () => {
  const { githubEvent, ...rest } = start;
  const e = await refused(
    issue({ tag: 'runner-start', val: { ...rest, github_event: githubEvent } }),
    'invalid-event',
    'entries[0].github_event',
  );
  assert.match(e.payload.reason, /unknown key "github_event": the key is githubEvent/);
});

test('a wrong type is refused, never coerced: idle "3.5"', async () => {
  await refused(
    issue({ tag: 'runner-start', val: { ...start, idle: '3.5' } }),
    'invalid-event',
    'entries[0].idle',
    /expected a number, got a string/,
  );
});

test('the module-level issueEvent names fields as the component does for it', async () => {
  await refused(
    () => issueEvent({ tag: 'runner-start', val: { ...start, idle: '3.5' } }),
    'invalid-event',
    'idle',
  );
  await refused(
    () => issueEvent({ tag: 'runner_start', val: start }),
    'invalid-event',
    'event',
    /"runner_start" \(write runner-start\)/,
  );
  await refused(
    () => issueEvent('runner-start'),
    'invalid-event',
    'event',
    /^expected an event \{tag, val\}, got a string$/,
  );
});

test('LogFile.write names the event by its place in the list', async () => {
  const file = new LogFile('/dev/null');
  await refused(
    () =>
      file.write([
        { tag: 'runner-start', val: start },
        { tag: 'runner-start', val: { ...start, repo: 1 } },
      ]),
    'invalid-event',
    'events[1].repo',
  );
});

// Every field of every event kind, generically from the type table.
for (const event of samples('event').filter((e, i, all) => all.findIndex((o) => o.tag === e.tag) === i)) {
  const def = TYPES[TYPES.event.cases.find(([tag]) => tag === event.tag)[1]];
  for (const [wit, key, type] of def.fields) {
    const place = `entries[0].${snake(wit)}`;
    if (!type.option) {
      test(`${event.tag}.${key} left out is refused naming ${place}`, async () => {
        const { [key]: _, ...rest } = event.val;
        await refused(
          issue({ tag: event.tag, val: rest }),
          'invalid-event',
          place,
          /^is missing$/,
        );
      });
    }
    if (key !== snake(wit)) {
      test(`${event.tag}.${key} spelled ${snake(wit)} is refused naming it`, async () => {
        const { [key]: value, ...rest } = event.val;
        await refused(
          issue({ tag: event.tag, val: { ...rest, [snake(wit)]: value } }),
          'invalid-event',
          place,
          new RegExp(`the key is ${key}`),
        );
      });
    }
    test(`${event.tag}.${key} of the wrong type is refused naming ${place}`, async () => {
      const wrong = typeof samples(type)[0] === 'string' ? 35 : '35';
      await refused(
        issue(replaced(event, ['val', key], wrong)),
        'invalid-event',
        place,
        /^expected (a number|an integer|a string|a list|an? [a-z-]+ object), got a (string|number)$/,
      );
    });
  }
}

test('an unknown event key is refused naming it', async () => {
  await refused(
    issue({ tag: 'runner-start', val: { ...start, color: 'red' } }),
    'invalid-event',
    'entries[0].color',
    /unknown key "color": the keys of runner-start are timestamp, flavor/,
  );
  await refused(
    issue({ tag: 'runner-start', val: start, extra: 1 }),
    'invalid-event',
    'entries[0].extra',
    /an event is \{tag, val\}/,
  );
});

const reconciliation = (crashedRunners) => ({
  tag: 'reconciliation',
  val: {
    timestamp: 1,
    flavor: 'small',
    crashedRunners,
    idleRunners: 0,
    activeRunners: 0,
    expectedRunners: 0,
    duration: 1,
  },
});

test('s64: integers only, within 64 bits, as a Number or a BigInt', async () => {
  for (const fraction of [1.5, NaN, Infinity]) {
    await refused(
      issue(reconciliation(fraction)),
      'invalid-event',
      'entries[0].crashed_runners',
      /^expected an integer, got a number$/,
    );
  }
  await refused(
    issue(reconciliation(2n ** 63n)),
    'invalid-event',
    'entries[0].crashed_runners',
    /^must be an integer from -9223372036854775808 to 9223372036854775807, got 9223372036854775808$/,
  );
  // A Number shown exactly, never in exponent notation.
  await refused(
    issue(reconciliation(1e21)),
    'invalid-event',
    'entries[0].crashed_runners',
    /, got 1000000000000000000000$/,
  );
  await refused(
    issue(reconciliation('3')),
    'invalid-event',
    'entries[0].crashed_runners',
    /^expected an integer, got a string$/,
  );
  // In range: the component judges it (a count must be >= 0).
  await receiver.reset();
  const negative = refusal(issue(reconciliation(-1n)));
  assert.equal(negative.payload.field, 'entries[0].crashed_runners');
  assert.match(negative.payload.reason, /must be >= 0, got -1/);

  await receiver.reset();
  client.issue([
    { event: reconciliation(2n ** 63n - 1n), metadata: [] },
    { event: reconciliation(2 ** 53), metadata: [] },
  ]);
  const lines = (await receiver.pushes())[0].streams[0].entries.map((e) => e.line);
  assert.match(lines[0], /"crashed_runners":9223372036854775807,/);
  assert.match(lines[1], /"crashed_runners":9007199254740992,/);
});

test('s64 settings: the wrapper refuses what 64 bits cannot hold, the setter the rest', async () => {
  await refused(
    () => new Client({ spoolMaxBytes: 2n ** 64n }),
    'invalid-config',
    'spool-max-bytes',
    /must be an integer from -9223372036854775808/,
  );
  await refused(
    () => new Client({ maxAttempts: 2.5 }),
    'invalid-config',
    'max-attempts',
    /^expected an integer, got a number$/,
  );
  await refused(
    () => new Client({ timeoutMs: -1 }),
    'invalid-config',
    'timeout-ms',
    /must be 1 to 600000, got -1/,
  );
});

// A lone surrogate in any string of any event, entry, setting or path.
const eventStrings = new Map();
for (const event of samples('event')) {
  for (const path of stringPaths('event', event))
    eventStrings.set(`${event.tag} ${path.join('.')}`, [event, path]);
}
for (const [name, [event, path]] of eventStrings) {
  // The place the contract names: a record field by its JSON name, a custom
  // field's key by its index, and its value by its key.
  const [, key, i, part] = path;
  const field =
    key === 'fields'
      ? `entries[0].fields[${i}]${part === 0 ? '' : `.${event.val.fields[i][0]}`}`
      : `entries[0].${snake(TYPES[TYPES.event.cases.find(([tag]) => tag === event.tag)[1]].fields.find(([, k]) => k === key)[0])}`;
  test(`a lone surrogate in ${name} is refused naming ${field}`, async () => {
    await refused(
      issue(replaced(event, path, BAD)),
      'invalid-event',
      field,
      /^is not well-formed Unicode: it holds a lone surrogate$/,
    );
  });
}

test('a lone surrogate in entry metadata is refused naming the pair', async () => {
  const event = { tag: 'runner-start', val: start };
  await refused(
    () => client.issue([{ event, metadata: [[BAD, 'v']] }]),
    'invalid-event',
    'entries[0].metadata[0].name',
  );
  await refused(
    () => client.issue([{ event, metadata: [['k', BAD]] }]),
    'invalid-event',
    'entries[0].metadata[0].value',
  );
});

for (const [setting, key, , type] of SETTERS) {
  for (const value of samples(type)) {
    for (const path of stringPaths(type, value)) {
      test(`a lone surrogate in the setting ${key} at [${path.join('.')}] is refused`, async () => {
        // A path (the spool) in the temporary directory, should it be made.
        const bad = setting === 'spool' ? join(tmp, BAD) : BAD;
        await refused(
          () => new Client({ [key]: replaced(value, path, bad) }),
          'invalid-config',
          new RegExp(`^${setting}($|[.[])`),
          /lone surrogate/,
        );
      });
    }
  }
}

test('lone surrogates are named as the component names settings', () => {
  const named = (options) => refusal(() => new Client(options)).payload.field;
  assert.equal(named({ endpoint: BAD }), 'endpoint');
  assert.equal(named({ labels: [['a', BAD]] }), 'labels[0].value');
  assert.equal(named({ auth: { tag: 'basic', val: { user: BAD, password: 'p' } } }), 'auth.basic.user');
  assert.equal(named({ auth: { tag: 'bearer', val: BAD } }), 'auth.bearer');
  assert.equal(
    named({
      headers: [
        ['x-a', 'ok'],
        [BAD, 'v'],
      ],
    }),
    'headers[1].name',
  );
});

test('a lone surrogate in a log file path is refused', async () => {
  await refused(() => new LogFile(join(tmp, BAD)), 'invalid-config', 'path', /lone surrogate/);
});

test('values of the wrong kind are named in the words of every host', () => {
  const reason = (options) => refusal(() => new Client(options)).payload.reason;
  assert.equal(reason({ labels: 'a=b' }), 'expected a list, got a string');
  assert.equal(reason({ labels: [['a']] }), 'expected a pair, got a list');
  assert.equal(reason({ labels: [null] }), 'expected a pair, got nothing');
  assert.equal(reason({ tenant: { name: 'a' } }), 'expected a string, got an object');
  assert.equal(reason({ useEventTimestamp: 1 }), 'expected a boolean, got a number');
  assert.equal(reason({ timeoutMs: null }), 'expected an integer, got nothing');
  assert.equal(reason({ auth: { tag: 'bearer' } }), 'is missing');
});

test('no string can be longer than the component model passes, so none is refused for it', () => {
  // V8's longest string, at 3 UTF-8 bytes per UTF-16 unit at most.
  assert.ok(constants.MAX_STRING_LENGTH * 3 < 2 ** 31 - 1);
});

test('no secret is repeated in a refusal', () => {
  const secret = 'sekrit-Zq9';
  for (const options of [
    { auth: { tag: 'bearer', val: `${secret}\ud800` } },
    { auth: { tag: 'basic', val: { user: 'u', password: `${secret}\udfff` } } },
    { auth: { tag: secret, val: 'x' } },
    { auth: { tag: 'bearer', val: 12345678 } },
    { headers: [['x-api-key', `${secret}\ud800`]] },
    { headers: [['x-api-key', secret, secret]] },
    { headers: [['x-api-key', { secret }]] },
    { headers: [['x-api-key', 'caf\u00e9' + secret]] },
  ]) {
    const e = refusal(() => new Client(options));
    assert.equal(e.case, 'invalid-config');
    const text = `${e.message} ${JSON.stringify(e.payload)}`;
    assert.ok(!text.includes(secret) && !text.includes('12345678'), text);
  }
});

// Every event valid on its own, 20,000 of them with 250 kB lines: jco's glue
// failed past 2 GiB ("Start offset ... is outside the bounds of the buffer"),
// a ComponentTrap. The WIT's `client.issue` limits refuse such a call first.
const CALL_TEXT = 'holds more than 268435456 bytes of text, the most one call takes';

test('a call larger than the component takes is refused before it', async () => {
  const big = { tag: 'runner-installed', val: { timestamp: 1, flavor: 'x'.repeat(250_000), duration: 1 } };
  const small = { tag: 'runner-installed', val: { timestamp: 1, flavor: 's', duration: 1 } };
  const entries = (event, n) => new Array(n).fill({ event, metadata: [] });
  await refused(() => client.issue(entries(big, 1_100)), 'invalid-event', 'entries', new RegExp(`^${CALL_TEXT}$`));
  await refused(
    () => client.issue(entries(small, 2 ** 20 + 1)),
    'invalid-event',
    'entries',
    /^holds 1048577 items, more than the 1048576 one call takes$/,
  );
  await refused(
    () => issueEvent({ tag: 'runner-installed', val: { timestamp: 1, flavor: 'é'.repeat(2 ** 27 + 1), duration: 1 } }),
    'invalid-event',
    'event',
    new RegExp(`^${CALL_TEXT}$`),
  );
  await refused(
    () => new LogFile('/dev/null').write(new Array(1_100).fill(big)),
    'invalid-event',
    'events',
    new RegExp(`^${CALL_TEXT}$`),
  );
  client.issue(entries(small, 1)); // the same instance still works
  assert.equal((await receiver.requests()).requests, 1);
});

test('a spool directory that cannot be made is a storage error, not a hang', () => {
  const e = refusal(() => new Client({ endpoint: receiver.url, spool: '/proc/nope/spool' }));
  assert.equal(e.case, 'storage', e.message);
  assert.equal(e.payload.path, '/proc/nope/spool');
});

test('an endpoint preview2-shim cannot send to is refused when the client is made', () => {
  for (const endpoint of ['http://[::1]:3100/loki/api/v1/push', 'http://loki_gateway:3100/loki/api/v1/push']) {
    const e = refusal(() => new Client({ endpoint }));
    assert.equal(e.case, 'invalid-config', e.message);
    assert.equal(e.payload.field, 'endpoint');
    assert.match(e.payload.reason, /cannot send to an IPv6 address/);
  }
  // A name of letters, digits, `-` and `.`, with a port, is taken.
  new Client({ endpoint: 'http://loki-gateway.local:3100/loki/api/v1/push' }).close();
});
