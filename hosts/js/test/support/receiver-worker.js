// A Loki push receiver, run in a worker thread: calls into the component block
// the main thread's event loop, so a server there could never answer them.
//
// It reads JSON pushes (gunzipped when `Content-Encoding: gzip`) and answers
// 400 to a body Loki would refuse. Otherwise it answers with the scripted
// replies in order, then 204, and records each request it answered with a
// 2xx. The main thread drives it by messages; see receiver.js.

import { createServer } from 'node:http';
import { setTimeout } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';

/**
 * Answers still to give, each `{status, headers, body, trickleMs}` (with
 * `trickleMs`, the body goes out one byte every that many ms), or
 * `{hang: true}`.
 */
let replies = [];
/** The requests answered with a 2xx, decoded. */
let accepted = [];
/** Every request received, malformed ones included. */
let attempts = 0;

const server = createServer(async (req, res) => {
  attempts += 1;
  const raw = Buffer.concat(await req.toArray());
  let streams;
  try {
    streams = decode(req.headers, raw);
  } catch (e) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`malformed push: ${e.message}`);
    return;
  }
  const reply = replies.shift() ?? { status: 204 };
  // A reply that never comes, until the worker ends: for timeouts.
  if (reply.hang) return;
  if (reply.status >= 200 && reply.status < 300) {
    accepted.push({ headers: req.headers, streams });
  }
  res.writeHead(reply.status, reply.headers);
  if (reply.trickleMs) trickle(res, Buffer.from(reply.body), reply.trickleMs);
  else res.end(reply.body ?? '');
});

/** Send `body` one byte at a time: a connection never idle, an answer never complete in time. */
async function trickle(res, body, ms) {
  for (const byte of body) {
    await setTimeout(ms);
    res.write(Buffer.of(byte));
  }
  res.end();
}

/**
 * The streams of a push body, as Loki's distributor reads it: labels as
 * ordered `[name, value]` pairs, and per entry its timestamp (a string of
 * digits, Unix ns), line and structured metadata pairs.
 */
function decode(headers, raw) {
  if (headers['content-type'] !== 'application/json') {
    throw new Error(`unsupported content-type ${headers['content-type']}`);
  }
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'gzip') {
    throw new Error(`unsupported content-encoding ${encoding}`);
  }
  const body = encoding === 'gzip' ? gunzipSync(raw) : raw;
  const { streams } = JSON.parse(body.toString('utf8'));
  if (!Array.isArray(streams)) throw new Error('no streams');
  return streams.map(({ stream, values }) => {
    const labels = Object.entries(stream ?? {});
    if (labels.length === 0 || labels.some(([, v]) => typeof v !== 'string')) {
      throw new Error('labels must be a non-empty object of strings');
    }
    if (!Array.isArray(values) || values.length === 0) throw new Error('no values');
    const entries = values.map(([ts, line, metadata = {}]) => {
      if (!/^\d+$/.test(ts) || typeof line !== 'string') {
        throw new Error('an entry is ["<unix ns>", "<line>", {metadata}?]');
      }
      return { ts, line, metadata: Object.entries(metadata) };
    });
    return {
      labels,
      timestamps: entries.map((e) => e.ts),
      lines: entries.map((e) => e.line),
      metadata: entries.map((e) => e.metadata),
    };
  });
}

const ops = {
  /** Forget what was recorded, and answer the next requests with `next`. */
  reset(next) {
    replies = [...next];
    accepted = [];
    attempts = 0;
  },
  recorded() {
    return { accepted, attempts };
  },
};

parentPort.on('message', ({ op, arg }) => parentPort.postMessage(ops[op](arg)));

server.on('error', (e) => parentPort.postMessage({ error: e.code ?? e.message }));
server.listen(workerData.port, '127.0.0.1', () => {
  parentPort.postMessage({ port: server.address().port });
});
