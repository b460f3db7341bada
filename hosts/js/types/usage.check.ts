// Type-checked by `npm run typecheck` (tsc --noEmit, in run-tests.sh), never
// run: index.d.ts must hold together, the README's usage must type-check, and
// misuse must be refused (each @ts-expect-error fails the check when the
// line below it stops being an error).

import {
  Client,
  ComponentTrap,
  CustomEvent,
  MetricsError,
  Reconciliation,
  RunnerInstalled,
  RunnerStart,
  RunnerStop,
  issueEntries,
  issueEvent,
  issueEvents,
  type Config,
  type Event,
  type Stats,
} from '../index.js';

declare const endpoint: string;

const config: Config = {
  endpoint,
  labels: { juju_unit: 'github-runner/0' },
  encoding: 'protobuf',
  tenant: 'github-runners',
  auth: { basic: { user: '12345', password: 'token' } },
  headers: [['x-source', 'runner']],
  structuredMetadata: null,
  useEventTimestamp: true,
  batchMaxEvents: 100,
  retry: { maxAttempts: 3, deadlineMs: 10_000 },
  sink: 'push',
  spool: { dir: '/var/spool/runner-metrics', maxBytes: 64n << 20n, maxAgeMs: null },
};

const events: Event[] = [
  new RunnerInstalled({ timestamp: 1700000000.25, flavor: 'small', duration: 12 }),
  new RunnerStart({
    timestamp: Date.now() / 1000,
    flavor: 'small',
    workflow: 'CI',
    repo: 'octo/hello',
    githubEvent: 'push',
    idle: 3.5,
  }),
  new RunnerStop({
    timestamp: 1,
    flavor: 'small',
    workflow: 'CI',
    repo: 'octo/hello',
    githubEvent: 'push',
    status: 'normal',
    statusInfo: { code: 1n },
    jobDuration: 5,
    jobConclusion: null,
  }),
  new Reconciliation({
    timestamp: 1,
    flavor: 'small',
    crashedRunners: 0,
    idleRunners: 1,
    activeRunners: 2n,
    expectedRunners: 3,
    duration: 6,
  }),
  new CustomEvent({
    name: 'image_built',
    timestamp: 1,
    fields: { ok: true, size: 12n, ratio: 0.5, tag: 'v1', count: { integer: 2 } },
  }),
];

const client = new Client(config);
try {
  client.issueEvent(events[0]);
  client.issueEvents(events);
  client.issueEntries([{ event: events[1], metadata: [['trace_id', 'abc']] }]);
  client.flush();
  const stats: Stats = client.stats();
  const dropped: number = stats.dropped.spoolFull + stats.dropped.undeliverable;
  const last: string | null = stats.lastError;
  void [dropped, last];
} catch (e) {
  if (e instanceof MetricsError) {
    switch (e.case) {
      case 'rejected': {
        const answer: [number, string, number | null] = [e.status, e.body, e.retryAfterMs];
        void answer;
        break;
      }
      case 'invalid-event':
      case 'invalid-config': {
        const where: string = e.field;
        void where;
        break;
      }
      case 'transport': {
        const code: string = e.code;
        void code;
        break;
      }
      case 'timeout': {
        const ms: number = e.timeoutMs;
        void ms;
        break;
      }
      case 'spooled': {
        const safe: number = e.events;
        void safe;
        break;
      }
    }
  } else if (e instanceof ComponentTrap) {
    const cause: WebAssembly.RuntimeError = e.cause;
    void cause;
  }
} finally {
  client.close();
}
{
  using disposed = new Client();
  disposed.issueEvent(events[0]);
}
issueEvent(events[0]);
issueEvents(events);
issueEntries([{ event: events[0] }]);

// @ts-expect-error: `idle` is required
new RunnerStart({ timestamp: 1, flavor: 'small', workflow: 'CI', repo: 'r', githubEvent: 'push' });
// @ts-expect-error: no such encoding
const xml: Config = { encoding: 'xml' };
// @ts-expect-error: an event is one of the classes, not any object
issueEvent({ timestamp: 1 });
// @ts-expect-error: a count is a number
client.stats().sentEvents = '1';
void xml;

// The wrapper's records name every field of the component's own (jco's
// generated types, from the WIT), and no other: a WIT change shows here.
import type * as wit from '../generated/interfaces/github-runner-metrics-promtail.js';

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
const configKeys: SameKeys<Config, wit.Config> = true;
const retryKeys: SameKeys<NonNullable<Config['retry']>, wit.RetryPolicy> = true;
const spoolKeys: SameKeys<NonNullable<Config['spool']>, wit.SpoolConfig> = true;
const statsKeys: SameKeys<Stats, wit.Stats> = true;
const droppedKeys: SameKeys<Stats['dropped'], wit.Dropped> = true;
const errorCases: SameKeys<{ [C in MetricsError['case']]: 0 }, { [C in wit.Error['tag']]: 0 }> = true;
void [configKeys, retryKeys, spoolKeys, statsKeys, droppedKeys, errorCases];
