// Runs after `jco transpile` (npm's `posttranspile`). jco 1.35's generated
// `_debugLog` reads `process.env.JCO_DEBUG` (a getenv in C++) on every call
// into an import, about 30 times per event: 10-20 % of the main thread's
// CPU per event (BENCHMARKS.md, "The Python and JavaScript hosts"). Read it
// once, when the component is instantiated; `JCO_DEBUG` still works, set before start.
// When jco no longer emits that line, there is nothing to do.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
const perCall = 'if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';
const source = readFileSync(file, 'utf8');
if (!source.includes(perCall)) {
  console.error(`debug-log-once: ${file} reads JCO_DEBUG differently; left as jco wrote it`);
  process.exit(0);
}
const declared = 'const _debugLog = ';
if (!source.includes(declared)) {
  console.error(`debug-log-once: ${file} has no ${declared}...; left as jco wrote it`);
  process.exit(0);
}
const patched = source
  .replace(declared, `const _jcoDebug = Boolean(globalThis?.process?.env?.JCO_DEBUG);\n  ${declared}`)
  .replace(perCall, 'if (!_jcoDebug) { return; }');
writeFileSync(file, patched);
