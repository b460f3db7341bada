// The conformance data (conformance/README.md): WIT-shaped JSON, turned into
// the values this package takes by walking the generated type table, as any
// value of the WIT would be.

import { readFileSync } from 'node:fs';
import { SETTERS, TYPES } from '../../lib/wit.js';

const conformance = (name) =>
  JSON.parse(readFileSync(new URL(`../../../../conformance/${name}`, import.meta.url), 'utf8'));

export const fixtures = conformance('fixtures.json');
export const { faults } = conformance('faults.json');
export const values = conformance('values.json');

/** How JSON spells the floats it cannot write. */
const FLOATS = new Set(['NaN', 'Infinity', '-Infinity']);

/**
 * The JavaScript value of WIT-shaped JSON `json` of WIT `type`: records with
 * camelCase keys, variants as `{tag, val}`, floats spelled "NaN" or
 * "Infinity" as numbers. A scalar the type cannot hold is left as it is
 * (values.json): a string for a float stays a string.
 */
export function fromWitJson(type, json) {
  if (typeof type !== 'string') {
    if ('option' in type) return json === null ? null : fromWitJson(type.option, json);
    if ('list' in type) return json.map((item) => fromWitJson(type.list, item));
    if ('tuple' in type) return json.map((item, i) => fromWitJson(type.tuple[i], item));
    throw new Error(`no WIT-shaped JSON for ${JSON.stringify(type)}`);
  }
  if (type === 'f32' || type === 'f64') return FLOATS.has(json) ? Number(json) : json;
  const def = TYPES[type];
  switch (def?.kind) {
    case 'record':
      return Object.fromEntries(
        def.fields.filter(([wit]) => wit in json).map(([wit, key, t]) => [key, fromWitJson(t, json[wit])]),
      );
    case 'variant': {
      if (typeof json === 'string') return { tag: json };
      const [[tag, payload]] = Object.entries(json);
      const [, caseType] = def.cases.find(([name]) => name === tag);
      return { tag, val: fromWitJson(caseType, payload) };
    }
    case 'alias':
      return fromWitJson(def.type, json);
    default:
      return json;
  }
}

/** Client options from a fixture's `{setting: value}`. */
export function clientOptions(settings = {}) {
  return Object.fromEntries(
    Object.entries(settings).map(([setting, value]) => {
      const [, key, , type] = SETTERS.find(([name]) => name === setting);
      return [key, fromWitJson(type, value)];
    }),
  );
}

/**
 * An expected error (`{case, <payload field>: value, ...}`, WIT names;
 * `value` for a payload that is not a record) as `{case, payload}` holding
 * only the fields given, to compare with a MetricsError's.
 */
export function expectedError({ case: witCase, ...fields }) {
  const [, payloadType] = TYPES.error.cases.find(([name]) => name === witCase);
  if ('value' in fields) return { case: witCase, payload: fromWitJson(payloadType, fields.value) };
  const def = TYPES[payloadType];
  const payload = Object.fromEntries(
    Object.entries(fields).map(([wit, value]) => {
      const [, key, t] = def.fields.find(([name]) => name === wit);
      return [key, fromWitJson(t, value)];
    }),
  );
  return { case: witCase, payload };
}

/** The part of a MetricsError that `expectedError` describes. */
export function shapedError(error, expected) {
  if (typeof expected.payload !== 'object' || expected.payload === null) {
    return { case: error.case, payload: error.payload };
  }
  const payload = Object.fromEntries(Object.keys(expected.payload).map((key) => [key, error.payload?.[key]]));
  return { case: error.case, payload };
}
