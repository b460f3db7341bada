// The `storage` errors this package throws itself, for the spool directory
// it makes for a client, worded as the Python host words them
// (hosts/python/runner_metrics/_storage.py holds the same table, and its
// tests check that they agree): both see the same errno, but Node words it
// with libuv's messages and Python with the C library's, which differ for
// some.

import { lstatSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MetricsError } from './errors.js';

/**
 * A spool that exists and is not a directory, as the component words it
 * (crates/guest/src/deliver/spool/mod.rs).
 */
export const NOT_A_DIRECTORY = 'not a directory (the spool needs one)';

/** Every errno mkdir, opendir and stat give for a path, worded as glibc's strerror, lower-cased. */
const DETAILS = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'not a directory',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on device',
  EEXIST: 'file exists',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMLINK: 'too many links',
  EIO: 'input/output error',
  EINVAL: 'invalid argument',
  ENOMEM: 'cannot allocate memory',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  EBUSY: 'device or resource busy',
  EOVERFLOW: 'value too large for defined data type',
};

/** What the error `e` of a `node:fs` call was, in the words every host uses. */
export function detail(e) {
  const code = typeof e?.code === 'string' ? e.code : null;
  if (code === null) return String(e?.message ?? e);
  return Object.hasOwn(DETAILS, code) ? DETAILS[code] : `error ${code}`;
}

/** The `storage` error naming `path`. */
export function failure(path, why) {
  return new MetricsError('storage', { path, detail: why });
}

/**
 * Make the spool directory `path` (absolute) and its missing parents, as the
 * component would (`create_dir_all`); the ones made, outermost first.
 * Throws `storage` naming `path` when one cannot be made (with its reason)
 * or `path` is not a directory, having removed what it made. Not
 * `mkdirSync(path, { recursive: true })`: Node 20's spins forever on a path
 * under /proc.
 */
export function makeSpool(path) {
  const missing = [];
  for (let d = path; !lexists(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  const made = [];
  let why = null;
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if (e?.code === 'EEXIST') continue; // made meanwhile: what it is is checked below
      why = detail(e);
      break;
    }
    made.push(d);
  }
  if (why === null) {
    try {
      if (!statSync(path).isDirectory()) why = NOT_A_DIRECTORY;
    } catch (e) {
      why = detail(e); // a dangling symbolic link, say
    }
  }
  if (why === null) return made;
  removeDirs(made);
  throw failure(path, why);
}

/** Remove what `makeSpool` made, innermost first, if still empty. */
export function removeDirs(made) {
  for (const d of [...made].reverse()) {
    try {
      rmdirSync(d);
    } catch {}
  }
}

/** Whether anything is at `path`, a dangling symbolic link included. */
function lexists(path) {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
