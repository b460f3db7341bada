// The language-neutral conformance cases (conformance/fixtures.json, format in
// conformance/README.md), with their WIT-shaped JSON turned into this
// package's inputs.

import { readFileSync } from 'node:fs';
import {
  CustomEvent,
  Reconciliation,
  RunnerInstalled,
  RunnerStart,
  RunnerStop,
} from '../../index.js';

const FIXTURES = new URL('../../../../conformance/fixtures.json', import.meta.url);

export const { cases } = JSON.parse(readFileSync(FIXTURES, 'utf8'));

const EVENT_CLASSES = {
  'runner-installed': RunnerInstalled,
  'runner-start': RunnerStart,
  'runner-stop': RunnerStop,
  reconciliation: Reconciliation,
  custom: CustomEvent,
};

/** The f64 fields of the event records: JSON may spell them "NaN", "Infinity", "-Infinity". */
const FLOAT_FIELDS = new Set(['timestamp', 'duration', 'idle', 'queue-duration', 'job-duration']);

/** `github-event` → `githubEvent`. */
export const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());

const float = (value) => (typeof value === 'string' ? Number(value) : value);

/** An event class instance from `{"runner-start": {...}}`. */
export function toEvent(json) {
  const [[kind, record]] = Object.entries(json);
  const init = Object.fromEntries(
    Object.entries(record).map(([key, value]) => [
      camel(key),
      FLOAT_FIELDS.has(key) ? float(value) : value,
    ]),
  );
  if (kind === 'custom') {
    init.fields = record.fields.map(([key, value]) =>
      'number' in value ? [key, { number: float(value.number) }] : [key, value],
    );
  }
  return new EVENT_CLASSES[kind](init);
}

/**
 * A client config from WIT-shaped JSON: record fields in camelCase; variants
 * (`{"bearer": ...}`, `{"file": ...}`), enums and lists of pairs are already
 * in this package's form.
 */
export function toConfig(json) {
  if (Array.isArray(json) || typeof json !== 'object' || json === null) return json;
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [camel(k), toConfig(v)]));
}
