// The wrapper's API against the built component over real HTTP: Client
// options (every setting, generically), encodings, stats, close, LogFile,
// the spool, and the module-level issueEvent.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, LogFile, MetricsError, issueEvent } from '../index.js';
import { SETTERS } from '../lib/wit.js';
import { Receiver } from './support/receiver-process.js';

const installed = (timestamp = 1700000000.25) => ({
  tag: 'runner-installed',
  val: { timestamp, flavor: 'small', duration: 12 },
});
const INSTALLED_LINE =
  '{"timestamp":1700000000.25,"event":"runner_installed","flavor":"small","duration":12.0}';

let receiver;
let tmp;
before(async () => {
  receiver = await Receiver.start();
  tmp = mkdtempSync(join(tmpdir(), 'runner-metrics-js-'));
});
after(async () => {
  await receiver.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A client of the test receiver that tries once, after resetting the receiver. */
async function client(options = {}, replies = []) {
  await receiver.reset(replies);
  return new Client({ endpoint: receiver.url, maxAttempts: 1, ...options });
}

/** The MetricsError `fn` throws. */
function metricsError(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MetricsError, `not a MetricsError: ${e?.stack ?? e}`);
    assert.equal(e.name, 'MetricsError');
    return e;
  }
  assert.fail('no error thrown');
}

test('an unknown option is a TypeError naming it and listing the options', () => {
  const keys = SETTERS.map(([, key]) => key).join(', ');
  assert.throws(() => new Client({ timeout: 5 }), {
    name: 'TypeError',
    message: `unknown Client option "timeout"; the options are: ${keys}`,
  });
  assert.throws(() => new Client({ 'timeout-ms': 5 }), {
    name: 'TypeError',
    message: /"timeout-ms" \(the key is timeoutMs\)/,
  });
  assert.throws(() => new Client({ max_attempts: 5 }), {
    name: 'TypeError',
    message: /"max_attempts" \(the key is maxAttempts\)/,
  });
  assert.throws(() => new Client('http://localhost:3100'), { name: 'TypeError' });
  // One on the prototype would have been skipped, leaving the default.
  assert.throws(() => new Client(Object.create({ endpoint: 'http://127.0.0.1:9/x' })), {
    name: 'TypeError',
    message: 'Client option "endpoint" is inherited; give each option as an own property',
  });
});

test('a value the setter refuses is an invalid-config MetricsError from the constructor', () => {
  const e = metricsError(() => new Client({ endpoint: 'ftp://localhost/loki/api/v1/push' }));
  assert.equal(e.case, 'invalid-config');
  assert.equal(e.payload.field, 'endpoint');
  assert.equal(e.message, `invalid config: endpoint: ${e.payload.reason}`);
  const later = metricsError(() => new Client({ minBackoffMs: 2000, maxBackoffMs: 1000 }));
  assert.equal(later.payload.field, 'max-backoff-ms');
});

test('every setting is applied, through its setter', async () => {
  const spool = join(tmp, 'every-spool');
  const every = {
    endpoint: receiver.url,
    labels: [['juju_unit', 'github-runner/0']],
    timeoutMs: 2000,
    encoding: 'json',
    tenant: 'team-a',
    auth: { tag: 'bearer', val: 'tok-123' },
    headers: [['x-source', 'runner']],
    structuredMetadata: [['host', 'runner-7']],
    useEventTimestamp: true,
    batchMaxEvents: 2,
    batchMaxBytes: 1 << 20,
    maxLineBytes: 1 << 18,
    maxAttempts: 2,
    minBackoffMs: 1,
    maxBackoffMs: 2,
    deadlineMs: 10_000,
    spool,
    spoolMaxBytes: 1n << 20n,
    spoolMaxAgeMs: 60_000,
  };
  // A setting added to the WIT must be added here too.
  assert.deepEqual(
    Object.keys(every),
    SETTERS.map(([, key]) => key),
  );
  await receiver.reset([{ status: 503 }]);
  const c = new Client(every);
  // Whole seconds of late: the receiver, as Loki, refuses entries far behind.
  const now = Math.floor(Date.now() / 1000);
  c.issueEvent(installed(now));
  assert.equal(c.stats().bufferedEvents, 1);
  c.issueEvent(installed(now + 1));
  const stats = c.stats();
  c.close();
  assert.equal(stats.retries, 1, 'retried once (max-attempts 2)');
  assert.ok(existsSync(spool), 'the spool directory was made');
  const [push] = await receiver.pushes();
  assert.equal(push.headers.authorization, 'Bearer tok-123');
  assert.equal(push.headers['x-scope-orgid'], 'team-a');
  assert.equal(push.headers['x-source'], 'runner');
  const [stream] = push.streams;
  assert.deepEqual(stream.labels, [
    ['job', 'metrics'],
    ['juju_unit', 'github-runner/0'],
    ['event', 'runner_installed'],
  ]);
  assert.deepEqual(
    stream.entries.map((e) => [e.ts_ns, e.metadata]),
    [
      [`${now}000000000`, [['host', 'runner-7']]],
      [`${now + 1}000000000`, [['host', 'runner-7']]],
    ],
  );
});

