// The package's types, checked by `tsc --strict` (types/tsconfig.json):
// types/consumer.ts uses the package by its name as a program would, and
// must type-check while each misuse in it stays an error; types/
// bindings.check.ts holds the generated types to jco's own for the
// component in generated/.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const TSC = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const PROJECT = fileURLToPath(new URL('../types/tsconfig.json', import.meta.url));

test('tsc --strict accepts the consumer and the bindings check', async () => {
  const result = await promisify(execFile)(process.execPath, [TSC, '-p', PROJECT], {
    timeout: 120_000,
  }).catch((e) => e);
  assert.equal(result.code ?? 0, 0, `${result.stdout}${result.stderr}`);
});
