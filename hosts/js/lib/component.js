// Loads the transpiled component and makes instances of it.
//
// `jco transpile --instantiation sync` leaves instantiation to us, so each
// instance gets its own WASI imports: no environment variables, no arguments,
// and only the directories its client config names. (The default transpile
// output would share preview2-shim's process-wide state, which hands the guest
// the whole `process.env`.) HTTP, clocks and stdio still come from
// preview2-shim, whose I/O runs in one worker thread per process.

import { readdir, readFile } from 'node:fs/promises';
import { filesystem } from '@bytecodealliance/preview2-shim';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { instantiate as instantiateComponent } from '../generated/runner-metrics.js';

// preview2-shim 0.26 refuses every `open-at` whose flags include
// `mutate-directory`, and wasi-libc (so Rust's std) sets that flag on every
// open for writing, as wasi-filesystem suggests for POSIX compatibility. The
// shim has no read-only directories, so the flag would grant nothing: drop it,
// or the file sink and the spool could never write a file. This changes the
// shim for the whole process, and only this refusal.
const { Descriptor } = filesystem.types;
const openAt = Descriptor.prototype.openAt;
Descriptor.prototype.openAt = function (pathFlags, path, openFlags, flags) {
  return openAt.call(this, pathFlags, path, openFlags, { ...flags, mutateDirectory: false });
};

const GENERATED = new URL('../generated/', import.meta.url);

// Compile every core module once, at import, off the critical path of calls.
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
 * A new instance of the component, able to reach `dirs` (absolute host
 * paths, each seen by the guest at the same path).
 *
 * @param {string[]} dirs
 * @returns the component's exports: `{events, promtail}`
 */
export function instantiate(dirs = []) {
  const shim = new WASIShim({
    sandbox: {
      preopens: Object.fromEntries(dirs.map((dir) => [dir, dir])),
      env: {},
      args: [],
    },
  });
  const imports = shim.getImportObject();
  return instantiateComponent(
    (name) => coreModules.get(name),
    testing.wrapImports ? testing.wrapImports(imports) : imports,
  );
}
