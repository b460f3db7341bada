// The wrapper's API: errors, stats, config defaults, batching, the file sink
// and the spool, against the built component over real HTTP.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  Client,
  CustomEvent,
  MetricsError,
  Reconciliation,
  RunnerInstalled,
  issueEvent,
  issueEvents,
} from '../index.js';
import { Receiver, closedEndpoint } from './support/receiver.js';

const installed = (fields = {}) =>
  new RunnerInstalled({ timestamp: 1700000000.25, flavor: 'small', duration: 12, ...fields });
const INSTALLED_LINE =
  '{"timestamp":1700000000.25,"event":"runner_installed","flavor":"small","duration":12.0}';

let receiver;
let closed;
let tmp;
before(async () => {
  receiver = await Receiver.start();
  closed = await closedEndpoint();
  tmp = mkdtempSync(join(tmpdir(), 'runner-metrics-js-'));
});
after(async () => {
  await receiver.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A client of the test receiver that tries once, after resetting the receiver. */
async function client(config = {}, replies = []) {
  await receiver.reset(replies);
  return new Client({ endpoint: receiver.url, retry: { maxAttempts: 1 }, ...config });
}

/** The MetricsError `fn` throws. */
function metricsError(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MetricsError, `not a MetricsError: ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'MetricsError');
    return e;
  }
  assert.fail('no error thrown');
}

test('config defaults: labels, headers, encoding, entry time, one request per event', async () => {
  await receiver.reset();
  const c = new Client({ endpoint: receiver.url, tenant: null, auth: undefined, spool: null });
  const startNs = BigInt(Date.now()) * 1_000_000n;
  c.issueEvent(installed());
  c.issueEvent(installed());
  const endNs = BigInt(Date.now() + 1) * 1_000_000n;
  c.close();
  const { accepted } = await receiver.recorded();
  assert.equal(accepted.length, 2);
  const [{ headers, streams }] = accepted;
  assert.equal(headers['content-type'], 'application/json');
  for (const absent of ['content-encoding', 'authorization', 'x-scope-orgid']) {
    assert.equal(headers[absent], undefined, absent);
  }
  assert.equal(streams.length, 1);
  const [{ timestamps, ...stream }] = streams;
  assert.deepEqual(stream, {
    labels: [
      ['job', 'metrics'],
      ['event', 'runner_installed'],
    ],
    lines: [INSTALLED_LINE],
    metadata: [[]],
  });
  assert.equal(timestamps.length, 1);
  const ts = BigInt(timestamps[0]);
  assert.ok(ts >= startNs && ts <= endNs, 'the entry time is the time of the call');
});

test('a large batch arrives whole', async () => {
  // About 1 MiB of lines in one request: the component writes the body in
  // the large pieces the shim's stream permits, not 4 KiB ones.
  const pad = 'x'.repeat(10_000);
  const c = await client();
  c.issueEvents(
    Array.from({ length: 100 }, (_, i) => new CustomEvent({ name: 'big', timestamp: i, fields: { seq: BigInt(i), pad } })),
  );
  c.close();
  const { accepted } = await receiver.recorded();
  assert.equal(accepted.length, 1);
  const lines = accepted[0].streams[0].lines.map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.seq),
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.ok(lines.every((l) => l.pad === pad));
});

test('useEventTimestamp: the entry time is the event timestamp', async () => {
  const c = await client({ useEventTimestamp: true });
  c.issueEvent(installed());
  c.close();
  const { accepted } = await receiver.recorded();
  // Within a microsecond: an f64 of Unix seconds is not exact to the nanosecond.
  const ts = BigInt(accepted[0].streams[0].timestamps[0]);
  const off = ts - 1700000000250000000n;
  assert.ok(off > -1000n && off < 1000n, `${ts}`);
});

test('invalid-event: field and reason; nothing sent; the client still works', async () => {
  const c = await client();
  const e = metricsError(() => c.issueEvent(installed({ duration: -1 })));
  assert.equal(e.case, 'invalid-event');
  assert.equal(e.field, 'duration');
  assert.match(e.reason, /finite and >= 0/);
  assert.equal(e.message, `invalid event: duration: ${e.reason}`);
  assert.equal((await receiver.recorded()).attempts, 0);

  c.issueEvent(installed());
  c.close();
  assert.equal((await receiver.recorded()).accepted.length, 1);
});

test('a batch names the bad event, whether the component or the wrapper refuses it', () => {
  const e = metricsError(() => issueEvents([installed(), installed({ duration: NaN })]));
  assert.equal(e.case, 'invalid-event');
  assert.equal(e.field, 'events[1].duration');

  const fractional = new Reconciliation({
    timestamp: 1,
    flavor: 'small',
    crashedRunners: 1.5,
    idleRunners: 0,
    activeRunners: 0,
    expectedRunners: 0,
    duration: 1,
  });
  const w = metricsError(() => issueEvents([installed(), installed(), fractional]));
  assert.equal(w.case, 'invalid-event');
  assert.equal(w.field, 'events[2].crashed_runners');
});

test('module-level issueEvent validates before sending', () => {
  const e = metricsError(() => issueEvent(installed({ timestamp: Infinity })));
  assert.equal(e.case, 'invalid-event');
  assert.equal(e.field, 'timestamp');
});

test('counts take Numbers or BigInts', async () => {
  const c = await client();
  const reconciliation = (counts) =>
    new Reconciliation({ timestamp: 1, flavor: 'small', duration: 1.5, ...counts });
  c.issueEvent(reconciliation({ crashedRunners: 1, idleRunners: 2n, activeRunners: 3, expectedRunners: 4n }));
  c.close();
  const { accepted } = await receiver.recorded();
  assert.equal(
    accepted[0].streams[0].lines[0],
    '{"timestamp":1.0,"event":"reconciliation","flavor":"small","crashed_runners":1,' +
      '"idle_runners":2,"active_runners":3,"expected_runners":4,"duration":1.5}',
  );
});

test('custom field values: JS values and the WIT form', async () => {
  const c = await client();
  c.issueEvent(
    new CustomEvent({
      name: 'image_built',
      timestamp: 2,
      fields: { a: true, b: 'x', c: 5n, d: 1.5, e: { integer: 6 }, f: { number: 12 } },
    }),
  );
  c.close();
  const { accepted } = await receiver.recorded();
  assert.equal(
    accepted[0].streams[0].lines[0],
    '{"timestamp":2.0,"event":"image_built","a":true,"b":"x","c":5,"d":1.5,"e":6,"f":12.0}',
  );
});

test('not an event, or a field of the wrong type: TypeError, and the instance still works', async () => {
  const c = await client();
  assert.throws(() => c.issueEvent({ duration: 1 }), TypeError);
  assert.throws(() => c.issueEvent(installed({ flavor: undefined })), TypeError);
  c.issueEvent(installed());
  c.close();
  assert.equal((await receiver.recorded()).accepted.length, 1);
});

test('invalid-config: from the component, from the wrapper, unknown fields', () => {
  const zero = metricsError(() => new Client({ timeoutMs: 0 }));
  assert.equal(zero.case, 'invalid-config');
  assert.equal(zero.field, 'timeout_ms');
  assert.equal(zero.message, `invalid config: timeout_ms: ${zero.reason}`);

  // A negative u32 would wrap to 4294967295 in the bindings.
  const negative = metricsError(() => new Client({ retry: { maxAttempts: -1 } }));
  assert.equal(negative.case, 'invalid-config');
  assert.equal(negative.field, 'retry.max_attempts');

  const unknown = metricsError(() => new Client({ timeout: 5 }));
  assert.equal(unknown.case, 'invalid-config');
  assert.equal(unknown.field, 'timeout');
});

test('credentials never appear in errors or stats', async () => {
  const secret = 'sekrit-Zq9';
  const bad = metricsError(
    () => new Client({ auth: { bearer: `${secret}\n` }, headers: [['x-token', secret]] }),
  );
  assert.equal(bad.case, 'invalid-config');
  assert.ok(!JSON.stringify({ ...bad, message: bad.message }).includes(secret));

  const c = await client(
    { auth: { basic: { user: 'u', password: secret } }, tenant: 't' },
    [{ status: 401, body: 'no' }],
  );
  const rejected = metricsError(() => c.issueEvent(installed()));
  assert.equal(rejected.status, 401);
  const stats = c.stats();
  c.close();
  for (const text of [rejected.message, JSON.stringify(rejected), JSON.stringify(stats)]) {
    assert.ok(!text.includes(secret), text);
  }
});

test('rejected: status, body and Retry-After; the client still works', async () => {
  const c = await client({}, [
    { status: 429, headers: { 'Retry-After': '2' }, body: 'slow down' },
    { status: 400, body: 'entry out of order' },
  ]);
  const limited = metricsError(() => c.issueEvent(installed()));
  assert.equal(limited.case, 'rejected');
  assert.deepEqual(
    { status: limited.status, body: limited.body, retryAfterMs: limited.retryAfterMs },
    { status: 429, body: 'slow down', retryAfterMs: 2000 },
  );
  const refused = metricsError(() => c.issueEvent(installed()));
  assert.deepEqual(
    { status: refused.status, body: refused.body, retryAfterMs: refused.retryAfterMs },
    { status: 400, body: 'entry out of order', retryAfterMs: null },
  );
  assert.equal(refused.message, 'the receiver answered 400: entry out of order');

  c.issueEvent(installed());
  c.close();
  const { accepted, attempts } = await receiver.recorded();
  assert.equal(attempts, 3);
  assert.equal(accepted.length, 1);
});

test('transport: connection refused; stats count it; the client still works', () => {
  const c = new Client({ endpoint: closed, retry: { maxAttempts: 1 } });
  const e = metricsError(() => c.issueEvent(installed()));
  assert.equal(e.case, 'transport');
  assert.equal(e.code, 'connection-refused');
  assert.ok(e.detail === null || typeof e.detail === 'string');
  assert.match(e.message, /^transport failure: connection-refused/);

  const stats = c.stats();
  assert.equal(stats.dropped.undeliverable, 1);
  assert.equal(stats.lastError, 'transport failure: connection-refused');
  assert.equal(metricsError(() => c.issueEvent(installed({ duration: -1 }))).case, 'invalid-event');
  c.flush();
  c.close();
});

test('timeout: a receiver that never answers is given up on after timeoutMs', async () => {
  const c = await client({ timeoutMs: 500 }, [{ hang: true }]);
  const start = Date.now();
  const e = metricsError(() => c.issueEvent(installed()));
  const elapsed = Date.now() - start;
  assert.equal(e.case, 'timeout');
  assert.equal(e.timeoutMs, 500);
  assert.equal(e.message, 'no answer within 500 ms');
  assert.ok(elapsed >= 450 && elapsed < 5000, `gave up after ${elapsed} ms`);

  c.issueEvent(installed());
  c.close();
  assert.equal((await receiver.recorded()).accepted.length, 1);
});

test('timeout: an answer that trickles in is given up on after timeoutMs, by the component', async () => {
  // The socket is never idle, so only the component's own deadline can fire.
  const c = await client({ timeoutMs: 500 }, [{ status: 200, body: 'x'.repeat(40), trickleMs: 100 }]);
  const start = Date.now();
  const e = metricsError(() => c.issueEvent(installed()));
  const elapsed = Date.now() - start;
  c.close();
  assert.equal(e.case, 'timeout');
  assert.ok(elapsed >= 450 && elapsed < 5000, `gave up after ${elapsed} ms`);
});

test('stats: buffering, flush, retries, 2xx other than 204, as Numbers', async () => {
  const c = await client(
    { batchMaxEvents: 3, retry: { maxAttempts: 2, minBackoffMs: 1, maxBackoffMs: 1 } },
    [{ status: 503 }, { status: 200, body: 'ok' }],
  );
  const fresh = c.stats();
  assert.equal(fresh.lastError, null);
  assert.ok(Object.values(fresh.dropped).every((n) => n === 0));

  c.issueEvents([installed(), installed()]);
  assert.equal(c.stats().bufferedEvents, 2);
  assert.equal(c.stats().requests, 0);
  c.flush();
  const stats = c.stats();
  c.close();
  assert.deepEqual(
    {
      sentEvents: stats.sentEvents,
      requests: stats.requests,
      retries: stats.retries,
      acceptedNot204: stats.acceptedNot204,
      bufferedEvents: stats.bufferedEvents,
    },
    { sentEvents: 2, requests: 2, retries: 1, acceptedNot204: 1, bufferedEvents: 0 },
  );
  assert.ok(stats.sentBytes > 0);
  for (const value of Object.values(stats).filter((v) => typeof v !== 'object')) {
    assert.equal(typeof value, 'number');
  }
});

test('close flushes the buffer; a closed client refuses calls; close is idempotent', async () => {
  const c = await client({ batchMaxEvents: 10 });
  c.issueEvent(installed());
  assert.equal((await receiver.recorded()).attempts, 0);
  c[Symbol.dispose]();
  c.close();
  assert.equal((await receiver.recorded()).accepted.length, 1);
  assert.throws(() => c.issueEvent(installed()), { message: 'the client is closed' });
  assert.throws(() => c.stats(), { message: 'the client is closed' });
});

test('issueEntries: per-entry metadata after the config metadata', async () => {
  const c = await client({ structuredMetadata: { host: 'runner-7' } });
  c.issueEntries([
    { event: installed(), metadata: [['job_id', '42']] },
    { event: installed({ timestamp: 1700000001 }) },
  ]);
  c.close();
  const { accepted } = await receiver.recorded();
  assert.deepEqual(accepted[0].streams[0].metadata, [
    [
      ['host', 'runner-7'],
      ['job_id', '42'],
    ],
    [['host', 'runner-7']],
  ]);
});

test('file sink: lines appended to the file, its directory given to the component', () => {
  const file = join(tmp, 'github-runner-metrics.log');
  const c = new Client({ sink: { file } });
  c.issueEvents([installed(), installed()]);
  c.issueEvent(installed());
  c.close();
  assert.equal(readFileSync(file, 'utf8'), `${INSTALLED_LINE}\n`.repeat(3));
});

test('spool: undelivered events are kept, then replayed by another client', async () => {
  const dir = mkdtempSync(join(tmp, 'spool-'));
  const down = new Client({ endpoint: closed, retry: { maxAttempts: 1 }, spool: { dir } });
  const e = metricsError(() => down.issueEvent(installed()));
  assert.equal(e.case, 'spooled');
  assert.equal(e.events, 1);
  assert.match(e.cause, /connection-refused/);
  assert.equal(down.stats().spoolEvents, 1);
  down.close();

  const up = await client({ spool: { dir, maxBytes: 1n << 20n, maxAgeMs: 60_000 } });
  up.flush();
  const stats = up.stats();
  up.close();
  assert.equal(stats.replayedEvents, 1);
  assert.equal(stats.spoolEvents, 0);
  const { accepted } = await receiver.recorded();
  assert.deepEqual(accepted[0].streams[0].lines, [INSTALLED_LINE]);
});

test('module-level issueEvent: the default endpoint localhost:3100', async (t) => {
  let promtail;
  try {
    promtail = await Receiver.start({ port: 3100 });
  } catch (e) {
    if (e.code === 'EADDRINUSE') return t.skip('port 3100 is in use');
    throw e;
  }
  try {
    issueEvent(installed());
    const { accepted } = await promtail.recorded();
    assert.deepEqual(accepted[0].streams[0].labels, [
      ['job', 'metrics'],
      ['event', 'runner_installed'],
    ]);
    assert.deepEqual(accepted[0].streams[0].lines, [INSTALLED_LINE]);
  } finally {
    await promtail.close();
  }
});
