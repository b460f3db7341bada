// One component instance and the guest resource made in it (a client, a log
// file, or none), which every call into the component goes through.
//
// jco throws the `err` of a WIT `result` as an Error whose `payload` is the
// WIT `error` variant: it becomes a MetricsError. A trap is a
// `WebAssembly.RuntimeError`: the instance is left mid-call and must never
// be entered again, so it is dropped, the call throws ComponentTrap, and the
// next call makes a fresh instance and the resource again. Anything else (a
// bug in the wrapper's checks) passes through unchanged.

import { instantiate } from './component.js';
import { ComponentTrap, MetricsError } from './errors.js';
import { lift } from './values.js';
import { FUNCTIONS } from './wit.js';

/** The WIT `error` type, the `err` of every result of the interface (the generator checks it is one). */
const ERROR = FUNCTIONS['issue-event'].result.result[1];

export class Guest {
  #dirs;
  #make;
  #promtail = null;
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
    if (this.#promtail === null) {
      const { promtail } = instantiate(this.#dirs);
      this.#resource = this.#translate(() => this.#make(promtail));
      this.#promtail = promtail;
    }
    return this.#translate(() => fn(this.#promtail, this.#resource));
  }

  /** Drops the resource (a client flushes its buffer) and the instance. */
  dispose() {
    const resource = this.#resource;
    this.#resource = null;
    this.#promtail = null;
    if (resource !== null) this.#translate(() => resource[Symbol.dispose]());
  }

  #translate(fn) {
    try {
      return fn();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        this.#promtail = null;
        this.#resource = null;
        throw new ComponentTrap(e);
      }
      if (e instanceof Error && Object.hasOwn(e, 'payload') && typeof e.payload?.tag === 'string') {
        const { tag, val } = lift(ERROR, e.payload);
        throw new MetricsError(tag, val);
      }
      throw e;
    }
  }
}
