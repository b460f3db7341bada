// Types of the wrapper (index.js). The component's own bindings, with their
// .d.ts, are generated into generated/ by `npm run build`.

/** Unix seconds (fractions allowed); finite and >= 0. */
type Seconds = number;
/** An s64: a safe-integer Number or a BigInt. */
type Integer = number | bigint;
/** Ordered `[name, value]` pairs, or an object read in its key order. */
type Pairs = Array<[string, string]> | Record<string, string>;

/** A runner finished installing. JSON event name: `runner_installed`. */
export class RunnerInstalled {
  constructor(init: { timestamp: Seconds; flavor: string; duration: Seconds });
  timestamp: Seconds;
  flavor: string;
  duration: Seconds;
}

/** A runner picked up a job. JSON event name: `runner_start`. */
export class RunnerStart {
  constructor(init: {
    timestamp: Seconds;
    flavor: string;
    workflow: string;
    repo: string;
    githubEvent: string;
    idle: Seconds;
    /** null: unknown; the key is left out of the line. */
    queueDuration?: Seconds | null;
  });
  timestamp: Seconds;
  flavor: string;
  workflow: string;
  repo: string;
  githubEvent: string;
  idle: Seconds;
  queueDuration: Seconds | null;
}

/** A runner finished (or abandoned) a job. JSON event name: `runner_stop`. */
export class RunnerStop {
  constructor(init: {
    timestamp: Seconds;
    flavor: string;
    workflow: string;
    repo: string;
    githubEvent: string;
    status: string;
    /** Written nested, as `{"code":N}`; null: left out. */
    statusInfo?: { code: Integer } | null;
    jobDuration: Seconds;
    /** null: unknown; left out. */
    jobConclusion?: string | null;
  });
  timestamp: Seconds;
  flavor: string;
  workflow: string;
  repo: string;
  githubEvent: string;
  status: string;
  statusInfo: { code: Integer } | null;
  jobDuration: Seconds;
  jobConclusion: string | null;
}

/** A reconciliation loop finished. JSON event name: `reconciliation`. */
export class Reconciliation {
  constructor(init: {
    timestamp: Seconds;
    flavor: string;
    crashedRunners: Integer;
    idleRunners: Integer;
    activeRunners: Integer;
    expectedRunners: Integer;
    duration: Seconds;
  });
  timestamp: Seconds;
  flavor: string;
  crashedRunners: Integer;
  idleRunners: Integer;
  activeRunners: Integer;
  expectedRunners: Integer;
  duration: Seconds;
}

/**
 * The value of a custom field: a boolean, a string, a BigInt (a JSON
 * integer), a Number (a JSON number with a fraction or exponent: `12.0`), or
 * the WIT form, where `{integer: 12}` takes a Number too.
 */
export type FieldValue =
  | boolean
  | string
  | bigint
  | number
  | { boolean: boolean }
  | { integer: Integer }
  | { number: number }
  | { text: string };

/** An event this package does not model: `timestamp`, `event` (= name), then `fields`. */
export class CustomEvent {
  constructor(init: {
    /** snake_case, not a built-in event's name. */
    name: string;
    timestamp: Seconds;
    fields?: Array<[string, FieldValue]> | Record<string, FieldValue>;
  });
  name: string;
  timestamp: Seconds;
  fields: Array<[string, FieldValue]> | Record<string, FieldValue>;
}

export type Event = RunnerInstalled | RunnerStart | RunnerStop | Reconciliation | CustomEvent;

/** One event with its own structured metadata, after the config's. */
export interface Entry {
  event: Event;
  metadata?: Pairs | null;
}

