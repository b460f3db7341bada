// example.js runs as the README shows it, in its own process (the receiver
// lives in a worker, so a blocking child is fine either way).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { Receiver } from './support/receiver.js';

const EXAMPLE = fileURLToPath(new URL('../example.js', import.meta.url));

let receiver;
before(async () => {
  receiver = await Receiver.start();
});
after(() => receiver.close());

test('example.js sends one runner_start event', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [EXAMPLE, receiver.url], {
    timeout: 60_000,
  });
  assert.equal(stdout, 'sent 1\n');
  const { accepted } = await receiver.recorded();
  assert.equal(accepted.length, 1);
  const [stream] = accepted[0].streams;
  assert.deepEqual(stream.labels, [
    ['job', 'metrics'],
    ['juju_unit', 'github-runner/0'],
    ['event', 'runner_start'],
  ]);
  assert.equal(JSON.parse(stream.lines[0]).workflow, 'CI');
});
