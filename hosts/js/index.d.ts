// The wrapper's functions and classes. Every type that mirrors a WIT type is
// generated from wit/ into lib/wit.d.ts, and re-exported from here.

/// <reference lib="esnext.disposable" />

import type { ClientOptions, Entry, ErrorPayloads, Event, Stats } from './lib/wit.js';

export type * from './lib/wit.js';

/**
 * Issue one event to Promtail's default endpoint with one attempt (WIT
 * `issue-event`). Validates first: nothing is sent for an invalid event.
 *
 * @throws {MetricsError} any case but `invalid-config`
 */
export function issueEvent(event: Event): void;

/** A configured connection to one receiver, with its own component instance. */
export class Client implements Disposable {
  /**
   * @throws {TypeError} for a key that is not a setting
   * @throws {MetricsError} `invalid-config` for a bad value; `storage` for a spool it cannot use
   */
  constructor(options?: ClientOptions);
  /** Push entries now, or buffer them when batching (WIT `client.issue`). */
  issue(entries: ReadonlyArray<Entry>): void;
  /** `issue` of one event with no metadata of its own. */
  issueEvent(event: Event): void;
  /** Replay the spool, then push everything buffered. */
  flush(): void;
  /** What this client has done so far. */
  stats(): Stats;
  /**
   * Flush what is buffered, then drop the client, even when the flush
   * failed. Closing again does nothing. A client collected unclosed is
   * flushed and dropped when its finalizer runs, what it could not deliver
   * said on stderr; not at process exit.
   *
   * @throws {MetricsError} the flush's error: buffered events were not
   *   delivered (`spooled`: they wait in the spool)
   */
  close(): void;
  [Symbol.dispose](): void;
}

/** A file the events' lines are appended to, one per line (WIT `log-file`). */
export class LogFile implements Disposable {
  /** @throws {MetricsError} `invalid-config` for a bad path; `storage` for a file it cannot open */
  constructor(path: string);
  /**
   * Append the line of each event, in order, with one write.
   *
   * @throws {Error} once closed
   */
  write(events: ReadonlyArray<Event>): void;
  /** Drop the log file and its instance. Closing again does nothing. */
  close(): void;
  [Symbol.dispose](): void;
}

/**
 * A call failed: one case of the WIT `error` variant (`case`) with its
 * payload (`payload`). `switch (e.case)` narrows `payload`. The message is
 * the case's one text, as in `stats().lastError`.
 */
export type MetricsError = {
  [C in keyof ErrorPayloads]: Error & {
    readonly name: 'MetricsError';
    readonly case: C;
    readonly payload: ErrorPayloads[C];
  };
}[keyof ErrorPayloads];
export const MetricsError: {
  new <C extends keyof ErrorPayloads>(witCase: C, payload: ErrorPayloads[C]): MetricsError;
  readonly prototype: MetricsError;
};

/**
 * A call trapped (a bug: no input makes the component trap), or failed
 * inside an import. Its instance was replaced; what it buffered, and its
 * stats, are gone.
 */
export class ComponentTrap extends Error {
  readonly name: 'ComponentTrap';
  /** What was thrown: a `WebAssembly.RuntimeError`, or an import's or jco's error. */
  readonly cause: unknown;
}
