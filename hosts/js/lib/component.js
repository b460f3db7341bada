// Loads the component that `jco transpile` turned into generated/ and makes
// instances of it, each with WASI imports of its own:
// - no environment variables and no arguments (preview2-shim's defaults
//   would hand the guest all of `process.env`);
// - only the directories it is given, each seen at its own host path, and
//   writable (preopens.js);
// - HTTP, clocks and stdio from preview2-shim, whose I/O runs in one worker
//   thread per process, with its HTTP error codes made wasmtime's
//   (http-errors.js);
// - resource destructors that do nothing once the instance is abandoned
//   (guardedDestructors).

import { readdir, readFile } from 'node:fs/promises';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { instantiate as instantiateComponent } from '../generated/runner-metrics.js';
import { withWasiErrorCodes } from './http-errors.js';
import { writablePreopens } from './preopens.js';

const GENERATED = new URL('../generated/', import.meta.url);

// Compiled once, when the package is imported, rather than on a first call.
const coreModules = new Map(
  await Promise.all(
    (await readdir(GENERATED))
      .filter((name) => name.endsWith('.wasm'))
      .map(async (name) => [name, await WebAssembly.compile(await readFile(new URL(name, GENERATED)))]),
  ),
);

/**
 * For tests only: `wrapImports(importObject)` returns the imports the next
 * instances get (to make an import fail the way a trap does).
 */
export const testing = { wrapImports: null };

/**
 * A new instance of the component that can reach `dirs` (absolute host
 * paths, each seen by the guest at the same path).
 *
 * @param {string[]} dirs
 * @returns `{promtail, abandon}`: the interface's exports, and what to call
 *   once the instance was left mid-call, never to be entered again
 */
export function instantiate(dirs) {
  const shim = new WASIShim({
    sandbox: { preopens: Object.fromEntries(dirs.map((dir) => [dir, dir])), env: {}, args: [] },
  });
  const shimImports = shim.getImportObject();
  const imports = withWasiErrorCodes({
    ...shimImports,
    'wasi:filesystem/preopens': writablePreopens(shimImports['wasi:filesystem/preopens']),
  });
  let abandoned = false;
  const { promtail } = instantiateComponent(
    (name) => coreModules.get(name),
    testing.wrapImports ? testing.wrapImports(imports) : imports,
    (module, importObject) =>
      guardedDestructors(new WebAssembly.Instance(module, importObject), () => abandoned),
  );
  return { promtail, abandon: () => void (abandoned = true) };
}

/**
 * `instance` with resource destructors that do nothing once `abandoned()`.
 * The instance's resources outlive it: when their objects are collected,
 * jco's FinalizationRegistry runs their destructors in it. In an instance
 * left mid-call that would flush a client's buffer (which the trap was to
 * discard) from a guest in an unknown state, and an error there, in a
 * finalizer, would end the process.
 */
function guardedDestructors(instance, abandoned) {
  const exports = { ...instance.exports };
  for (const [name, destructor] of Object.entries(exports)) {
    if (name.includes('#[dtor]')) exports[name] = (rep) => void (abandoned() || destructor(rep));
  }
  return { exports };
}
