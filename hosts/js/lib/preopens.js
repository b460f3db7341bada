// Preopened directories the guest can write in.
//
// preview2-shim 0.26 refuses every `open-at` whose flags include
// `mutate-directory`, and wasi-libc (so Rust's std) sets that flag on every
// open for writing, as wasi-filesystem suggests for POSIX compatibility. The
// shim has no read-only directories, so the flag would grant nothing: it is
// dropped, or the log file and the spool could never write a file. Only the
// descriptors of one instance are changed, never the shim's class.

/** `preopens` (the `wasi:filesystem/preopens` import) whose directories accept writes. */
export function writablePreopens(preopens) {
  const directories = preopens.getDirectories().map(([descriptor, path]) => [writable(descriptor), path]);
  return { ...preopens, getDirectories: () => [...directories] };
}

/** `descriptor`, whose `openAt` drops `mutate-directory` and gives descriptors like itself. */
function writable(descriptor) {
  const openAt = descriptor.openAt;
  descriptor.openAt = (pathFlags, path, openFlags, flags) =>
    writable(openAt.call(descriptor, pathFlags, path, openFlags, { ...flags, mutateDirectory: false }));
  return descriptor;
}
