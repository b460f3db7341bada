// The `wasi:http/types.error-code` cases preview2-shim reports, made the ones
// wasmtime reports for the same fault, so that a fault is the same error in
// every host (conformance/faults.json), and is retried or not alike: the
// component retries an `internal-error` but never a bad certificate.
//
// preview2-shim 0.26 runs HTTP in a worker thread that keeps only
// `String(error)` of Node's error, as the detail of an `internal-error`
// (a self-signed certificate is `internal-error("Error: self-signed
// certificate")`); the mapping reads Node's wording back. The shim's other
// codes are already wasmtime's: refused, an unknown host (`ENOTFOUND`), and a
// connection reset once the exchange is under way (`HTTP-protocol-error`).
//
// A response body that breaks is the shim's gap: its `http-error-code` of the
// stream's error gives back Node's Error itself, which is no `error-code`, so
// jco's bindings throw while the guest is inside the call. It is mapped here
// too (bodyErrorCode).

/**
 * Why OpenSSL 3 (Node 20+) refuses a server's certificate, as Node words it:
 * X509_verify_cert_error_string for the codes Node names.
 */
const CERTIFICATE_REASONS = new Set([
  'unable to get issuer certificate',
  'unable to get certificate CRL',
  "unable to decrypt certificate's signature",
  "unable to decrypt CRL's signature",
  'unable to decode issuer public key',
  'certificate signature failure',
  'CRL signature failure',
  'certificate is not yet valid',
  'certificate has expired',
  'CRL is not yet valid',
  'CRL has expired',
  "format error in certificate's notBefore field",
  "format error in certificate's notAfter field",
  "format error in CRL's lastUpdate field",
  "format error in CRL's nextUpdate field",
  'self-signed certificate',
  'self-signed certificate in certificate chain',
  'unable to get local issuer certificate',
  'unable to verify the first certificate',
  'certificate chain too long',
  'certificate revoked',
  'invalid CA certificate',
  'path length constraint exceeded',
  'unsupported certificate purpose',
  'certificate not trusted',
  'certificate rejected',
]);

/**
 * The error code wasmtime gives for the fault the shim reported as `code`
 * (a `wasi:http/types.error-code` value, `{tag, val}`); `code` itself when
 * the shim already agrees or the fault is not recognised.
 */
export function wasiErrorCode(code) {
  if (code.tag !== 'internal-error' || typeof code.val !== 'string') return code;
  const text = code.val;
  const dns = /^Error: getaddrinfo (E[A-Z_]+)\b/.exec(text);
  if (dns) return { tag: 'DNS-error', val: { rcode: dns[1], infoCode: undefined } };
  if (
    CERTIFICATE_REASONS.has(text.replace(/^Error: /, '')) ||
    text.startsWith('Error [ERR_TLS_CERT_ALTNAME_INVALID]')
  ) {
    return { tag: 'TLS-certificate-error' };
  }
  // `write EPROTO ...:SSL routines:...:wrong version number`: https to a plain-HTTP port.
  if (/\bEPROTO\b|SSL routines/.test(text)) return { tag: 'TLS-protocol-error' };
  // Node's HTTP parser refused the answer (`Parse Error: Expected HTTP/`):
  // what came back is not HTTP.
  if (text.startsWith('Error: Parse Error')) return { tag: 'HTTP-protocol-error' };
  return code;
}

/**
 * The error code for `error`, the Node Error that broke a response body
 * (the shim keeps `{code, message}` of it).
 */
export function bodyErrorCode(error) {
  // Node's `aborted` (ECONNRESET): the connection ended before the body did,
  // an answer cut short, as wasmtime reports it.
  if (error.code === 'ECONNRESET' || error.message === 'aborted') return { tag: 'connection-terminated' };
  return wasiErrorCode({ tag: 'internal-error', val: String(error) });
}

/**
 * `imports` (a WASI import object) with `wasi:http/outgoing-handler.handle`
 * and `wasi:http/types.http-error-code` reporting wasmtime's codes. The
 * shim's own objects are left as they are: other instances in the process
 * keep theirs.
 */
export function withWasiErrorCodes(imports) {
  const handler = imports['wasi:http/outgoing-handler'];
  const types = imports['wasi:http/types'];
  return {
    ...imports,
    'wasi:http/outgoing-handler': {
      ...handler,
      handle(request, options) {
        return mapResponse(handler.handle(request, options));
      },
    },
    'wasi:http/types': {
      ...types,
      // What comes back must be an `option<error-code>`: anything else would
      // throw inside the guest's call.
      httpErrorCode(error) {
        const code = types.httpErrorCode(error);
        if (code === undefined || code === null) return undefined;
        return typeof code.tag === 'string' ? wasiErrorCode(code) : bodyErrorCode(code);
      },
    },
  };
}

/**
 * The shim's `future-incoming-response`, whose `get` maps a failed
 * exchange's code. It stays the shim's object (the bindings check its
 * class); only this instance's `get` is replaced.
 */
function mapResponse(future) {
  const get = future.get;
  future.get = () => {
    const outcome = get.call(future);
    if (outcome?.tag === 'ok' && outcome.val.tag === 'err') {
      return { tag: 'ok', val: { tag: 'err', val: wasiErrorCode(outcome.val.val) } };
    }
    return outcome;
  };
  return future;
}
