// Every case of conformance/fixtures.json, run as conformance/README.md says,
// against the built component over real HTTP; and every text of its
// `error-texts`, rendered by MetricsError.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, MetricsError } from '../index.js';
import { TYPES } from '../lib/wit.js';
import { Receiver } from './support/receiver-process.js';
import { clientOptions, expectedError, fixtures, fromWitJson, shapedError } from './support/wit-json.js';

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
