//! The retry policy: which outcomes to try again, how long to wait, and how
//! to read `Retry-After`. Pure functions, unit-tested natively.

use crate::error::Error;
use crate::settings::Retry;
use std::time::{Duration, SystemTime};
use wasi::http::types::ErrorCode;

/// What one attempt came to.
#[derive(Debug, Clone, Copy)]
pub enum Attempt<'a> {
    /// The receiver answered.
    Answered {
        status: u16,
        retry_after_ms: Option<u64>,
    },
    /// No answer: transport failure, timeout, ...
    Failed(&'a Error),
}

/// What to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Delivered. `not_204`: a 2xx other than Loki's 204, worth counting.
    Accepted { not_204: bool },
    /// Try again, after this long if the receiver said so.
    Retry { after_ms: Option<u64> },
    /// The body is too large: split the batch and send the halves.
    Split,
    /// Give up: sending the same bytes again cannot succeed.
    GiveUp,
}

/// Transport failures that no retry can fix: the request itself, the
/// host's policy or the receiver's certificate is wrong, and sending the
/// same request again meets the same refusal.
pub fn is_permanent(code: &ErrorCode) -> bool {
    use ErrorCode as E;
    matches!(
        code,
        E::HttpRequestDenied
            | E::HttpRequestUriInvalid
            | E::HttpRequestUriTooLong
            | E::HttpRequestMethodInvalid
            | E::HttpRequestHeaderSectionSize(_)
            | E::HttpRequestHeaderSize(_)
            | E::HttpRequestBodySize(_)
            | E::HttpRequestLengthRequired
            | E::ConfigurationError
            | E::TlsCertificateError
            | E::TlsProtocolError
            | E::TlsAlertReceived(_)
            | E::DestinationIpProhibited
            | E::LoopDetected
    )
}

/// Retry transport errors, timeouts, 429 and 5xx except 501; split on 413;
/// never retry other statuses (3xx, other 4xx, past 599).
pub fn classify(attempt: Attempt<'_>) -> Decision {
    match attempt {
        Attempt::Answered { status, .. } if (200..300).contains(&status) => Decision::Accepted {
            not_204: status != 204,
        },
        Attempt::Answered { status: 413, .. } => Decision::Split,
        Attempt::Answered {
            status,
            retry_after_ms,
        } if status == 429 || ((500..600).contains(&status) && status != 501) => Decision::Retry {
            after_ms: retry_after_ms,
        },
        Attempt::Answered { .. } => Decision::GiveUp,
        Attempt::Failed(Error::Timeout(_)) => Decision::Retry { after_ms: None },
        Attempt::Failed(Error::Transport { code, .. }) if is_permanent(code) => Decision::GiveUp,
        Attempt::Failed(Error::Transport { .. }) => Decision::Retry { after_ms: None },
        Attempt::Failed(_) => Decision::GiveUp,
    }
}

/// The wait before retry number `retry` (1 for the first retry): doubling
/// from the minimum, capped at the maximum, then "equal jitter" (between
/// half and all of it) so a fleet of clients does not retry in step.
/// `unit` is a uniform random number in [0, 1).
pub fn backoff_ms(policy: &Retry, retry: u32, unit: f64) -> u64 {
    let exp = retry.saturating_sub(1).min(32);
    let base = policy.min_backoff_ms.saturating_mul(1 << exp);
    let capped = base.min(policy.max_backoff_ms);
    let half = capped / 2;
    half + ((capped - half) as f64 * unit.clamp(0.0, 1.0)) as u64
}

/// The wait before retry number `retry`: the backoff, or the receiver's
/// `Retry-After` when that is longer. A shorter one (0, a date in the past)
/// does not make the client retry at once, over and over.
pub fn wait_ms(policy: &Retry, retry: u32, unit: f64, retry_after_ms: Option<u64>) -> u64 {
    let backoff = backoff_ms(policy, retry, unit);
    retry_after_ms.map_or(backoff, |asked| asked.max(backoff))
}

/// The longest delay reported: 2^53 - 1 ms (285,000 years), the largest
/// integer every host reads exactly (a JavaScript `Number`), so that every
/// host, and `stats.last-error`, print the same value.
pub const MAX_RETRY_AFTER_MS: u64 = (1 << 53) - 1;

