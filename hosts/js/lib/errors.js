// The package's two errors: MetricsError, one case of the WIT `error`
// variant, whose text is rendered here and nowhere else; and ComponentTrap.

/**
 * A call failed. `case` is the WIT `error` case (kebab-case) and `payload`
 * its payload as the wrapper returns values (camelCase keys, 64-bit integers
 * as Numbers, `none` as null). The message is the case's one text
 * (docs/errors.md), the same as the component's `stats.last-error`. No
 * payload holds a credential, so neither does the message.
 */
export class MetricsError extends Error {
  constructor(witCase, payload) {
    super(render(witCase, payload));
    this.name = 'MetricsError';
    this.case = witCase;
    this.payload = payload;
  }
}

/**
 * A call into the component trapped (a bug: no input makes it trap), could
 * not be made, or failed inside an import. The instance was replaced: the
 * next call runs in a fresh one, and what the old one buffered, and its
 * stats, are gone. `cause` is what was thrown: a `WebAssembly.RuntimeError`,
 * or the error of an import or of jco's bindings.
 */
export class ComponentTrap extends Error {
  constructor(cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`the component trapped, its instance was replaced: ${why}`, { cause });
    this.name = 'ComponentTrap';
  }
}

/** What Rust's `str::trim_end` removes (Unicode White_Space); `trimEnd` differs on U+0085 and U+FEFF. */
const TRAILING_WHITESPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u;

/** The one text of an error case, exactly as docs/errors.md states it. */
function render(witCase, p) {
  switch (witCase) {
    case 'invalid-event':
      return `invalid event: ${p.field}: ${p.reason}`;
    case 'invalid-config':
      return `invalid config: ${p.field}: ${p.reason}`;
    case 'transport':
      return `transport failure: ${p.code}${p.detail === null ? '' : ` (${p.detail})`}`;
    case 'timeout':
      return `no answer within ${p} ms`;
    case 'rejected': {
      const retry = p.retryAfterMs === null ? '' : ` (retry after ${p.retryAfterMs} ms)`;
      const body = p.body.replace(TRAILING_WHITESPACE, '');
      return `the receiver answered ${p.status}${retry}${body === '' ? '' : `: ${body}`}`;
    }
    case 'storage':
      return `storage failure: ${p.path}: ${p.detail}`;
    case 'spooled':
      return `${p.events} events spooled after: ${p.cause}`;
    default:
      throw new TypeError(`not a case of the WIT error variant: ${String(witCase)}`);
  }
}