/** The WIT `config` record; every field optional, absent or null meaning the default. */
export interface Config {
  /** Default `http://localhost:3100/loki/api/v1/push`. */
  endpoint?: string | null;
  /** Static stream labels, after `job` and before `event`; `job` replaces `job="metrics"`. */
  labels?: Pairs | null;
  /** One request, connect to the last byte of the answer; 1 to 600000. Default 5000. */
  timeoutMs?: number | null;
  /** Default `json`. */
  encoding?: 'json' | 'json-gzip' | 'protobuf' | null;
  /** Sent as `X-Scope-OrgID`. */
  tenant?: string | null;
  auth?: { basic: { user: string; password: string } } | { bearer: string } | null;
  /** More request headers; not the ones the component or the transport owns. */
  headers?: Pairs | null;
  /** Structured metadata added to every entry (Loki 3). */
  structuredMetadata?: Pairs | null;
  /** Entry timestamp = the event's `timestamp` instead of the time of the call. */
  useEventTimestamp?: boolean | null;
  /** Buffer up to this many events; default 1 (send at once). */
  batchMaxEvents?: number | null;
  /** Default 1048576. */
  batchMaxBytes?: number | null;
  retry?: {
    /** Default 10. */
    maxAttempts?: number | null;
    /** Default 500. */
    minBackoffMs?: number | null;
    /** Default 5000. */
    maxBackoffMs?: number | null;
    /** Default 30000. */
    deadlineMs?: number | null;
  } | null;
  /** `'push'` (default), or append lines to a file; its directory is given to the component. */
  sink?: 'push' | { file: string } | null;
  /** Keep undeliverable batches in this directory (given to the component) and replay them. */
  spool?: { dir: string; maxBytes?: Integer | null; maxAgeMs?: Integer | null } | null;
}

/** What a client has done so far. */
export interface Stats {
  sentEvents: number;
  sentBytes: number;
  requests: number;
  retries: number;
  acceptedNot204: number;
  spooledEvents: number;
  replayedEvents: number;
  bufferedEvents: number;
  spoolEvents: number;
  spoolBytes: number;
  dropped: { spoolFull: number; spoolExpired: number; rejected: number; undeliverable: number };
  /** null: no error yet. */
  lastError: string | null;
}

interface InvalidInput {
  /** Where the bad value is: `duration`, `events[3].duration`, `labels[0].name`, ... */
  field: string;
  reason: string;
}

/** A call failed: the WIT `error` variant, one property per payload field. */
export type MetricsError = Error & { name: 'MetricsError' } & (
    | ({ case: 'invalid-event' } & InvalidInput)
    | ({ case: 'invalid-config' } & InvalidInput)
    /** `code`: the host's wasi:http error code in kebab-case. */
    | { case: 'transport'; code: string; detail: string | null }
    | { case: 'timeout'; timeoutMs: number }
    | { case: 'rejected'; status: number; body: string; retryAfterMs: number | null }
    | { case: 'storage'; path: string; detail: string }
    | { case: 'spooled'; events: number; cause: string }
  );
export const MetricsError: {
  new (witCase: string, payload: unknown): MetricsError;
  prototype: MetricsError;
};

/**
 * A call trapped (a bug: no input makes the component trap). Its instance was
 * replaced; the next call runs in a fresh one, and what the old one buffered
 * is lost. `cause` is the `WebAssembly.RuntimeError`.
 */
export class ComponentTrap extends Error {
  name: 'ComponentTrap';
  cause: WebAssembly.RuntimeError;
}

/** Issue one event with the default config and one attempt. */
export function issueEvent(event: Event): void;
/** Issue several events in one push request, with the defaults of `issueEvent`. */
export function issueEvents(events: Iterable<Event>): void;
/** Like `issueEvents`, with structured metadata per entry. */
export function issueEntries(entries: Iterable<Entry>): void;

/** A configured connection to one receiver, with its own component instance. */
export class Client implements Disposable {
  /** @throws {MetricsError} `invalid-config`, or `storage` for an unusable sink file or spool. */
  constructor(config?: Config);
  issueEvent(event: Event): void;
  issueEvents(events: Iterable<Event>): void;
  issueEntries(entries: Iterable<Entry>): void;
  /** Replay the spool, then push everything buffered. */
  flush(): void;
  stats(): Stats;
  /** Drop the client; the component flushes its buffer. Idempotent. */
  close(): void;
  [Symbol.dispose](): void;
}
