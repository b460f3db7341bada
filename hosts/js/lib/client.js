// A configured connection to one receiver: the component's `client`
// resource, in an instance of its own (guest.js). It keeps its buffer, its
// spool and its stats between calls.

import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { clientSettings } from './client-options.js';
import { MetricsError } from './errors.js';
import { Guest } from './guest.js';
import { liftResult, lowerArgument } from './values.js';
import { SETTERS } from './wit.js';

export class Client {
  #guest;
  #closed = false;

  /**
   * @param {object} options settings, each an `options` setter in camelCase
   * @throws {TypeError} for an unknown key
   * @throws {MetricsError} `invalid-config` for a bad value, or `storage`
   *   for a spool the component cannot use
   */
  constructor(options = {}) {
    const { calls, spool } = clientSettings(options);
    this.#guest = new Guest(spool === null ? [] : [spool], (promtail) => newClient(promtail, calls, spool));
    // Made now, so that a setting the component refuses throws here.
    this.#guest.call(() => {});
  }

  /** Issue entries (`{event, metadata}`): push them now, or buffer them when batching. */
  issue(entries) {
    const wit = lowerArgument('[method]client.issue', 'invalid-event', entries);
    this.#call((client) => client.issue(wit));
  }

  /** `issue` of one event with no metadata of its own. */
  issueEvent(event) {
    this.issue([{ event, metadata: [] }]);
  }

  /** Replay the spool, then push everything buffered. */
  flush() {
    this.#call((client) => client.flush());
  }

  /** What this client has done so far; counters as Numbers, `lastError` a string or null. */
  stats() {
    return liftResult(
      '[method]client.stats',
      this.#call((client) => client.stats()),
    );
  }

  /**
   * Flush what is buffered, then drop the client, even when the flush
   * failed. Closing again does nothing.
   *
   * @throws {MetricsError} the flush's error: buffered events were not
   *   delivered (`spooled`: they wait in the spool)
   */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    // The component's drop flushes too, but could only print its failure:
    // flushing first makes it the caller's error. Only a buffer is flushed,
    // as the drop does, so closing never waits on a spool replay.
    this.#guest.dispose((_, client) => {
      if (client.stats().bufferedEvents > 0n) client.flush();
    });
  }

  [Symbol.dispose]() {
    this.close();
  }

  #call(fn) {
    if (this.#closed) throw new Error('the client is closed');
    return this.#guest.call((_, client) => fn(client));
  }
}

/** The jco method of `set-endpoint`. */
const ENDPOINT = SETTERS.find(([setting]) => setting === 'endpoint')[2];

const SHIM_REFUSES =
  'the JavaScript host cannot send to an IPv6 address, nor to a host name with other characters ' +
  'than letters, digits, `-` and `.` (preview2-shim refuses them); use a host name of those';

/**
 * Whether preview2-shim's `set-authority` takes the authority of
 * `endpoint` (which the component's setter has accepted): a host of
 * letters, digits, `-` and `.`, and a port. Refused when the client is
 * made, rather than as `HTTP-request-URI-invalid` at every send.
 */
function shimTakes(endpoint) {
  const authority = endpoint.replace(/^[a-z]+:\/\//i, '').split(/[/?#]/)[0];
  const [host, ...port] = authority.split(':');
  return /^[a-zA-Z0-9.-]+$/.test(host) && port.length <= 1;
}

/** The guest client: `options` made with the setter calls, then the client made from them. */
function newClient(promtail, calls, spool) {
  const options = new promtail.Options();
  try {
    for (const [method, value] of calls) options[method](value);
    const endpoint = calls.find(([method]) => method === ENDPOINT);
    if (endpoint !== undefined && !shimTakes(endpoint[1])) {
      throw new MetricsError('invalid-config', { field: 'endpoint', reason: SHIM_REFUSES });
    }
    // The guest creates a missing spool directory, but it can only be given
    // directories that exist: create it here, now that the setter has
    // accepted it. A failure is left for the client to report as `storage`,
    // naming the directory.
    const made = spool === null ? [] : makeDirs(spool);
    try {
      return new promtail.Client(options);
    } catch (error) {
      // A client that was not made (a rule over two settings) leaves nothing behind.
      for (const d of made.reverse()) {
        try {
          rmdirSync(d);
        } catch {}
      }
      throw error;
    }
  } finally {
    options[Symbol.dispose]();
  }
}

/**
 * Make `dir` and its missing parents; the ones made, outermost first. Not
 * `mkdirSync(dir, { recursive: true })`: Node 20's spins forever on a path
 * under /proc.
 */
function makeDirs(dir) {
  const missing = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  const made = [];
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch {
      break;
    }
    made.push(d);
  }
  return made;
}
