// A file the events' lines are appended to, one per line: the component's
// `log-file` resource, in an instance of its own that can reach only the
// file's directory.

import { dirname, resolve } from 'node:path';
import { Guest } from './guest.js';
import { lowerArgument } from './values.js';

export class LogFile {
  #guest;
  #closed = false;

  /**
   * @param {string} path the file; its directory must exist. A relative path
   *   is taken from the current directory.
   * @throws {MetricsError} `invalid-config` for a path that is not a string,
   *   `storage` for a file the component cannot open
   */
  constructor(path) {
    const wit = lowerArgument('[constructor]log-file', 'invalid-config', path);
    // The guest sees the directory at its host path, so a relative path is
    // made absolute here; an empty one is left for the component to refuse.
    const file = wit === '' ? wit : resolve(wit);
    const dirs = file === '' ? [] : [dirname(file)];
    this.#guest = new Guest(dirs, (promtail) => new promtail.LogFile(file));
    this.#guest.call(() => {});
  }

  /** Append the line of each event, in order, with one write. */
  write(events) {
    if (this.#closed) throw new Error('the log-file is closed');
    const wit = lowerArgument('[method]log-file.write', 'invalid-event', events);
    this.#guest.call((_, file) => file.write(wit));
  }

  /** Drop the guest log file and its instance. Closing again does nothing. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#guest.dispose();
  }

  [Symbol.dispose]() {
    this.close();
  }
}
