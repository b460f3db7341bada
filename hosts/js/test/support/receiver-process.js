// The repository's one test receiver (crates/testkit, `runner-metrics-
// receiver`) in a child process, driven by its control API. It must live in
// another process: a call into the component blocks this thread, event loop
// included, until the call is done.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The receiver binary: $RUNNER_METRICS_RECEIVER, or the workspace's debug build. */
export const RECEIVER_BINARY =
  process.env.RUNNER_METRICS_RECEIVER ??
  fileURLToPath(new URL('../../../../target/debug/runner-metrics-receiver', import.meta.url));

export class Receiver {
  #child;
  #control;

  constructor(child, urls) {
    this.#child = child;
    this.#control = urls.control;
    /** The push URL. */
    this.url = urls.push;
  }

  /**
   * Starts a receiver (on `port`, or an ephemeral one). It exits when this
   * process does: its stdin is a pipe from here.
   *
   * @throws {Error} with the receiver's own message when it cannot start
   *   (`.code` is `EADDRINUSE` when the port is taken)
   */
  static async start({ port } = {}) {
    const args = port === undefined ? [] : ['--port', String(port)];
    const child = spawn(RECEIVER_BINARY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const lines = createInterface({ input: child.stdout });
    const [first] = await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(() => [null]),
      once(child, 'error').then(([e]) => Promise.reject(e)),
    ]);
    if (first === null) {
      const error = new Error(`the receiver did not start: ${stderr.trim()}`);
      if (/in use/i.test(stderr)) error.code = 'EADDRINUSE';
      throw error;
    }
    return new Receiver(child, JSON.parse(first));
  }

  /** Forgets pushes, counters and script; then the next pushes get `replies`, in order. */
  async reset(replies = []) {
    await this.#post('reset');
    if (replies.length > 0) await this.#post('script', replies);
  }

  /** Every accepted push, in order (see crates/testkit/README.md). */
  pushes() {
    return this.#get('pushes');
  }

  /** `{requests, connections, pushes, wire_bytes, rejected}`. */
  requests() {
    return this.#get('requests');
  }

  /** The URL of a new listener that misbehaves as `kind` says. */
  async fault(kind, extra = {}) {
    return (await this.#post('fault', { kind, ...extra })).url;
  }

  async close() {
    const exited = once(this.#child, 'exit');
    this.#child.stdin.end();
    await exited;
  }

  async #get(path) {
    return (await request(`${this.#control}/${path}`)).json();
  }

  async #post(path, body) {
    const response = await request(`${this.#control}/${path}`, {
      method: 'POST',
      body: JSON.stringify(body ?? {}),
    });
    return response.status === 204 ? null : response.json();
  }
}

async function request(url, init) {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return response;
}
