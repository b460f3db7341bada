// A configured connection to one receiver: the component's `client`
// resource, in an instance of its own (guest.js). It keeps its buffer, its
// spool and its stats between calls.

import { clientSettings } from './client-options.js';
import { MetricsError } from './errors.js';
import { Guest } from './guest.js';
import { makeSpool, removeDirs } from './storage-errors.js';
import { liftResult, lowerArgument } from './values.js';
import { SETTERS } from './wit.js';

/**
 * Drops the guest client of a Client collected unclosed, which flushes what
 * it buffered, as the WIT says dropping a client does. The held value is
 * the Client's Guest, never the Client, which it would keep alive.
 */
const unclosed = new FinalizationRegistry(dropCollected);

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
    unclosed.register(this, this.#guest, this);
  }

  /** Issue entries (`{event, metadata}`): push them now, or buffer them when batching. */
  issue(entries) {
    this.#open();
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
    unclosed.unregister(this);
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

  /** A closed client is a misuse, whatever the arguments: said first. */
  #open() {
    if (this.#closed) throw new Error('the client is closed');
  }

  #call(fn) {
    this.#open();
    return this.#guest.call((_, client) => fn(client));
  }
}

/**
 * What a Client collected unclosed leaves: its guest, whose client is
 * dropped, which flushes what it buffered (no spool replay), as the WIT
 * says; the component itself reports on stderr what that could not
 * deliver, as it does in every host. Never throws: an error in a finalizer
 * would end the process. A trap loses the buffer: said on stderr too.
 */
function dropCollected(guest) {
  try {
    guest.dispose();
  } catch (error) {
    try {
      process.stderr.write(
        `runner-metrics: a dropped client could not deliver its buffered events: ${error?.message ?? error}\n`,
      );
    } catch {}
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
    // accepted it. One that cannot be made, or is no directory, is
    // `storage` naming it, with the reason the Python host gives.
    const made = spool === null ? [] : makeSpool(spool);
    try {
      return new promtail.Client(options);
    } catch (error) {
      // A client that was not made (a rule over two settings) leaves nothing behind.
      removeDirs(made);
      throw error;
    }
  } finally {
    options[Symbol.dispose]();
  }
}
