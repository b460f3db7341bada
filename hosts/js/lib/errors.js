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
 * A call into the component trapped. The contract says no input makes it
 * trap, so this is a bug in the component or the host. The instance was
 * thrown away: the next call runs in a fresh one (a `Client` makes its guest
 * client again there, with its config). What the old instance buffered, and
 * its stats, are lost. The WebAssembly error is `cause`.
 */
export class ComponentTrap extends Error {
  constructor(cause) {
    super(`the component trapped, its instance was replaced: ${cause.message}`, { cause });
    this.name = 'ComponentTrap';
  }
}

/**
 * Runs `fn`, turning the component's error results into MetricsError and a
 * trap into ComponentTrap, after `onTrap()` has dropped the instance: a
 * trapped instance is left mid-call and must not be entered again.
 *
 * jco throws a `ComponentError` for the `err` of a `result`, with the WIT
 * `error` variant (`{tag, val}`) as its `payload`, and a
 * `WebAssembly.RuntimeError` for a trap. Anything else (a TypeError from
 * lowering a value of the wrong type, before the guest runs) passes through
 * unchanged.
 */
export function translateErrors(fn, onTrap = () => {}) {
  try {
    return fn();
  } catch (e) {
    const variant = e?.payload;
    if (variant && Object.hasOwn(CASES, variant.tag)) {
      throw new MetricsError(variant.tag, variant.val);
    }
    if (e instanceof WebAssembly.RuntimeError) {
      onTrap();
      throw new ComponentTrap(e);
    }
    throw e;
  }
}
