// Issue GitHub runner metric events to a Loki push endpoint through the
// runner-metrics WebAssembly component (wit/promtail.wit).
//
// Every call is synchronous: preview2-shim performs the component's HTTP in a
// worker thread and blocks this thread until it is done, retries and backoff
// included. Call from a worker thread if the event loop must stay free.

import { instantiate } from './lib/component.js';
import { witConfig } from './lib/config.js';
import { translateErrors } from './lib/errors.js';
import { witEntries, witEvent, witEvents } from './lib/events.js';

export { ComponentTrap, MetricsError } from './lib/errors.js';
export {
  CustomEvent,
  Reconciliation,
  RunnerInstalled,
  RunnerStart,
  RunnerStop,
} from './lib/events.js';

/** The instance behind the module-level functions, made on first use and again after a trap. */
let shared;
const sharedPromtail = () => (shared ??= instantiate()).promtail;
const dropShared = () => {
  shared = undefined;
};

/**
 * Issue one event with the default config: `http://localhost:3100/loki/api/v1/push`,
 * labels `job="metrics"` and `event`, 5 s timeout, one attempt.
 */
export function issueEvent(event) {
  const wit = witEvent(event);
  translateErrors(() => sharedPromtail().issueEvent(wit), dropShared);
}

/** Issue several events in one push request, with the defaults of `issueEvent`. */
export function issueEvents(events) {
  const wit = witEvents(events);
  translateErrors(() => sharedPromtail().issueEvents(wit), dropShared);
}

/** Like `issueEvents`, with structured metadata per entry: `{event, metadata}`. */
export function issueEntries(entries) {
  const wit = witEntries(entries);
  translateErrors(() => sharedPromtail().issueEntries(wit), dropShared);
}

/**
 * A configured connection to one receiver: it batches, retries, spools and
 * counts. Each client has its own component instance.
 */
export class Client {
  /** The component's `client` resource; null once closed or after a trap. */
  #resource;
  /** The WIT config and preopened directories, to make the client again after a trap. */
  #wit;
  #dirs;
  #closed = false;

  /** Validates `config` (every field optional); a bad one is an `invalid-config` MetricsError. */
  constructor(config = {}) {
    const { wit, dirs } = witConfig(config);
    this.#wit = wit;
    this.#dirs = dirs;
    this.#resource = this.#make();
  }

  /** Push one event now, or buffer it when batching. */
  issueEvent(event) {
    const wit = witEvent(event);
    this.#call((r) => r.issueEvent(wit));
  }

  /** Issue several events, in as few requests as `batchMaxBytes` allows. */
  issueEvents(events) {
    const wit = witEvents(events);
    this.#call((r) => r.issueEvents(wit));
  }

  /** Like `issueEvents`, with structured metadata per entry: `{event, metadata}`. */
  issueEntries(entries) {
    const wit = witEntries(entries);
    this.#call((r) => r.issueEntries(wit));
  }

  /** Replay the spool, then push everything buffered. */
  flush() {
    this.#call((r) => r.flush());
  }

  /** What this client has done so far; u64 counters as Numbers. */
  stats() {
    const { dropped, lastError, ...counts } = this.#call((r) => r.stats());
    return {
      ...numbers(counts),
      dropped: numbers(dropped),
      lastError: lastError ?? null,
    };
  }

  /**
   * Drop the client. The component flushes what it buffered (into the spool
   * if that fails and one is configured; otherwise it says so on stderr).
   * Closing twice does nothing.
   */
  close() {
    const resource = this.#resource;
    this.#resource = null;
    this.#closed = true;
    resource?.[Symbol.dispose]();
  }

  [Symbol.dispose]() {
    this.close();
  }

  /** A new instance, and the guest client in it. */
  #make() {
    const { promtail } = instantiate(this.#dirs);
    return translateErrors(() => new promtail.Client(this.#wit));
  }

  /** Runs `fn` on the guest client; after a trap, the next call makes both again. */
  #call(fn) {
    if (this.#closed) throw new Error('the client is closed');
    this.#resource ??= this.#make();
    return translateErrors(
      () => fn(this.#resource),
      () => {
        // The resource lived in the trapped instance: forget it, never drop it.
        this.#resource = null;
      },
    );
  }
}

/** The u64 counters jco lifts as BigInts, as Numbers: counts never near 2^53. */
function numbers(record) {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Number(v)]));
}
