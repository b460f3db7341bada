// Every case of conformance/fixtures.json, run as conformance/README.md says,
// against the built component over real HTTP; every text of its
// `error-texts`, rendered by MetricsError; and every value of
// conformance/values.json, refused as every host refuses it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, MetricsError } from '../index.js';
import { SETTERS, TYPES } from '../lib/wit.js';
import { Receiver } from './support/receiver-process.js';
import {
  clientOptions,
  expectedError,
  fixtures,
  fromWitJson,
  shapedError,
  values,
} from './support/wit-json.js';

let receiver;
let closed;
before(async () => {
  receiver = await Receiver.start();
  closed = await receiver.fault('refused');
});
after(() => receiver.close());

test('the fixtures are the 0.2 contract and have cases', () => {
  assert.match(fixtures.format, /github-runner:metrics@0\.2\.0/);
  assert.ok(fixtures.cases.length >= 60, `only ${fixtures.cases.length} cases`);
});

test('the error texts cover every case of the WIT error variant', () => {
  const covered = fixtures['error-texts'].map(({ error }) =>
    typeof error === 'string' ? error : Object.keys(error)[0],
  );
  assert.deepEqual(new Set(covered), new Set(TYPES.error.cases.map(([name]) => name)));
});

for (const { error, text } of fixtures['error-texts']) {
  test(`error text: ${text}`, () => {
    const { tag, val } = fromWitJson('error', error);
    const e = new MetricsError(tag, val);
    assert.equal(e.message, text);
    assert.equal(e.case, tag);
    assert.deepEqual(e.payload, val);
  });
}

for (const c of fixtures.cases) {
  test(c.name, async () => {
    await receiver.reset(c.replies);
    const options = { endpoint: receiver.url, maxAttempts: 1, ...clientOptions(c.options) };
    if (options.endpoint === '$CLOSED') options.endpoint = closed;
    const entries = fromWitJson({ list: 'entry' }, c.entries);

    let client;
    let error;
    try {
      client = new Client(options);
      client.issue(entries);
    } catch (e) {
      error = e;
    }

    if (c.expect.ok) {
      assert.equal(error, undefined, `expected ok, got ${error}`);
    } else {
      assert.ok(error instanceof MetricsError, `expected a MetricsError, got ${error?.stack ?? error}`);
      const expected = expectedError(c.expect.error);
      assert.deepEqual(shapedError(error, expected), expected, error.message);
    }
    if (client !== undefined) {
      const { lastError } = client.stats();
      assert.equal(lastError, error === undefined ? null : error.message, 'the message is stats().lastError');
      client.close();
    }

    const pushes = await receiver.pushes();
    assert.deepEqual(
      pushes.map((push, i) => shaped(push, c.expect.requests?.[i])),
      c.expect.requests ?? [],
    );
    for (const push of pushes) {
      assert.equal(push.content_length, push.body_bytes, 'Content-Length is the body length');
      assert.equal(push.chunked, false, 'not chunked');
    }
    if (c.expect.attempts !== undefined) {
      assert.equal((await receiver.requests()).requests, c.expect.attempts, 'attempts');
    }
  });
}

test('values.json has cases', () => {
  assert.ok(values.cases.length >= 10, `only ${values.cases.length} cases`);
});

for (const c of values.cases) {
  test(`value: ${c.name}`, async () => {
    await receiver.reset();
    let client;
    let error;
    try {
      if ('setting' in c) {
        const [, key, , type] = SETTERS.find(([setting]) => setting === c.setting);
        client = new Client({ endpoint: receiver.url, maxAttempts: 1, [key]: fromWitJson(type, c.value) });
      } else {
        client = new Client({ endpoint: receiver.url, maxAttempts: 1 });
        client.issue([{ event: fromWitJson('event', c.entry), metadata: [] }]);
      }
    } catch (e) {
      error = e;
    } finally {
      client?.close();
    }
    assert.ok(error instanceof MetricsError, `expected a MetricsError, got ${error?.stack ?? error}`);
    const { case: witCase, field, reason } = c.expect;
    assert.deepEqual([error.case, error.payload], [witCase, { field, reason }], error.message);
    const text = `${witCase === 'invalid-event' ? 'invalid event' : 'invalid config'}: ${field}: ${reason}`;
    assert.equal(error.message, text);
    assert.equal((await receiver.requests()).requests, 0, 'nothing was sent');
    // No string given (a secret, perhaps) is repeated.
    for (const given of strings(c.value ?? c.entry)) {
      assert.ok(!error.message.includes(given), `${JSON.stringify(given)} is in ${error.message}`);
    }
  });
}

/**
 * The strings inside a JSON value, and their parts between lone surrogates,
 * that a text could show (3 characters or more).
 */
function strings(json) {
  if (typeof json === 'string') return [json, ...json.split(/\p{Cs}/u)].filter((s) => s.length >= 3);
  if (typeof json !== 'object' || json === null) return [];
  return Object.values(json).flatMap(strings);
}

/**
 * A recorded push cut to the keys the expected request gives, so that one
 * comparison shows every difference: `headers` only those named,
 * `metadata` only when expected.
 */
function shaped(push, expected = {}) {
  const out = {};
  if (expected.headers) {
    out.headers = Object.fromEntries(Object.keys(expected.headers).map((name) => [name, push.headers[name]]));
  }
  out.streams = push.streams.map(({ labels, entries }, i) => {
    const stream = { labels, lines: entries.map((e) => e.line) };
    if (expected.streams?.[i]?.metadata) stream.metadata = entries.map((e) => e.metadata);
    return stream;
  });
  return out;
}