for (const encoding of ['json', 'json-gzip', 'protobuf']) {
  test(`encoding ${encoding}: the same streams, with a Content-Length and not chunked`, async () => {
    const c = await client({ encoding });
    c.issue([
      { event: installed(), metadata: [['job_id', '42']] },
      {
        event: {
          tag: 'custom',
          val: { name: 'image_built', timestamp: 2, fields: [['ok', { tag: 'boolean', val: true }]] },
        },
        metadata: [],
      },
    ]);
    c.close();
    const [push] = await receiver.pushes();
    assert.equal(push.content_type, encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json');
    assert.equal(push.content_encoding, encoding === 'json-gzip' ? 'gzip' : null);
    assert.equal(push.content_length, push.body_bytes);
    assert.equal(push.chunked, false);
    assert.deepEqual(
      push.streams.map((s) => [s.labels.at(-1)[1], s.entries.map((e) => [e.line, e.metadata])]),
      [
        ['runner_installed', [[INSTALLED_LINE, [['job_id', '42']]]]],
        ['image_built', [['{"timestamp":2.0,"event":"image_built","ok":true}', []]]],
      ],
    );
  });
}

test('a 1 MiB batch arrives whole', async () => {
  const pad = 'x'.repeat(10_000);
  const c = await client({ batchMaxBytes: 4 << 20 });
  const event = (i) => ({
    tag: 'custom',
    val: {
      name: 'big',
      timestamp: i,
      fields: [
        ['seq', { tag: 'integer', val: i }],
        ['pad', { tag: 'text', val: pad }],
      ],
    },
  });
  c.issue(Array.from({ length: 100 }, (_, i) => ({ event: event(i), metadata: [] })));
  c.close();
  const pushes = await receiver.pushes();
  assert.equal(pushes.length, 1);
  assert.equal(pushes[0].content_length, pushes[0].body_bytes);
  const lines = pushes[0].streams[0].entries.map((e) => JSON.parse(e.line));
  assert.deepEqual(
    lines.map((l) => l.seq),
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.ok(lines.every((l) => l.pad === pad));
});

test('stats: every counter a Number, lastError null until an error, then its text', async () => {
  const c = await client({ batchMaxEvents: 3, maxAttempts: 2, minBackoffMs: 1, maxBackoffMs: 1 }, [
    { status: 503 },
    { status: 200, body: 'ok' },
    { status: 400, body: 'entry out of order\n' },
  ]);
  const fresh = c.stats();
  assert.equal(fresh.lastError, null);
  assert.deepEqual(fresh.dropped, { spoolFull: 0, spoolExpired: 0, rejected: 0, undeliverable: 0 });
  c.issue([
    { event: installed(), metadata: [] },
    { event: installed(), metadata: [] },
  ]);
  assert.equal(c.stats().bufferedEvents, 2);
  c.flush();
  const stats = c.stats();
  assert.deepEqual(
    [stats.sentEvents, stats.requests, stats.retries, stats.acceptedNot204, stats.bufferedEvents],
    [2, 2, 1, 1, 0],
  );
  for (const [key, value] of Object.entries(stats)) {
    if (key !== 'dropped' && key !== 'lastError') assert.equal(typeof value, 'number', key);
  }
  c.issueEvent(installed());
  const e = metricsError(() => c.flush());
  assert.equal(e.message, 'the receiver answered 400: entry out of order');
  assert.deepEqual(e.payload, { status: 400, body: 'entry out of order\n', retryAfterMs: null });
  assert.equal(c.stats().lastError, e.message);
  assert.equal(c.stats().dropped.rejected, 1);
  c.close();
});

test('the client works after every error; a secret in an answer is redacted', async () => {
  const secret = 'sekrit-Zq9';
  const c = await client({ auth: { tag: 'basic', val: { user: 'u', password: secret } } }, [
    { status: 401, body: `bad password ${secret}` },
    { status: 429, headers: { 'Retry-After': '2' }, body: 'slow down' },
  ]);
  const denied = metricsError(() => c.issueEvent(installed()));
  assert.deepEqual(denied.payload, { status: 401, body: 'bad password <redacted>', retryAfterMs: null });
  const limited = metricsError(() => c.issueEvent(installed()));
  assert.equal(limited.message, 'the receiver answered 429 (retry after 2000 ms): slow down');
  assert.equal(
    metricsError(() =>
      c.issueEvent({ tag: 'runner-installed', val: { timestamp: -1, flavor: 's', duration: 1 } }),
    ).case,
    'invalid-event',
  );
  c.issueEvent(installed());
  const stats = c.stats();
  c.close();
  assert.equal((await receiver.pushes()).length, 1);
  for (const text of [denied.message, JSON.stringify(denied.payload), JSON.stringify(stats)]) {
    assert.ok(!text.includes(secret), text);
  }
});

test('close flushes the buffer; a closed client refuses calls; closing again does nothing', async () => {
  const c = await client({ batchMaxEvents: 10 });
  c.issueEvent(installed());
  assert.equal((await receiver.requests()).requests, 0);
  c[Symbol.dispose]();
  c.close();
  assert.deepEqual(
    (await receiver.pushes())[0].streams[0].entries.map((e) => e.line),
    [INSTALLED_LINE],
  );
  assert.throws(() => c.issueEvent(installed()), { message: 'the client is closed' });
  assert.throws(() => c.stats(), { message: 'the client is closed' });
  // Said first, whatever the arguments.
  assert.throws(() => c.issueEvent({ tag: 'x' }), { message: 'the client is closed' });
});

test('close reports a failed flush: it throws the MetricsError, and drops the client', async () => {
  const c = await client({ batchMaxEvents: 10 }, [{ status: 400, body: 'entry out of order' }]);
  c.issueEvent(installed());
  // The component's drop would print the failure on stderr, where no caller sees it.
  const printed = [];
  const write = process.stderr.write;
  process.stderr.write = (chunk, ...rest) => {
    printed.push(String(chunk));
    return write.call(process.stderr, chunk, ...rest);
  };
  try {
    const e = metricsError(() => c.close());
    assert.equal(e.message, 'the receiver answered 400: entry out of order');
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(printed, []);
  c.close();
  assert.throws(() => c.stats(), { message: 'the client is closed' });
  assert.equal((await receiver.requests()).requests, 1, 'flushed once, not again by the drop');
});

/**
 * Runs `body` in a child `node --expose-gc` (a module importing `Client`
 * and, as `url`, the receiver's push URL) with the receiver reset to
 * `replies`: its stdout and stderr once it exits.
 */
async function child(body, replies = []) {
  await receiver.reset(replies);
  const index = new URL('../index.js', import.meta.url).href;
  const script = `import { Client } from ${JSON.stringify(index)};\nconst url = process.argv[1];\n${body}`;
  const run = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script, receiver.url]);
  let stdout = '';
  let stderr = '';
  run.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  run.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const [code] = await once(run, 'exit');
  assert.equal(code, 0, stderr);
  return { stdout, stderr };
}

/** A module body: a batching client with `options`, issued `n` events, then left to the collector. */
const collected = (options, n) => `
const event = { tag: 'runner-installed', val: { timestamp: 1700000000.25, flavor: 'small', duration: 12 } };
(() => {
  const c = new Client({ endpoint: url, batchMaxEvents: 10, ...${JSON.stringify(options)} });
  for (let i = 0; i < ${n}; i++) c.issueEvent(event);
})();
for (let i = 0; i < 10; i++) {
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
`;

test('a client collected unclosed is flushed, as a dropped client is', async () => {
  // Its buffer was lost, silently.
  const { stderr } = await child(collected({}, 1));
  assert.equal(stderr, '');
  assert.deepEqual(
    (await receiver.pushes()).flatMap((p) => p.streams[0].entries.map((e) => e.line)),
    [INSTALLED_LINE],
  );
});

test('a client collected unclosed says on stderr what it could not deliver', async () => {
  const { stderr } = await child(collected({ maxAttempts: 1 }, 2), [{ status: 500, body: 'down' }]);
  assert.equal(
    stderr,
    'runner-metrics: a dropped client could not deliver 2 buffered events: the receiver answered 500: down\n',
  );
  assert.equal((await receiver.requests()).requests, 1);
});

test('a client unclosed at exit loses what it buffered: no finalizer runs then', async () => {
  const { stderr } = await child(`
const c = new Client({ endpoint: url, batchMaxEvents: 10 });
c.issueEvent({ tag: 'runner-installed', val: { timestamp: 1, flavor: 's', duration: 1 } });
`);
  assert.equal(stderr, '');
  assert.equal((await receiver.requests()).requests, 0);
});

test('close with nothing buffered sends nothing, not even the spool', async () => {
  const spool = join(tmp, 'close-spool');
  const down = await client({ spool }, [{ status: 503 }]);
  assert.equal(metricsError(() => down.issueEvent(installed())).case, 'spooled');
  down.close();
  const up = await client({ spool });
  up.close();
  assert.equal((await receiver.requests()).requests, 0);
});

test('LogFile: lines appended, a relative path taken from the current directory', () => {
  const file = join(tmp, 'github-runner-metrics.log');
  const log = new LogFile(relative(process.cwd(), file));
  log.write([installed(), installed()]);
  log.write([installed()]);
  assert.equal(readFileSync(file, 'utf8'), `${INSTALLED_LINE}\n`.repeat(3));
  const e = metricsError(() =>
    log.write([installed(), { tag: 'runner-installed', val: { timestamp: 1, flavor: 's', duration: NaN } }]),
  );
  assert.equal(e.payload.field, 'events[1].duration');
});

test('LogFile: close drops it; a closed one refuses writes; closing again does nothing', () => {
  // It had neither: its instance could not be released.
  const file = join(tmp, 'closed.log');
  const log = new LogFile(file);
  log.write([installed()]);
  log.close();
  log.close();
  log[Symbol.dispose]();
  assert.throws(() => log.write([installed()]), { name: 'Error', message: 'the log-file is closed' });
  const disposed = new LogFile(file); // Node 20 has no `using`: what it calls
  disposed.write([installed()]);
  disposed[Symbol.dispose]();
  assert.throws(() => disposed.write([installed()]), { message: 'the log-file is closed' });
  assert.equal(readFileSync(file, 'utf8'), `${INSTALLED_LINE}\n`.repeat(2));
});

test('LogFile: a directory that is not there is a storage error naming the path', () => {
  const file = join(tmp, 'missing', 'metrics.log');
  let e;
  try {
    new LogFile(file).write([installed()]);
  } catch (error) {
    e = error;
  }
  assert.ok(e instanceof MetricsError, `${e}`);
  assert.equal(e.case, 'storage');
  assert.equal(e.payload.path, file);
});

// The texts hosts/python/tests/test_host.py expects for the same spools, word for word.
const SPOOL_IS_A_FILE = (path) => `storage failure: ${path}: not a directory (the spool needs one)`;
const SPOOL_CANNOT_BE_MADE = {
  EPERM: (path) => `storage failure: ${path}: operation not permitted`, // as root
  EACCES: (path) => `storage failure: ${path}: permission denied`,
};

test('a spool that is a file is the storage error every host gives', () => {
  // It was `already exists` here, `not a directory` in Python.
  const file = join(tmp, 'spool-file');
  writeFileSync(file, '');
  for (const spool of [file, relative(process.cwd(), file)]) {
    const e = metricsError(() => new Client({ spool }));
    assert.equal(e.message, SPOOL_IS_A_FILE(file));
  }
  // Through a symbolic link, and one that leads nowhere.
  symlinkSync(file, join(tmp, 'spool-link'));
  symlinkSync(join(tmp, 'nowhere'), join(tmp, 'spool-dangling'));
  assert.equal(
    metricsError(() => new Client({ spool: join(tmp, 'spool-link') })).message,
    SPOOL_IS_A_FILE(join(tmp, 'spool-link')),
  );
  assert.equal(
    metricsError(() => new Client({ spool: join(tmp, 'spool-dangling') })).message,
    `storage failure: ${join(tmp, 'spool-dangling')}: no such file or directory`,
  );
  mkdirSync(join(tmp, 'spool-dir'));
  symlinkSync(join(tmp, 'spool-dir'), join(tmp, 'spool-dirlink'));
  new Client({ spool: join(tmp, 'spool-dirlink') }).close();
  // A bad setting is reported before the spool, as in Python.
  const e = metricsError(() => new Client({ spool: file, timeoutMs: 0 }));
  assert.deepEqual([e.case, e.payload.field], ['invalid-config', 'timeout-ms']);
});

test('a spool that cannot be made is a storage error with the reason', (t) => {
  // The failed mkdir was ignored, and the error was the component's
  // `no such file or directory`.
  const spool = '/sys/kernel/runner-metrics-spool/s';
  let code;
  try {
    mkdirSync(dirname(spool));
    rmdirSync(dirname(spool));
    t.skip('this system lets a directory be made in /sys/kernel');
    return;
  } catch (e) {
    code = e.code;
  }
  assert.equal(metricsError(() => new Client({ spool })).message, SPOOL_CANNOT_BE_MADE[code](spool));
  assert.equal(
    metricsError(() => new Client({ spool: '/proc/nope/spool' })).message,
    'storage failure: /proc/nope/spool: no such file or directory',
  );
});

test('a client refused by a rule over two settings leaves no spool directory it made', () => {
  const top = join(tmp, 'refused-spool');
  const spool = join(top, 'b');
  const refused = () => {
    try {
      new Client({ spool, minBackoffMs: 5000, maxBackoffMs: 100 });
    } catch (error) {
      return error;
    }
  };
  const e = refused();
  assert.ok(e instanceof MetricsError, `${e}`);
  assert.deepEqual([e.case, e.payload.field], ['invalid-config', 'max-backoff-ms']);
  assert.ok(!existsSync(top));
  mkdirSync(top);
  refused();
  assert.ok(existsSync(top) && !existsSync(spool), 'only what it made is removed');
});

test('LogFile: an empty path is a config error naming path', () => {
  let e;
  try {
    new LogFile('').write([installed()]);
  } catch (error) {
    e = error;
  }
  assert.ok(e instanceof MetricsError, `${e}`);
  assert.deepEqual([e.case, e.payload.field, e.payload.reason], ['invalid-config', 'path', 'is empty']);
  assert.equal(e.message, 'invalid config: path: is empty');
});

test('spool: undelivered events are kept, then replayed by another client', async () => {
  const dir = join(tmp, 'spool');
  // The same endpoint: a client replays only the batches spooled for its own.
  const down = await client({ spool: relative(process.cwd(), dir) }, [{ status: 503, body: 'busy' }]);
  const e = metricsError(() => down.issueEvent(installed()));
  assert.equal(e.case, 'spooled');
  assert.equal(e.payload.events, 1);
  assert.equal(e.payload.cause, 'the receiver answered 503: busy');
  assert.equal(e.message, '1 events spooled after: the receiver answered 503: busy');
  assert.equal(down.stats().spoolBatches, 1);
  down.close();

  const up = new Client({ endpoint: receiver.url, maxAttempts: 1, spool: dir });
  up.flush();
  const stats = up.stats();
  up.close();
  assert.equal(stats.replayedEvents, 1);
  assert.equal(stats.spoolBatches, 0);
  assert.deepEqual(
    (await receiver.pushes())[0].streams[0].entries.map((x) => x.line),
    [INSTALLED_LINE],
  );
});

test('issueEvent: the default endpoint, Promtail on 127.0.0.1:3100', async (t) => {
  let promtail;
  try {
    promtail = await Receiver.start({ port: 3100 });
  } catch (e) {
    // Never a failure: the suite normally runs in `unshare -rn`, where the port is free.
    t.skip(
      `127.0.0.1:3100 cannot be bound here (${e.message}); run the suite in \`unshare -rn\` to cover it`,
    );
    return;
  }
  try {
    issueEvent(installed());
    const [push] = await promtail.pushes();
    assert.deepEqual(push.streams[0].labels, [
      ['job', 'metrics'],
      ['event', 'runner_installed'],
    ]);
    assert.deepEqual(
      push.streams[0].entries.map((e) => e.line),
      [INSTALLED_LINE],
    );
  } finally {
    await promtail.close();
  }
});
