// One component instance and the guest resource made in it (a client, a log
// file, or none), which every call into the component goes through.
//
// jco throws the `err` of a WIT `result` as an Error whose `payload` is the
// WIT `error` variant: it becomes a MetricsError. Anything else thrown out of
// a call is a trap, whatever its class: a `WebAssembly.RuntimeError`, or an
// import's or jco's own error (a value jco cannot lower), which unwinds
// through the guest just the same. Either way the instance is left mid-call
// and must never be entered again, so it is abandoned and dropped, the call
// throws ComponentTrap, and the next call makes a fresh instance and the
// resource again.

import { instantiate } from './component.js';
import { ComponentTrap, MetricsError } from './errors.js';
import { lift } from './values.js';
import { FUNCTIONS, TYPES } from './wit.js';

/** The WIT `error` type, the `err` of every result of the interface (the generator checks it is one). */
const ERROR = FUNCTIONS['issue-event'].result.result[1];

export class Guest {
  #dirs;
  #make;
  /** The instance (component.js), or null. */
  #instance = null;
  #resource = null;

  /**
   * @param {string[]} dirs the directories the instance may use
   * @param {(promtail: object) => object | null} make makes the resource in a new instance
   */
  constructor(dirs, make) {
    this.#dirs = dirs;
    this.#make = make;
  }

  /** `fn(promtail, resource)` in the instance, made first if there is none. */
  call(fn) {
    if (this.#instance === null) {
      const instance = instantiate(this.#dirs);
      this.#instance = instance;
      try {
        this.#resource = this.#translate(() => this.#make(instance.promtail));
      } catch (e) {
        this.#instance = null;
        throw e;
      }
    }
    return this.#translate(() => fn(this.#instance.promtail, this.#resource));
  }

  /**
   * `last(promtail, resource)` in the instance when there is one, then drops
   * the resource (a client flushes what is still buffered) and the instance,
   * whether `last` threw or not.
   */
  dispose(last = () => {}) {
    try {
      if (this.#instance !== null) this.#translate(() => last(this.#instance.promtail, this.#resource));
    } finally {
      const resource = this.#resource;
      this.#resource = null;
      this.#instance = null;
      if (resource !== null) this.#translate(() => resource[Symbol.dispose]());
    }
  }

  #translate(fn) {
    try {
      return fn();
    } catch (e) {
      if (e instanceof MetricsError) throw e; // the wrapper's own refusal
      if (isErrorResult(e)) {
        const { tag, val } = lift(ERROR, e.payload);
        throw new MetricsError(tag, val);
      }
      this.#instance?.abandon();
      this.#instance = null;
      this.#resource = null;
      throw new ComponentTrap(e);
    }
  }
}

const ERROR_CASES = new Set(TYPES[ERROR].cases.map(([tag]) => tag));

/** Whether jco threw the `err` of a WIT result: an Error with a case of `error` as its `payload`. */
function isErrorResult(e) {
  return e instanceof Error && Object.hasOwn(e, 'payload') && ERROR_CASES.has(e.payload?.tag);
}
