// The npm package: its version is the WIT package's, and `npm pack` carries
// the transpiled bindings with their core modules, the types and the
// README (LICENSE is copied in by dist.sh; test-dist.sh checks a real one).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { PACKAGE } from '../lib/wit.js';

const DIR = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

test('the package version is the WIT package version', () => {
  assert.equal(PACKAGE.split('@').at(-1), manifest.version);
  assert.equal(manifest.private, undefined);
});

test('npm pack carries the bindings, their core modules, the types and the README', async () => {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json'], { cwd: DIR });
  const packed = new Set(JSON.parse(stdout)[0].files.map((f) => f.path));
  const generated = readdirSync(new URL('../generated/', import.meta.url)).filter((f) =>
    /\.(js|wasm|d\.ts)$/.test(f),
  );
  assert.ok(
    generated.some((f) => f.endsWith('.core.wasm')),
    'generated/ holds a transpiled component',
  );
  for (const file of [
    ...generated.map((f) => `generated/${f}`),
    'index.js',
    'index.d.ts',
    'lib/wit.js',
    'lib/wit.d.ts',
    'README.md',
    'example.js',
    'package.json',
  ]) {
    assert.ok(packed.has(file), `${file} is not packed`);
  }
  assert.deepEqual(
    [...packed].filter((f) => /^(test|types)\//.test(f)),
    [],
    'no tests in the package',
  );
});
