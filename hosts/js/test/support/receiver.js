// The main thread's handle on the Loki push receiver of receiver-worker.js.

import { once } from 'node:events';
import { createServer } from 'node:net';
import { Worker } from 'node:worker_threads';

export class Receiver {
  #worker;

  /**
   * Start a receiver on 127.0.0.1:`port` (0: any free port). Rejects with the
   * listen error's code (`EADDRINUSE`, ...) when the port cannot be had.
   */
  static async start({ port = 0 } = {}) {
    const worker = new Worker(new URL('./receiver-worker.js', import.meta.url), {
      workerData: { port },
    });
    const [started] = await once(worker, 'message');
    if (started.error) {
      await worker.terminate();
      throw Object.assign(new Error(`receiver: ${started.error}`), { code: started.error });
    }
    return new Receiver(worker, started.port);
  }

  constructor(worker, port) {
    this.#worker = worker;
    this.port = port;
    this.url = `http://127.0.0.1:${port}/loki/api/v1/push`;
  }

  /**
   * Forget what was recorded; answer the next requests with `replies` (each
   * `{status, headers, body}`, `trickleMs` to send the body one byte every
   * that many ms, or `{hang: true}` for no answer), then 204.
   */
  reset(replies = []) {
    return this.#call('reset', replies);
  }

  /**
   * What arrived since the last reset: `accepted`, the requests answered with
   * a 2xx, each `{headers, streams}` with streams `{labels, timestamps, lines,
   * metadata}`; and `attempts`, how many requests came in all.
   */
  recorded() {
    return this.#call('recorded');
  }

  close() {
    return this.#worker.terminate();
  }

  /** One request to the worker at a time: each answer is the next message. */
  async #call(op, arg) {
    this.#worker.postMessage({ op, arg });
    const [result] = await once(this.#worker, 'message');
    return result;
  }
}

/** A loopback push URL with nothing listening: a port just freed. */
export async function closedEndpoint() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}/loki/api/v1/push`;
}
