// Values in and out of the component, by walking the WIT type table
// (lib/wit.js, generated from wit/).
//
// jco's bindings would take almost anything: they coerce ('3.5' becomes 3.5),
// replace a lone surrogate by U+FFFD, wrap integers, and throw TypeErrors
// that name no field. So every value is checked here first, never coerced,
// and a bad one is refused as a MetricsError naming its place the way the
// component names the places of the values it refuses (field-path.js), with
// the reasons every host gives (docs/errors.md, "Values a host refuses
// itself"; conformance/values.json). A reason never repeats a value of the
// wrong type, or a string: any of them may be a secret.

import { tooMany, tooMuchText } from './calls.js';
import { MetricsError } from './errors.js';
import { Place } from './field-path.js';
import { FUNCTIONS, TYPES } from './wit.js';

const INTEGERS = {
  u8: [0n, 2n ** 8n - 1n],
  u16: [0n, 2n ** 16n - 1n],
  u32: [0n, 2n ** 32n - 1n],
  u64: [0n, 2n ** 64n - 1n],
  s8: [-(2n ** 7n), 2n ** 7n - 1n],
  s16: [-(2n ** 15n), 2n ** 15n - 1n],
  s32: [-(2n ** 31n), 2n ** 31n - 1n],
  s64: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** jco takes and gives these as BigInts, every other integer as a Number. */
const BIG = new Set(['u64', 's64']);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A value refused while walking; `lowerAt` makes it a MetricsError. */
class Refused {
  constructor(place, reason) {
    this.place = place;
    this.reason = reason;
  }
}

/**
 * The value jco takes for the sole argument (after `self`) of the WIT
 * function `fn` (`[method]client.issue`), named after its parameter.
 *
 * @param {string} fn a key of FUNCTIONS
 * @param {'invalid-event' | 'invalid-config'} witCase the error for a bad value
 */
export function lowerArgument(fn, witCase, value) {
  const params = FUNCTIONS[fn].params.filter(([, type]) => !type.borrow);
  if (params.length !== 1) throw new Error(`lib/values.js: ${fn} does not take one argument`);
  const [[name, type]] = params;
  const events = witCase === 'invalid-event'; // a call that carries events
  const refuse = (reason) => {
    if (reason !== null) throw new MetricsError(witCase, { field: name, reason });
  };
  if (events) refuse(tooMany(value));
  const lowered = lowerAt(witCase, type, value, Place.root(name, isEventsVariant(type)));
  if (events) refuse(tooMuchText(lowered)); // every value passable; their text, summed
  return lowered;
}

/** The value jco takes for `value` of WIT `type` at `place`, or a MetricsError of `witCase`. */
export function lowerAt(witCase, type, value, place) {
  try {
    return lower(type, value, place);
  } catch (e) {
    if (e instanceof Refused) throw new MetricsError(witCase, { field: String(e.place), reason: e.reason });
    throw e;
  }
}

/** What the wrapper returns for what jco returned from the WIT function `fn`. */
export function liftResult(fn, value) {
  return lift(FUNCTIONS[fn].result, value);
}

/**
 * What the wrapper gives for a jco value of WIT `type`: records and variants
 * as jco shapes them, `none` as null, and 64-bit integers as Numbers: counts
 * and milliseconds never near 2^53 (the component caps `retry-after-ms`
 * below it). One past it stays a BigInt rather than be rounded, so that an
 * error's text, rendered from its payload, is the component's exactly.
 */
export function lift(type, value) {
  if (typeof type !== 'string') {
    if ('option' in type) return value === undefined || value === null ? null : lift(type.option, value);
    if ('list' in type) return value.map((item) => lift(type.list, item));
    if ('tuple' in type) return type.tuple.map((t, i) => lift(t, value[i]));
    return value;
  }
  if (BIG.has(type)) return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
  const def = TYPES[type];
  switch (def?.kind) {
    case 'record':
      return Object.fromEntries(def.fields.map(([, key, t]) => [key, lift(t, value[key])]));
    case 'variant': {
      const [, payload] = def.cases.find(([tag]) => tag === value.tag);
      return payload === null ? { tag: value.tag } : { tag: value.tag, val: lift(payload, value.val) };
    }
    case 'alias':
      return lift(def.type, value);
    default:
      return value;
  }
}

function lower(type, value, place) {
  if (typeof type !== 'string') {
    if ('option' in type)
      return value === undefined || value === null ? undefined : lower(type.option, value, place);
    if ('list' in type) return list(type.list, value, place);
    if ('tuple' in type) return tuple(type.tuple, value, place);
    throw new Error(`lib/values.js: no conversion for ${JSON.stringify(type)}`);
  }
  switch (type) {
    case 'bool':
      if (typeof value !== 'boolean') throw new Refused(place, expected('a boolean', value));
      return value;
    case 'f32':
    case 'f64':
      // NaN and the infinities are numbers: the component judges them.
      if (typeof value !== 'number') throw new Refused(place, expected('a number', value));
      return value;
    case 'string':
      return string(value, place);
  }
  if (Object.hasOwn(INTEGERS, type)) return integer(type, value, place);
  const def = TYPES[type];
  switch (def?.kind) {
    case 'record':
      return record(type, def, value, place);
    case 'variant':
      return variant(type, def, value, place);
    case 'enum':
      if (!def.cases.includes(value)) {
        throw new Refused(
          place,
          `expected one of ${def.cases.join(', ')}, got ${misnamed(value, def.cases)}`,
        );
      }
      return value;
    case 'alias':
      return lower(def.type, value, place);
  }
  throw new Error(`lib/values.js: no conversion for the WIT type ${type}`);
}

/** In Unicode mode a pair is one code point, so this matches only a lone surrogate. */
const LONE_SURROGATE = /\p{Cs}/u;

// No string is refused as longer than the component model passes (2^31 - 1
// bytes): a V8 string holds at most 2^29 - 24 UTF-16 units, 3 UTF-8 bytes
// each at most (values.test.js checks it).
function string(value, place) {
  if (typeof value !== 'string') throw new Refused(place, expected('a string', value));
  // UTF-8 cannot encode it: jco would send U+FFFD instead.
  if (LONE_SURROGATE.test(value)) {
    throw new Refused(place, 'is not well-formed Unicode: it holds a lone surrogate');
  }
  return value;
}

/** A Number that is an integer, or a BigInt, within the WIT type's range. */
function integer(type, value, place) {
  const [min, max] = INTEGERS[type];
  const whole = typeof value === 'bigint' || Number.isInteger(value);
  if (!whole) throw new Refused(place, expected('an integer', value));
  const n = BigInt(value);
  // A number in a number's place is no secret: it is shown, exactly.
  if (n < min || n > max) throw new Refused(place, `must be an integer from ${min} to ${max}, got ${n}`);
  return BIG.has(type) ? n : Number(n);
}

function list(item, value, place) {
  if (!Array.isArray(value)) throw new Refused(place, expected('a list', value));
  // Array.from visits the holes of a sparse array (as undefined): refused, not skipped.
  return Array.from(value, (v, i) => lower(item, v, place.index(i)));
}

/**
 * The contract's tuples are pairs: a `(name, value)` pair of strings (a
 * label, a header, metadata: `labels[0].name`), or a custom field's
 * `(key, value)`, named by its place and its value by its key (`fields[2].x`).
 */
function tuple(types, value, place) {
  if (!Array.isArray(value) || value.length !== 2) throw new Refused(place, expected('a pair', value));
  if (types.length !== 2 || types[0] !== 'string') {
    throw new Error(`lib/values.js: no naming rule for ${JSON.stringify(types)}`);
  }
  if (types[1] === 'string') {
    return [string(value[0], place.field('name')), string(value[1], place.field('value'))];
  }
  const key = string(value[0], place);
  return [key, lower(types[1], value[1], place.field(key))];
}

function record(name, def, value, place) {
  const { keys, spelled } = recordKeys(def);
  if (!isObject(value))
    throw new Refused(place, expected(`${article(name)} ${name} object`, value));
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      const reason = spelled.has(key)
        ? `unknown key ${quote(key)}: the key is ${spelled.get(key)}`
        : `unknown key ${quote(key)}: the keys of ${name} are ${keys.join(', ')}`;
      throw new Refused(place.field(key), reason);
    }
  }
  const out = {};
  for (const [wit, key, type] of def.fields) {
    const at = place.field(wit.replaceAll('-', '_'), isEventsVariant(type));
    if (value[key] === undefined && !type.option) throw new Refused(at, 'is missing');
    out[key] = lower(type, value[key], at);
  }
  return out;
}

