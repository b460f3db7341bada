// Values of any WIT type, built from the generated type table, for tests
// that must reach every field, case and string of the contract (so that a
// field added to the WIT is covered without touching the tests).

import { TYPES } from '../../lib/wit.js';

/**
 * Well-typed values of `type` that together use every case of every variant
 * and set every optional field (values need not pass the component's own
 * checks).
 */
export function samples(type) {
  if (typeof type !== 'string') {
    if ('option' in type) return samples(type.option);
    if ('list' in type) return samples(type.list).map((item) => [item]);
    if ('tuple' in type) return combine(type.tuple.map(samples));
    throw new Error(`no samples of ${JSON.stringify(type)}`);
  }
  switch (type) {
    case 'string':
      return ['x'];
    case 'bool':
      return [true];
    case 'f32':
    case 'f64':
      return [1.5];
  }
  if (/^[us](8|16|32|64)$/.test(type)) return [1];
  const def = TYPES[type];
  switch (def.kind) {
    case 'record': {
      const fields = def.fields.map(([, , t]) => samples(t));
      return combine(fields).map((values) =>
        Object.fromEntries(def.fields.map(([, key], i) => [key, values[i]])),
      );
    }
    case 'variant':
      return def.cases.flatMap(([tag, t]) =>
        t === null ? [{ tag }] : samples(t).map((val) => ({ tag, val })),
      );
    case 'enum':
      return [def.cases[0]];
    case 'alias':
      return samples(def.type);
  }
  throw new Error(`no samples of ${type}`);
}

/** Enough combinations that each choice of each part appears once. */
function combine(parts) {
  const first = parts.map((choices) => choices[0]);
  const out = [first];
  parts.forEach((choices, i) => {
    for (const choice of choices.slice(1)) out.push(first.map((v, j) => (j === i ? choice : v)));
  });
  return out;
}

/** The paths (lists of keys and indexes) of every string inside `value` of WIT `type`. */
export function stringPaths(type, value, path = []) {
  if (typeof type !== 'string') {
    if ('option' in type) return value == null ? [] : stringPaths(type.option, value, path);
    if ('list' in type) return value.flatMap((item, i) => stringPaths(type.list, item, [...path, i]));
    if ('tuple' in type) return type.tuple.flatMap((t, i) => stringPaths(t, value[i], [...path, i]));
    return [];
  }
  if (type === 'string') return [path];
  const def = TYPES[type];
  switch (def?.kind) {
    case 'record':
      return def.fields.flatMap(([, key, t]) => stringPaths(t, value[key], [...path, key]));
    case 'variant': {
      const [, t] = def.cases.find(([tag]) => tag === value.tag);
      return t === null ? [] : stringPaths(t, value.val, [...path, 'val']);
    }
    case 'alias':
      return stringPaths(def.type, value, path);
  }
  return [];
}

/** A deep copy of `value` with the value at `path` replaced. */
export function replaced(value, path, by) {
  if (path.length === 0) return by;
  const [key, ...rest] = path;
  const copy = Array.isArray(value) ? [...value] : { ...value };
  copy[key] = replaced(value[key], rest, by);
  return copy;
}
