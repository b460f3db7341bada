// Usage: node example.js http://127.0.0.1:3100/loki/api/v1/push
import { Client, MetricsError, RunnerStart } from './index.js';

const client = new Client({ endpoint: process.argv[2], labels: { juju_unit: 'github-runner/0' } });
try {
  client.issueEvent(new RunnerStart({ timestamp: Date.now() / 1000, flavor: 'small', workflow: 'CI',
    repo: 'octo/hello', githubEvent: 'push', idle: 3.5 }));
  console.log('sent', client.stats().sentEvents);
} catch (e) {
  if (!(e instanceof MetricsError)) throw e;
  console.error(`not sent (${e.case}): ${e.message}`);
  process.exitCode = 1;
} finally {
  client.close();
}
