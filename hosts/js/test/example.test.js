// The README's example and example.js, run as programs that import the
// package by its name, against the test receiver.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { Receiver } from './support/receiver-process.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_ENDPOINT = 'http://localhost:3100/loki/api/v1/push';

let receiver;
let project;
before(async () => {
  receiver = await Receiver.start();
  // A project that has the package installed (as a link to this directory).
  project = mkdtempSync(join(tmpdir(), 'runner-metrics-example-'));
  mkdirSync(join(project, 'node_modules', '@github-runner'), { recursive: true });
  symlinkSync(PACKAGE, join(project, 'node_modules', '@github-runner', 'metrics'));
  writeFileSync(join(project, 'package.json'), '{"type": "module"}\n');
});
after(async () => {
  await receiver.close();
  rmSync(project, { recursive: true, force: true });
});

const run = (file, args = []) =>
  promisify(execFile)(process.execPath, [file, ...args], { cwd: project, timeout: 60_000 });

for (const [which, path] of [
  ['package', join(PACKAGE, 'README.md')],
  ['repository', join(PACKAGE, '..', '..', 'README.md')],
]) test(`the ${which} README's example sends its runner_start event`, async () => {
  const readme = readFileSync(path, 'utf8');
  const snippets = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(snippets.length, 1, 'the README has one JavaScript example');
  assert.equal(snippets[0].split(DEFAULT_ENDPOINT).length, 2, 'it names the default endpoint once');
  const file = join(project, 'readme.js');
  writeFileSync(file, snippets[0].replace(DEFAULT_ENDPOINT, receiver.url));
  await receiver.reset();
  const { stdout, stderr } = await run(file);
  assert.equal(stdout + stderr, '');
  const pushes = await receiver.pushes();
  assert.equal(pushes.length, 1);
  assert.deepEqual(pushes[0].streams[0].labels.at(-1), ['event', 'runner_start']);
});

test('example.js sends one event of each kind', async () => {
  await receiver.reset();
  const { stdout } = await run(join(PACKAGE, 'example.js'), [receiver.url]);
  assert.equal(stdout, 'sent 5\n');
  const [push] = await receiver.pushes();
  assert.deepEqual(
    push.streams.map((s) => s.labels),
    ['runner_installed', 'runner_start', 'runner_stop', 'reconciliation', 'image_built'].map((event) => [
      ['job', 'metrics'],
      ['juju_unit', 'github-runner/0'],
      ['event', event],
    ]),
  );
});
