// Every case of conformance/fixtures.json, run as its README says, against the
// built component over real HTTP.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, MetricsError } from '../index.js';
import { camel, cases, toConfig, toEvent } from './support/fixtures.js';
import { Receiver, closedEndpoint } from './support/receiver.js';

let receiver;
let closed;
before(async () => {
  receiver = await Receiver.start();
  closed = await closedEndpoint();
});
after(() => receiver.close());

test('the fixtures have cases', () => {
  assert.ok(cases.length >= 50, `only ${cases.length} cases`);
});

for (const c of cases) {
  test(c.name, async () => {
    await receiver.reset(c.replies);
    const config = {
      endpoint: receiver.url,
      retry: { maxAttempts: 1 },
      ...toConfig(c.config ?? {}),
    };
    if (config.endpoint === '$CLOSED') config.endpoint = closed;
    const events = c.events.map(toEvent);

    const error = outcome(() => {
      const client = new Client(config);
      try {
        if (events.length === 1) client.issueEvent(events[0]);
        else client.issueEvents(events);
      } finally {
        client.close();
      }
    });

    if (c.expect.ok) {
      assert.equal(error, undefined);
    } else {
      const { case: witCase, ...fields } = c.expect.error;
      assert.ok(error instanceof MetricsError, `expected a MetricsError, got ${error}`);
      assert.equal(error.case, witCase, error.message);
      for (const [key, value] of Object.entries(fields)) {
        assert.deepEqual(error[camel(key)], value, `${key} of ${error.message}`);
      }
    }

    const { accepted, attempts } = await receiver.recorded();
    assert.deepEqual(
      accepted.map((request, i) => shaped(request, c.expect.requests[i])),
      c.expect.requests,
    );
    if (c.expect.attempts !== undefined) assert.equal(attempts, c.expect.attempts);
  });
}

/** The error `fn` threw, or undefined. */
function outcome(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
}

/**
 * A recorded request cut to the keys the expected one gives, so that the
 * comparison shows every difference at once: `headers` only those named,
 * `metadata` only when expected.
 */
function shaped(request, expected = {}) {
  const out = {};
  if (expected.headers) {
    out.headers = Object.fromEntries(
      Object.keys(expected.headers).map((name) => [name, request.headers[name]]),
    );
  }
  out.streams = request.streams.map(({ labels, lines, metadata }, i) =>
    expected.streams?.[i]?.metadata ? { labels, lines, metadata } : { labels, lines },
  );
  return out;
}
