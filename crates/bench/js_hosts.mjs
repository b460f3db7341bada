// Section 9: Node's fetch against the JavaScript host, one event per call,
// to the same receiver, in interleaved rounds.
//
// - fetch: Node's own `fetch` (undici, keep-alive) POSTing the event's Loki
//   push JSON, built from the event per call;
// - host: `Client.issueEvent` of the same event (hosts/js: jco +
//   preview2-shim), one attempt.
//
// Usage: node js_hosts.mjs <push URL> <calls per round> <rounds>
// Prints {"fetch": {"median_ns": [...], "p99_ns": [...]}, "host": {...}}.
// Needs hosts/js prepared (hosts/js/run-tests.sh --prepare: its
// node_modules and the transpiled component in generated/).

import { Client } from '../../hosts/js/index.js';

const [url, callsArg, roundsArg] = process.argv.slice(2);
const calls = Number(callsArg);
const rounds = Number(roundsArg);

const LINE =
  '{"timestamp":1764000000.5,"event":"runner_start","flavor":"small","workflow":"CI",' +
  '"repo":"canonical/github-runner-operator","github_event":"pull_request","idle":3.5,' +
  '"queue_duration":12.25}';

const EVENT = {
  tag: 'runner-start',
  val: {
    timestamp: 1764000000.5,
    flavor: 'small',
    workflow: 'CI',
    repo: 'canonical/github-runner-operator',
    githubEvent: 'pull_request',
    idle: 3.5,
    queueDuration: 12.25,
  },
};

async function viaFetch() {
  const body = JSON.stringify({
    streams: [
      {
        stream: { job: 'metrics', event: 'runner_start' },
        values: [[(BigInt(Date.now()) * 1000000n).toString(), LINE]],
      },
    ],
  });
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`status ${res.status}`);
}

const client = new Client({ endpoint: url, maxAttempts: 1 });
const cases = {
  fetch: viaFetch,
  host: async () => client.issueEvent(EVENT),
};

function summary(times) {
  times.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const p99 = Math.max(0, Math.ceil((times.length * 99) / 100) - 1);
  return [Number(times[Math.floor(times.length / 2)]), Number(times[p99])];
}

const out = Object.fromEntries(Object.keys(cases).map((n) => [n, { median_ns: [], p99_ns: [] }]));
const names = Object.keys(cases);
for (let r = 0; r <= rounds; r++) {
  // Round 0 warms up.
  const order = r % 2 === 0 ? names : [...names].reverse();
  for (const name of order) {
    const f = cases[name];
    const times = [];
    for (let i = 0; i < calls; i++) {
      const started = process.hrtime.bigint();
      await f();
      times.push(process.hrtime.bigint() - started);
    }
    if (r > 0) {
      const [median, p99] = summary(times);
      out[name].median_ns.push(median);
      out[name].p99_ns.push(p99);
    }
  }
}
client.close();
console.log(JSON.stringify(out));
