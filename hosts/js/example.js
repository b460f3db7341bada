// Issues one event of each kind to the Loki push URL given as the first
// argument:
//
//   node example.js http://localhost:3100/loki/api/v1/push

import { Client, MetricsError } from '@github-runner/metrics';

const now = Date.now() / 1000;
const job = { flavor: 'small', workflow: 'CI', repo: 'octo/hello', githubEvent: 'push' };
const events = [
  { tag: 'runner-installed', val: { timestamp: now, flavor: 'small', duration: 42.5 } },
  { tag: 'runner-start', val: { timestamp: now, ...job, idle: 3.5, queueDuration: 12 } },
  {
    tag: 'runner-stop',
    val: { timestamp: now, ...job, status: 'normal', jobDuration: 61, jobConclusion: 'success' },
  },
  {
    tag: 'reconciliation',
    val: {
      timestamp: now,
      flavor: 'small',
      crashedRunners: 0,
      idleRunners: 2,
      activeRunners: 3,
      expectedRunners: 5,
      duration: 1.2,
    },
  },
  {
    tag: 'custom',
    val: {
      name: 'image_built',
      timestamp: now,
      fields: [
        ['image', { tag: 'text', val: 'jammy' }],
        ['seconds', { tag: 'number', val: 93.5 }],
      ],
    },
  },
];

const client = new Client({ endpoint: process.argv[2], labels: [['juju_unit', 'github-runner/0']] });
try {
  client.issue(events.map((event) => ({ event, metadata: [] })));
  console.log(`sent ${client.stats().sentEvents}`);
} catch (e) {
  if (!(e instanceof MetricsError)) throw e;
  console.error(`not sent (${e.case}): ${e.message}`);
  process.exitCode = 1;
} finally {
  client.close();
}
