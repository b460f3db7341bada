// The client config: a JS object whose fields are all optional, turned into
// the full WIT `config` record that jco's bindings expect.

import { dirname, resolve } from 'node:path';
import { MetricsError } from './errors.js';
import { pairs } from './events.js';

const FIELDS = new Set([
  'endpoint',
  'labels',
  'timeoutMs',
  'encoding',
  'tenant',
  'auth',
  'headers',
  'structuredMetadata',
  'useEventTimestamp',
  'batchMaxEvents',
  'batchMaxBytes',
  'retry',
  'sink',
  'spool',
]);

/**
 * The jco value of `config`, and the host directories the component must be
 * given for it: the file sink's directory and the spool directory.
 *
 * Paths are made absolute and each directory is preopened at its own path, so
 * the component sees the same path the caller wrote (as the CLI does).
 */
export function witConfig(config = {}) {
  for (const key of Object.keys(config)) {
    if (!FIELDS.has(key)) invalid(key, 'not a config field');
  }
  const sink = witSink(config.sink);
  const spool = config.spool && {
    dir: absolute(config.spool.dir),
    maxBytes: uint(config.spool.maxBytes, 64, 'spool.max_bytes'),
    maxAgeMs: uint(config.spool.maxAgeMs, 64, 'spool.max_age_ms'),
  };
  const wit = {
    endpoint: config.endpoint ?? undefined,
    labels: pairs(config.labels),
    timeoutMs: uint(config.timeoutMs, 32, 'timeout_ms'),
    encoding: config.encoding ?? undefined,
    tenant: config.tenant ?? undefined,
    auth: witAuth(config.auth),
    headers: pairs(config.headers),
    structuredMetadata: pairs(config.structuredMetadata),
    useEventTimestamp: Boolean(config.useEventTimestamp),
    batchMaxEvents: uint(config.batchMaxEvents, 32, 'batch_max_events'),
    batchMaxBytes: uint(config.batchMaxBytes, 32, 'batch_max_bytes'),
    retry: config.retry && {
      maxAttempts: uint(config.retry.maxAttempts, 32, 'retry.max_attempts'),
      minBackoffMs: uint(config.retry.minBackoffMs, 32, 'retry.min_backoff_ms'),
      maxBackoffMs: uint(config.retry.maxBackoffMs, 32, 'retry.max_backoff_ms'),
      deadlineMs: uint(config.retry.deadlineMs, 32, 'retry.deadline_ms'),
    },
    sink,
    spool,
  };
  const dirs = [sink?.tag === 'file' && dirname(sink.val), spool?.dir].filter(Boolean);
  return { wit, dirs };
}

/** `'push'`, or `{file: path}`. */
function witSink(sink) {
  if (sink === undefined || sink === null) return undefined;
  if (sink === 'push') return { tag: 'push' };
  if (typeof sink.file === 'string') return { tag: 'file', val: absolute(sink.file) };
  throw new TypeError(`sink: "push" or {file: path}`);
}

/** `{basic: {user, password}}` or `{bearer: token}`. */
function witAuth(auth) {
  if (auth === undefined || auth === null) return undefined;
  if (auth.basic) return { tag: 'basic', val: auth.basic };
  if (typeof auth.bearer === 'string') return { tag: 'bearer', val: auth.bearer };
  throw new TypeError('auth: {basic: {user, password}} or {bearer: token}');
}

/** The absolute form of a path; an empty one is kept, for the component to refuse. */
function absolute(path) {
  return path === '' ? path : resolve(path);
}

/**
 * A u32 as a Number, or a u64 as a BigInt; `none` when absent. Checked here
 * because the bindings would wrap a negative or fractional Number silently.
 */
function uint(value, bits, field) {
  if (value === undefined || value === null) return undefined;
  const max = 2n ** BigInt(bits) - 1n;
  const n = Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof n !== 'bigint' || n < 0n || n > max) {
    invalid(field, `must be an integer from 0 to ${max}, got ${value}`);
  }
  return bits === 64 ? n : Number(n);
}

function invalid(field, reason) {
  throw new MetricsError('invalid-config', { field, reason });
}
