// The npm package: its version is the WIT package's, and `npm pack` carries
// the transpiled bindings with their core modules, the types, the README, and
// the repository's WIT and LICENSE (copied in by npm's prepack, for the pack
// only), so that every link of the README leads inside the package; the
// transpiled glue reads JCO_DEBUG once (tools/debug-log-once.mjs).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { PACKAGE } from '../lib/wit.js';

const DIR = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** The paths `npm pack` puts in the tarball (it runs prepack and postpack). */
async function packed() {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json'], { cwd: DIR });
  return new Set(JSON.parse(stdout)[0].files.map((f) => f.path));
}

test('the package version is the WIT package version', () => {
  assert.equal(PACKAGE.split('@').at(-1), manifest.version);
  assert.equal(manifest.private, undefined);
});

test('npm pack carries the bindings, the types, the README, the WIT and the LICENSE', async () => {
  const files = await packed();
  const generated = readdirSync(new URL('../generated/', import.meta.url)).filter((f) =>
    /\.(js|wasm|d\.ts)$/.test(f),
  );
  assert.ok(
    generated.some((f) => f.endsWith('.core.wasm')),
    'generated/ holds a transpiled component',
  );
  // The published contract: wit/ without its test-only items (crates/host/wit).
  const published = new URL('../../../crates/host/wit/', import.meta.url);
  const wit = readdirSync(published).filter((f) => f.endsWith('.wit'));
  assert.ok(wit.length > 0, 'the repository has its published WIT');
  for (const f of wit) {
    assert.ok(!readFileSync(new URL(f, published), 'utf8').includes('@unstable('), `${f} has test-only items`);
  }
  for (const file of [
    ...generated.map((f) => `generated/${f}`),
    ...wit.map((f) => `wit/${f}`),
    'index.js',
    'index.d.ts',
    'lib/wit.js',
    'lib/wit.d.ts',
    'README.md',
    'example.js',
    'package.json',
    'LICENSE',
  ]) {
    assert.ok(files.has(file), `${file} is not packed`);
  }
  assert.deepEqual(
    [...files].filter((f) => /^(test|types)\//.test(f)),
    [],
    'no tests in the package',
  );
  for (const copy of ['wit', 'LICENSE']) {
    assert.equal(existsSync(new URL(`../${copy}`, import.meta.url)), false, `postpack removed ${copy}`);
  }
});

test("the README's links lead to files in the package", async () => {
  const files = [...(await packed())];
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((link) => !/^[a-z]+:/.test(link));
  assert.ok(links.length > 0, 'the README links to the WIT');
  for (const link of links) {
    const path = link.replace(/^\.\//, '').replace(/\/$/, '');
    assert.ok(
      files.some((f) => f === path || f.startsWith(`${path}/`)),
      `${link} is not in the package`,
    );
  }
});

test('the transpiled bindings read JCO_DEBUG once, not on every import call', () => {
  // tools/debug-log-once.mjs, run by npm after `jco transpile`.
  const glue = readFileSync(new URL('../generated/runner-metrics.js', import.meta.url), 'utf8');
  assert.ok(!glue.includes('if (!globalThis?.process?.env?.JCO_DEBUG) { return; }'));
  assert.ok(glue.includes('const _jcoDebug = '));
});
