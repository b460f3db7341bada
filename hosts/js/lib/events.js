// The five event kinds of `wit/events.wit`, as classes with camelCase fields,
// and their conversion to the values jco's bindings take.
//
// jco lowers a WIT variant from `{tag, val}`, an option from `undefined` or
// `null`, and an s64 from a BigInt. The classes take plain numbers for s64
// fields; the conversion checks they are integers, because the bindings would
// otherwise throw a RangeError that names no field, or wrap silently.

import { MetricsError } from './errors.js';

/** The module-private hook that gives an event's WIT value. */
const toWit = Symbol('toWit');

/** A runner finished installing. JSON event name: `runner_installed`. */
export class RunnerInstalled {
  constructor({ timestamp, flavor, duration }) {
    Object.assign(this, { timestamp, flavor, duration });
  }

  [toWit]() {
    return { tag: 'runner-installed', val: { ...this } };
  }
}

/** A runner picked up a job. JSON event name: `runner_start`. */
export class RunnerStart {
  constructor({ timestamp, flavor, workflow, repo, githubEvent, idle, queueDuration = null }) {
    Object.assign(this, { timestamp, flavor, workflow, repo, githubEvent, idle, queueDuration });
  }

  [toWit]() {
    return { tag: 'runner-start', val: { ...this } };
  }
}

/** A runner finished (or abandoned) a job. JSON event name: `runner_stop`. */
export class RunnerStop {
  constructor({
    timestamp,
    flavor,
    workflow,
    repo,
    githubEvent,
    status,
    statusInfo = null,
    jobDuration,
    jobConclusion = null,
  }) {
    Object.assign(this, {
      timestamp,
      flavor,
      workflow,
      repo,
      githubEvent,
      status,
      statusInfo,
      jobDuration,
      jobConclusion,
    });
  }

  [toWit]() {
    const statusInfo = this.statusInfo && { code: int64(this.statusInfo.code, 'status_info.code') };
    return { tag: 'runner-stop', val: { ...this, statusInfo } };
  }
}

/** A reconciliation loop finished. JSON event name: `reconciliation`. */
export class Reconciliation {
  constructor({
    timestamp,
    flavor,
    crashedRunners,
    idleRunners,
    activeRunners,
    expectedRunners,
    duration,
  }) {
    Object.assign(this, {
      timestamp,
      flavor,
      crashedRunners,
      idleRunners,
      activeRunners,
      expectedRunners,
      duration,
    });
  }

  [toWit]() {
    return {
      tag: 'reconciliation',
      val: {
        ...this,
        crashedRunners: int64(this.crashedRunners, 'crashed_runners'),
        idleRunners: int64(this.idleRunners, 'idle_runners'),
        activeRunners: int64(this.activeRunners, 'active_runners'),
        expectedRunners: int64(this.expectedRunners, 'expected_runners'),
      },
    };
  }
}

/**
 * An event this package does not model. Its line is `timestamp`, `event`
 * (= `name`), then `fields` in order.
 *
 * `fields` is an array of `[key, value]` pairs or an object (in its key
 * order). A value is a boolean, a string, a BigInt (an integer), a Number (a
 * JSON number with a fraction or exponent, `12.0`), or the WIT form
 * `{integer: 12}`, `{number: 12}`, `{boolean: true}`, `{text: "x"}`.
 */
export class CustomEvent {
  constructor({ name, timestamp, fields = [] }) {
    Object.assign(this, { name, timestamp, fields });
  }

  [toWit]() {
    const fields = pairs(this.fields).map(([key, value], i) => [
      key,
      fieldValue(value, `fields[${i}].${key}`),
    ]);
    return { tag: 'custom', val: { name: this.name, timestamp: this.timestamp, fields } };
  }
}

/** The jco value of one event; a MetricsError for a non-integer count. */
export function witEvent(event) {
  if (typeof event?.[toWit] !== 'function') {
    throw new TypeError(
      'an event is a RunnerInstalled, RunnerStart, RunnerStop, Reconciliation or CustomEvent',
    );
  }
  return event[toWit]();
}

/** The jco values of a batch, naming the event of a bad field as the component does. */
export function witEvents(events) {
  return Array.from(events, (event, i) => atIndex(i, () => witEvent(event)));
}

/** The jco values of `{event, metadata}` entries. */
export function witEntries(entries) {
  return Array.from(entries, ({ event, metadata = null }, i) => ({
    event: atIndex(i, () => witEvent(event)),
    metadata: metadata === null ? undefined : pairs(metadata),
  }));
}

/** An array of `[name, value]` pairs from pairs or a plain object. */
export function pairs(value) {
  return Array.isArray(value) ? value : Object.entries(value ?? {});
}

function fieldValue(value, field) {
  switch (typeof value) {
    case 'boolean':
      return { tag: 'boolean', val: value };
    case 'string':
      return { tag: 'text', val: value };
    case 'bigint':
      return { tag: 'integer', val: int64(value, field) };
    case 'number':
      return { tag: 'number', val: value };
  }
  const [tag, ...rest] = Object.keys(value ?? {});
  if (rest.length === 0 && ['boolean', 'integer', 'number', 'text'].includes(tag)) {
    const val = value[tag];
    return { tag, val: tag === 'integer' ? int64(val, field) : val };
  }
  throw new TypeError(`${field}: not a custom field value`);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** An s64 from a safe-integer Number or a BigInt. */
function int64(value, field) {
  if (Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) return value;
  throw new MetricsError('invalid-event', {
    field,
    reason: `must be an integer (a safe-integer Number or a 64-bit BigInt), got ${value}`,
  });
}

/** Runs `fn`, prefixing the field of an invalid-event error with `events[i].`. */
function atIndex(i, fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof MetricsError && e.case === 'invalid-event') {
      throw new MetricsError('invalid-event', { field: `events[${i}].${e.field}`, reason: e.reason });
    }
    throw e;
  }
}