/// The delay a `Retry-After` value asks for, in milliseconds: either
/// delay-seconds or an HTTP date (relative to `now`). A date in the past
/// means "now" (0). `None` when the value is neither. Absurd values are
/// capped at [`MAX_RETRY_AFTER_MS`] rather than refused.
pub fn retry_after_ms(value: &str, now: SystemTime) -> Option<u64> {
    let value = value.trim();
    let ms = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = value.parse().unwrap_or(u64::MAX);
        secs.saturating_mul(1000)
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        let wait = at.duration_since(now).unwrap_or(Duration::ZERO);
        u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)
    };
    Some(ms.min(MAX_RETRY_AFTER_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport(code: ErrorCode) -> Error {
        Error::Transport { code, detail: None }
    }

    fn answered(status: u16) -> Decision {
        classify(Attempt::Answered {
            status,
            retry_after_ms: None,
        })
    }

    #[test]
    fn statuses() {
        assert_eq!(answered(204), Decision::Accepted { not_204: false });
        for s in [200, 201, 202, 260, 299] {
            assert_eq!(answered(s), Decision::Accepted { not_204: true }, "{s}");
        }
        for s in [429, 500, 502, 503, 504, 599] {
            assert_eq!(answered(s), Decision::Retry { after_ms: None }, "{s}");
        }
        assert_eq!(answered(413), Decision::Split);
        for s in [
            100, 301, 302, 307, 400, 401, 403, 404, 409, 422, 501, 600, 999,
        ] {
            assert_eq!(answered(s), Decision::GiveUp, "{s}");
        }
        let with_after = Attempt::Answered {
            status: 429,
            retry_after_ms: Some(1000),
        };
        assert_eq!(
            classify(with_after),
            Decision::Retry {
                after_ms: Some(1000)
            }
        );
    }

    #[test]
    fn failures() {
        let retry = Decision::Retry { after_ms: None };
        assert_eq!(classify(Attempt::Failed(&Error::Timeout(5))), retry);
        for code in [
            ErrorCode::ConnectionRefused,
            ErrorCode::ConnectionTerminated,
            ErrorCode::DnsError(wasi::http::types::DnsErrorPayload {
                rcode: None,
                info_code: None,
            }),
            ErrorCode::HttpProtocolError,
            ErrorCode::InternalError(None),
        ] {
            let name = crate::error::code_name(&code);
            assert_eq!(classify(Attempt::Failed(&transport(code))), retry, "{name}");
        }
        for code in [
            ErrorCode::TlsCertificateError,
            ErrorCode::TlsProtocolError,
            ErrorCode::HttpRequestDenied,
            ErrorCode::HttpRequestUriInvalid,
            ErrorCode::ConfigurationError,
        ] {
            let name = crate::error::code_name(&code);
            assert_eq!(
                classify(Attempt::Failed(&transport(code))),
                Decision::GiveUp,
                "{name}"
            );
        }
        let invalid = crate::error::invalid_event("x", "y");
        assert_eq!(classify(Attempt::Failed(&invalid)), Decision::GiveUp);
    }

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        let p = Retry::default(); // 500 ms .. 5 s
        assert_eq!(backoff_ms(&p, 1, 1.0), 500);
        assert_eq!(backoff_ms(&p, 1, 0.0), 250);
        assert_eq!(backoff_ms(&p, 2, 1.0), 1000);
        assert_eq!(backoff_ms(&p, 4, 1.0), 4000);
        assert_eq!(backoff_ms(&p, 5, 1.0), 5000);
        assert_eq!(backoff_ms(&p, 5, 0.0), 2500);
        assert_eq!(backoff_ms(&p, 1000, 0.5), 3750);
    }

    #[test]
    fn a_retry_after_waits_longer_never_shorter() {
        let p = Retry::default(); // 500 ms .. 5 s
        assert_eq!(wait_ms(&p, 1, 1.0, None), 500);
        assert_eq!(wait_ms(&p, 1, 1.0, Some(2000)), 2000);
        assert_eq!(wait_ms(&p, 1, 1.0, Some(0)), 500, "0 or a past date");
        assert_eq!(wait_ms(&p, 2, 1.0, Some(700)), 1000);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        // Sun, 06 Nov 1994 08:49:37 GMT
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(retry_after_ms("1", now), Some(1000));
        assert_eq!(retry_after_ms(" 120 ", now), Some(120_000));
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:39 GMT", now),
            Some(2000)
        );
        assert_eq!(
            retry_after_ms("Sunday, 06-Nov-94 08:49:39 GMT", now),
            Some(2000)
        );
        assert_eq!(retry_after_ms("Sun Nov  6 08:49:39 1994", now), Some(2000));
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:30 GMT", now),
            Some(0)
        );
        assert_eq!(retry_after_ms("soon", now), None);
        assert_eq!(retry_after_ms("-1", now), None);
        assert_eq!(retry_after_ms("", now), None);
        assert_eq!(
            retry_after_ms("99999999999999999999999", now),
            Some(MAX_RETRY_AFTER_MS)
        );
        assert_eq!(
            retry_after_ms("9300000000000000", now),
            Some(MAX_RETRY_AFTER_MS)
        );
    }
}
