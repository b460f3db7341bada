// The one error type of the package: the WIT `error` variant as a JS Error.

/** How each WIT case's payload becomes properties, and its message. */
const CASES = {
  'invalid-event': {
    props: ({ field, reason }) => ({ field, reason }),
    message: (e) => `invalid event: ${e.field}: ${e.reason}`,
  },
  'invalid-config': {
    props: ({ field, reason }) => ({ field, reason }),
    message: (e) => `invalid config: ${e.field}: ${e.reason}`,
  },
  transport: {
    props: ({ code, detail }) => ({ code, detail: detail ?? null }),
    message: (e) =>
      `transport failure: ${e.code}` + (e.detail === null ? '' : ` (${e.detail})`),
  },
  timeout: {
    props: (timeoutMs) => ({ timeoutMs }),
    message: (e) => `no answer within ${e.timeoutMs} ms`,
  },
  rejected: {
    // u64 arrives as a BigInt; a delay in ms always fits a Number.
    props: ({ status, body, retryAfterMs }) => ({
      status,
      body,
      retryAfterMs: retryAfterMs === undefined ? null : Number(retryAfterMs),
    }),
    message: (e) => `the receiver answered ${e.status}: ${e.body.trimEnd()}`,
  },
  storage: {
    props: ({ path, detail }) => ({ path, detail }),
    message: (e) => `storage failure: ${e.path}: ${e.detail}`,
  },
  spooled: {
    props: ({ events, cause }) => ({ events, cause }),
    message: (e) => `${e.events} events spooled after: ${e.cause}`,
  },
};

/**
 * A call failed. `case` is the WIT `error` case in kebab-case; the payload's
 * fields are properties (`field`, `reason`, `status`, `body`, `retryAfterMs`,
 * `code`, `detail`, `path`, `events`, `cause`, `timeoutMs`). The component
 * never puts a credential in a payload, so neither the properties nor the
 * message ever hold one.
 */
export class MetricsError extends Error {
  /**
   * @param {string} witCase a case of the WIT `error` variant
   * @param {unknown} payload that case's payload, as jco lifts it
   */
  constructor(witCase, payload) {
    const kind = CASES[witCase];
    if (!kind) throw new TypeError(`not a WIT error case: ${witCase}`);
    const props = kind.props(payload);
    super(kind.message(props));
    this.name = 'MetricsError';
    this.case = witCase;
    Object.assign(this, props);
  }
}

/**
 * Runs `fn`, turning the component's error results into MetricsError.
 *
 * jco throws a `ComponentError` for the `err` of a `result`, with the WIT
 * `error` variant (`{tag, val}`) as its `payload`. Anything else (a TypeError
 * from lowering a value of the wrong type, a trap) passes through unchanged.
 */
export function translateErrors(fn) {
  try {
    return fn();
  } catch (e) {
    const variant = e?.payload;
    if (variant && Object.hasOwn(CASES, variant.tag)) {
      throw new MetricsError(variant.tag, variant.val);
    }
    throw e;
  }
}