function variant(name, def, value, place) {
  if (!isObject(value))
    throw new Refused(place, expected(`${article(name)} ${name} {tag, val}`, value));
  for (const key of Object.keys(value)) {
    if (key !== 'tag' && key !== 'val') {
      throw new Refused(
        place.field(key),
        `unknown key ${quote(key)}: ${article(name)} ${name} is {tag, val}`,
      );
    }
  }
  const found = def.cases.find(([tag]) => tag === value.tag);
  if (!found) {
    const tags = def.cases.map(([tag]) => tag);
    throw new Refused(place, `expected a tag of ${tags.join(', ')}, got ${misnamed(value.tag, tags)}`);
  }
  const [tag, payload] = found;
  // A case of an `events` variant is a kind of value, not a place in its
  // line; elsewhere the case is part of the name (`auth.basic.user`).
  const at = def.interface === 'events' ? place : place.field(tag);
  if (payload === null) {
    if (value.val !== undefined) throw new Refused(at, `${tag} takes no val`);
    return { tag };
  }
  if (value.val === undefined && !payload.option) throw new Refused(at, 'is missing');
  return { tag, val: lower(payload, value.val, at) };
}

/** A record's JavaScript keys, and each field's other spellings (snake_case, kebab-case) with its key. */
const keysOf = new Map();
function recordKeys(def) {
  let found = keysOf.get(def);
  if (!found) {
    const spelled = new Map();
    for (const [wit, key] of def.fields) {
      for (const other of [wit, wit.replaceAll('-', '_')]) if (other !== key) spelled.set(other, key);
    }
    found = { keys: def.fields.map(([, key]) => key), spelled };
    keysOf.set(def, found);
  }
  return found;
}

/** Whether a value of `type` names no place of its own (see variant()). */
function isEventsVariant(type) {
  return typeof type === 'string' && TYPES[type]?.kind === 'variant' && TYPES[type].interface === 'events';
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The reason for a value of the wrong kind: `expected a number, got a string`. */
function expected(what, value) {
  return `expected ${what}, got ${kind(value)}`;
}

/** What kind of value a refused one is, in the words every host uses; never the value. */
function kind(value) {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'number':
    case 'string':
    case 'boolean':
      return `a ${typeof value}`;
    case 'bigint':
      return 'a BigInt';
    default:
      return 'an object';
  }
}

function article(name) {
  return /^[aeiou]/.test(name) ? 'an' : 'a';
}

/**
 * A refused tag or enum case: when it is one of `names` in snake_case, the
 * name meant; otherwise only its kind (a string there may be a secret put in
 * the wrong place).
 */
function misnamed(value, names) {
  const meant =
    typeof value === 'string' && names.find((n) => n !== value && n === value.replaceAll('_', '-'));
  return meant ? `${quote(value)} (write ${meant})` : kind(value);
}

/** A key of the caller's code (a name, not a value), quoted and cut short. */
function quote(name) {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}
