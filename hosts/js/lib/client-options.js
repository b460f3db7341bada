// A Client's options: each key is an `options` setter of the WIT (SETTERS in
// lib/wit.js) in camelCase. The wrapper checks each value (values.js), and
// the client is made by calling the setters in the caller's key order, so
// the component judges every value as it does in every host.

import { resolve } from 'node:path';
import { Place } from './field-path.js';
import { lowerAt } from './values.js';
import { SETTERS } from './wit.js';

const BY_KEY = new Map(SETTERS.map(([setting, key, method, type]) => [key, { setting, method, type }]));

/** Each setting's other spellings (`timeout-ms`, `timeout_ms`), with its key. */
const SPELLED = new Map(
  SETTERS.flatMap(([setting, key]) =>
    [setting, setting.replaceAll('-', '_')].filter((s) => s !== key).map((s) => [s, key]),
  ),
);

/**
 * The setting whose directory the host gives the guest (`set-spool`: "which
 * the host must preopen").
 */
const SPOOL = 'spool';

/**
 * The setter calls that make `options`, as `[jco method, value]`, and the
 * spool directory, absolute, when one is set.
 *
 * @throws {TypeError} for a key that is not a setting, naming the valid ones
 * @throws {MetricsError} `invalid-config` for a value the setter cannot take
 */
export function clientSettings(options) {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('Client options must be an object of settings');
  }
  // A setting on the prototype would be skipped by Object.entries: refused,
  // not silently left at its default.
  for (const key in options) {
    if (!Object.hasOwn(options, key) && BY_KEY.has(key)) {
      throw new TypeError(`Client option ${JSON.stringify(key)} is inherited; give each option as an own property`);
    }
  }
  const calls = [];
  let spool = null;
  for (const [key, value] of Object.entries(options)) {
    const setter = BY_KEY.get(key);
    if (setter === undefined) {
      const hint = SPELLED.has(key) ? ` (the key is ${SPELLED.get(key)})` : '';
      const keys = [...BY_KEY.keys()].join(', ');
      throw new TypeError(`unknown Client option ${JSON.stringify(key)}${hint}; the options are: ${keys}`);
    }
    if (value === undefined) continue;
    let lowered = lowerAt('invalid-config', setter.type, value, Place.root(setter.setting));
    // The guest sees the directory at its host path, so a relative one is
    // made absolute here; an empty one is left for the setter to refuse.
    if (setter.setting === SPOOL && lowered !== '') lowered = spool = resolve(lowered);
    calls.push([setter.method, lowered]);
  }
  return { calls, spool };
}
