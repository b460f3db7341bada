// What one call that carries events may hold: the WIT's `client.issue`
// limits (CALL_ITEMS_MAX and CALL_TEXT_MAX, generated from the WIT into
// wit.js), checked before the call because the component could only trap
// on what does not fit its memory (jco's glue fails first, past 2 GiB).
// The walk is generic (arrays, objects, strings), so it lists no WIT field.

import { CALL_ITEMS_MAX, CALL_TEXT_MAX } from './wit.js';

/** Why the list `value` has more items than one call takes, or null. */
export function tooMany(value) {
  if (Array.isArray(value) && value.length > CALL_ITEMS_MAX) {
    return `holds ${value.length} items, more than the ${CALL_ITEMS_MAX} one call takes`;
  }
  return null;
}

/** Why `value` (already checked by its WIT type) holds more text than one call takes, or null. */
export function tooMuchText(value) {
  let total = 0;
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      // A UTF-16 unit is 1 to 3 UTF-8 bytes: measure only when it matters.
      total += v.length > CALL_TEXT_MAX - total ? v.length : Buffer.byteLength(v, 'utf8');
      if (total > CALL_TEXT_MAX) {
        return `holds more than ${CALL_TEXT_MAX} bytes of text, the most one call takes`;
      }
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === 'object') {
      for (const item of Object.values(v)) stack.push(item);
    }
  }
  return null;
}
