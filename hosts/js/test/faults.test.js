// The cross-host fault matrix (conformance/faults.json), exactly as written,
// and the mapping of preview2-shim's error codes behind it.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, MetricsError } from '../index.js';
import { bodyErrorCode, wasiErrorCode } from '../lib/http-errors.js';
import { Receiver } from './support/receiver-process.js';
import { clientOptions, expectedError, faults, shapedError } from './support/wit-json.js';

const installed = {
  tag: 'runner-installed',
  val: { timestamp: 1700000000.25, flavor: 'small', duration: 12 },
};

let receiver;
let tmp;
before(async () => {
  receiver = await Receiver.start();
  tmp = mkdtempSync(join(tmpdir(), 'runner-metrics-faults-'));
});
after(async () => {
  await receiver.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The URL a fault's `endpoint` names (conformance/README.md). */
async function endpoint(spec) {
  if (spec.fault) {
    // The rest of the object (`bytes` of a `raw` fault) goes with the kind.
    const { fault, ...extra } = spec;
    return receiver.fault(fault, extra);
  }
  if (spec.receiver === 'http') return receiver.url;
  if (spec.receiver === 'https') return receiver.url.replace(/^http:/, 'https:');
  return spec.url;
}

test('the matrix has faults', () => {
  assert.ok(faults.length >= 10, `only ${faults.length} faults`);
});

for (const fault of faults) {
  test(`fault: ${fault.name}`, async () => {
    await receiver.reset(fault.replies);
    const options = { maxAttempts: 1, timeoutMs: 1000, endpoint: await endpoint(fault.endpoint) };
    let error;
    let client;
    try {
      client = new Client({ ...options, ...clientOptions(fault.options) });
      const bytes = fault['flavor-bytes'];
      client.issueEvent(bytes ? { ...installed, val: { ...installed.val, flavor: 'x'.repeat(bytes) } } : installed);
    } catch (e) {
      error = e;
    } finally {
      client?.close();
    }
    assert.ok(error instanceof MetricsError, `expected a MetricsError, got ${error?.stack ?? error}`);
    const expected = expectedError(fault.expect);
    assert.deepEqual(shapedError(error, expected), expected, error.message);
  });
}

for (const [answer, bytes] of [
  ['a 503', 'HTTP/1.1 503 Busy\r\nContent-Length: 100\r\n\r\nshort'],
  ['a 200', 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'],
]) {
  test(`${answer} cut short is retried, then spooled, and the client carries on`, async () => {
    const spool = mkdtempSync(join(tmp, 'spool-'));
    const client = new Client({
      endpoint: await receiver.fault('raw', { bytes }),
      maxAttempts: 2,
      minBackoffMs: 1,
      spool,
    });
    let error;
    try {
      client.issueEvent(installed);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof MetricsError, `expected a MetricsError, got ${error?.stack ?? error}`);
    assert.equal(error.message, '1 events spooled after: transport failure: connection-terminated');
    const stats = client.stats();
    assert.deepEqual([stats.requests, stats.retries, stats.spoolBatches], [2, 1, 1]);
    assert.equal(stats.lastError, error.message);
    assert.equal(readdirSync(spool).length > 0, true, 'the batch is in the spool');
    client.close();
  });
}

test('a bad certificate is not retried, as in every host', async () => {
  const client = new Client({
    endpoint: await receiver.fault('tls-self-signed'),
    maxAttempts: 3,
    minBackoffMs: 1,
  });
  assert.throws(() => client.issueEvent(installed), { case: 'transport' });
  assert.equal(client.stats().requests, 1);
  client.close();
});

// What preview2-shim 0.26.1 reports for each fault, as seen in this suite
// before the mapping, and what it becomes.
const SHIM_CODES = [
  [
    'self-signed certificate',
    { tag: 'internal-error', val: 'Error: self-signed certificate' },
    { tag: 'TLS-certificate-error' },
  ],
  [
    'certificate for another host',
    {
      tag: 'internal-error',
      val: "Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ",
    },
    { tag: 'TLS-certificate-error' },
  ],
  [
    'expired certificate',
    { tag: 'internal-error', val: 'Error: certificate has expired' },
    { tag: 'TLS-certificate-error' },
  ],
  [
    'https to a plain-HTTP port',
    {
      tag: 'internal-error',
      val: 'Error: write EPROTO C0964B24F47F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n',
    },
    { tag: 'TLS-protocol-error' },
  ],
  [
    'an answer that is not HTTP',
    { tag: 'internal-error', val: 'Error: Parse Error: Expected HTTP/, RTSP/ or ICE/' },
    { tag: 'HTTP-protocol-error' },
  ],
  [
    'no DNS server (a network namespace)',
    { tag: 'internal-error', val: 'Error: getaddrinfo EAI_AGAIN runner-metrics-test.invalid' },
    { tag: 'DNS-error', val: { rcode: 'EAI_AGAIN', infoCode: undefined } },
  ],
  // Already wasmtime's: left alone.
  ['refused', { tag: 'connection-refused' }, { tag: 'connection-refused' }],
  ['reset once under way (ECONNRESET)', { tag: 'HTTP-protocol-error' }, { tag: 'HTTP-protocol-error' }],
  [
    'unknown host',
    { tag: 'DNS-error', val: { rcode: 'ENOTFOUND', infoCode: 3008 } },
    { tag: 'DNS-error', val: { rcode: 'ENOTFOUND', infoCode: 3008 } },
  ],
  ['connect timeout', { tag: 'connection-timeout' }, { tag: 'connection-timeout' }],
  [
    'anything else',
    { tag: 'internal-error', val: 'Error: something new' },
    { tag: 'internal-error', val: 'Error: something new' },
  ],
];

for (const [name, shim, wasi] of SHIM_CODES) {
  test(`shim code: ${name}`, () => {
    assert.deepEqual(wasiErrorCode(shim), wasi);
  });
}

// The Node errors that break a response body, as the shim keeps them (an
// Error with Node's `code`), and their codes.
const nodeError = (message, code) => Object.assign(new Error(message), { code });
const BODY_ERRORS = [
  ['an answer cut short', nodeError('aborted', 'ECONNRESET'), { tag: 'connection-terminated' }],
  ['a reset mid-body', nodeError('read ECONNRESET', 'ECONNRESET'), { tag: 'connection-terminated' }],
  [
    'a bad chunk',
    nodeError('Parse Error: Invalid character in chunk size', 'HPE_INVALID_CHUNK_SIZE'),
    { tag: 'HTTP-protocol-error' },
  ],
  ['anything else', nodeError('something new'), { tag: 'internal-error', val: 'Error: something new' }],
];

for (const [name, error, wasi] of BODY_ERRORS) {
  test(`body error: ${name}`, () => {
    assert.deepEqual(bodyErrorCode(error), wasi);
  });
}
