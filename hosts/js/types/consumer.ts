// A program that uses the package, type-checked (tsc --strict, never run)
// against the package's own types: here by `npm run typecheck`, and against
// the installed tarball by test-dist.sh. Usage must type-check, and misuse
// must be refused: each @ts-expect-error fails the check when the line
// below it stops being an error.

import {
  Client,
  ComponentTrap,
  LogFile,
  MetricsError,
  issueEvent,
  type ClientOptions,
  type Entry,
  type Event,
  type Stats,
} from '@github-runner/metrics';

declare const endpoint: string;

const options: ClientOptions = {
  endpoint,
  labels: [['juju_unit', 'github-runner/0']],
  timeoutMs: 2_000,
  encoding: 'protobuf',
  tenant: 'github-runners',
  auth: { tag: 'basic', val: { user: '12345', password: 'token' } },
  headers: [['x-source', 'runner']],
  useEventTimestamp: true,
  batchMaxEvents: 100,
  maxAttempts: 3n,
  spool: '/var/spool/runner-metrics',
  spoolMaxBytes: 64n << 20n,
};

const events: Event[] = [
  { tag: 'runner-installed', val: { timestamp: 1700000000.25, flavor: 'small', duration: 12 } },
  {
    tag: 'runner-start',
    val: {
      timestamp: 1,
      flavor: 'small',
      workflow: 'CI',
      repo: 'octo/hello',
      githubEvent: 'push',
      idle: 3.5,
    },
  },
  {
    tag: 'runner-stop',
    val: {
      timestamp: 1,
      flavor: 'small',
      workflow: 'CI',
      repo: 'octo/hello',
      githubEvent: 'push',
      status: 'normal',
      statusInfo: { code: 1n },
      jobDuration: 5,
      jobConclusion: null,
    },
  },
  {
    tag: 'reconciliation',
    val: {
      timestamp: 1,
      flavor: 'small',
      crashedRunners: 0,
      idleRunners: 1,
      activeRunners: 2n,
      expectedRunners: 3,
      duration: 6,
    },
  },
  {
    tag: 'custom',
    val: {
      name: 'image_built',
      timestamp: 1,
      fields: [
        ['ok', { tag: 'boolean', val: true }],
        ['size', { tag: 'integer', val: 12 }],
      ],
    },
  },
];
const entries: Entry[] = events.map((event) => ({ event, metadata: [['trace_id', 'abc']] }));

const client = new Client(options);
try {
  client.issueEvent(events[0]);
  client.issue(entries);
  client.flush();
  const stats: Stats = client.stats();
  const counted: number = stats.sentEvents + stats.dropped.undeliverable;
  const last: string | null = stats.lastError;
  void [counted, last];
} catch (e) {
  if (e instanceof MetricsError) {
    const text: string = e.message;
    switch (e.case) {
      case 'rejected': {
        const answer: [number, string, number | null] = [
          e.payload.status,
          e.payload.body,
          e.payload.retryAfterMs,
        ];
        void answer;
        break;
      }
      case 'invalid-event':
      case 'invalid-config': {
        const where: string = e.payload.field;
        void where;
        break;
      }
      case 'transport': {
        const detail: string | null = e.payload.detail;
        void detail;
        break;
      }
      case 'timeout': {
        const ms: number = e.payload;
        void ms;
        break;
      }
    }
    void text;
  } else if (e instanceof ComponentTrap) {
    const cause: unknown = e.cause;
    void cause;
  }
} finally {
  client.close();
}
{
  const disposable: Disposable = new Client();
  disposable[Symbol.dispose]();
}
issueEvent(events[0]);
new LogFile('/var/log/github-runner-metrics.log').write(events);

const started = { timestamp: 1, flavor: 's', workflow: 'CI', repo: 'octo/hello', githubEvent: 'push' };
// @ts-expect-error: `idle` is required
issueEvent({ tag: 'runner-start', val: started });
issueEvent({
  tag: 'runner-installed',
  // @ts-expect-error: keys are camelCase
  val: { timestamp: 1, flavor: 's', duration: 1, github_event: 'push' },
});
// @ts-expect-error: a duration is a number, never a string
issueEvent({ tag: 'runner-installed', val: { timestamp: 1, flavor: 's', duration: '1' } });
// @ts-expect-error: no such event
issueEvent({ tag: 'runner-exploded', val: { timestamp: 1 } });
// @ts-expect-error: no such encoding
new Client({ encoding: 'xml' });
// @ts-expect-error: no such setting
new Client({ timeout: 5 });
// @ts-expect-error: a count is a number
const wrong: string = client.stats().sentEvents;
void wrong;
