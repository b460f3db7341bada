//! Pushing one encoded body: attempts, backoff and the call's deadline.

use crate::Error;
use crate::config::Settings;
use crate::encode::BodyKind;
use crate::error::rejected;
use crate::retry::{self, Attempt, Decision};
use crate::stats::Counters;
use crate::transport::{self, Request};
use std::time::SystemTime;
use wasi::clocks::monotonic_clock;

/// Why a body was not delivered.
#[derive(Debug)]
pub enum Failure {
    /// The receiver refused the bytes for good (a 4xx other than 413 and
    /// 429, a 501): sending them again cannot succeed.
    Permanent(Error),
    /// The receiver could not be reached in a way retrying cannot fix (a
    /// denied host, a bad certificate). It never judged the bytes, so they are
    /// worth keeping until the operator fixes the path.
    Unreachable(Error),
    /// The receiver said 413: the body must be split.
    TooLarge(Error),
    /// Worth retrying, but attempts or the deadline ran out.
    Exhausted(Error),
}

/// The end of the current call, on the monotonic clock.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(u64);

impl Deadline {
    pub fn after_ms(ms: u32) -> Deadline {
        Deadline(monotonic_clock::now().saturating_add(u64::from(ms) * 1_000_000))
    }

    /// Milliseconds left, rounded down.
    pub fn remaining_ms(&self) -> u64 {
        self.0.saturating_sub(monotonic_clock::now()) / 1_000_000
    }
}

/// Push `body` with up to `max_attempts` attempts before `deadline`.
pub fn push(
    settings: &Settings,
    stats: &mut Counters,
    kind: BodyKind,
    body: &[u8],
    deadline: Deadline,
    max_attempts: u32,
) -> Result<(), Failure> {
    let mut headers: Vec<(&str, &[u8])> = vec![("content-type", kind.content_type.as_bytes())];
    if let Some(enc) = kind.content_encoding {
        headers.push(("content-encoding", enc.as_bytes()));
    }
    headers.extend(
        settings
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.0.as_slice())),
    );

    let mut attempt = 0;
    // The last attempt's error, reported when the deadline ends the call: an
    // attempt the deadline cut short says nothing about the receiver, while
    // the answer before it (a 503, a refusal) does.
    let mut last: Option<Error> = None;
    loop {
        attempt += 1;
        let remaining = deadline.remaining_ms();
        if remaining == 0 {
            // No attempt yet: earlier requests of the call used up its
            // deadline, so the deadline is the limit that was hit.
            let error = last.unwrap_or(Error::Timeout(settings.retry.deadline_ms));
            return Err(Failure::Exhausted(error));
        }
        let timeout_ms = u64::from(settings.timeout_ms).min(remaining) as u32;
        let cut_short = timeout_ms < settings.timeout_ms;
        stats.requests += 1;
        if attempt > 1 {
            stats.retries += 1;
        }
        let result = transport::send(&Request {
            endpoint: &settings.endpoint,
            headers: &headers,
            body,
            timeout_ms,
        });
        let (decision, error) = match &result {
            Ok(resp) => {
                let retry_after_ms = resp
                    .retry_after
                    .as_deref()
                    .and_then(|v| retry::retry_after_ms(v, SystemTime::now()));
                let decision = retry::classify(Attempt::Answered {
                    status: resp.status,
                    retry_after_ms,
                });
                (decision, rejected(resp.status, &resp.body, retry_after_ms))
            }
            Err(e) => (retry::classify(Attempt::Failed(e)), e.clone()),
        };
        if cut_short
            && matches!(error, Error::Timeout(_))
            && let Some(previous) = last.take()
        {
            return Err(Failure::Exhausted(previous));
        }
        let after_ms = match decision {
            Decision::Accepted { not_204 } => {
                stats.accepted_not_204 += u64::from(not_204);
                return Ok(());
            }
            Decision::Split => return Err(Failure::TooLarge(error)),
            Decision::GiveUp if result.is_err() => return Err(Failure::Unreachable(error)),
            Decision::GiveUp => return Err(Failure::Permanent(error)),
            Decision::Retry { after_ms } => after_ms,
        };
        if attempt >= max_attempts {
            return Err(Failure::Exhausted(error));
        }
        let wait =
            after_ms.unwrap_or_else(|| retry::backoff_ms(&settings.retry, attempt, random_unit()));
        // No sleep, and no attempt, past the deadline: a `Retry-After`
        // beyond it ends the call now rather than at the deadline.
        if wait >= deadline.remaining_ms() {
            return Err(Failure::Exhausted(error));
        }
        last = Some(error);
        monotonic_clock::subscribe_duration(wait * 1_000_000).block();
    }
}

/// A uniform number in [0, 1) for jitter.
fn random_unit() -> f64 {
    (wasi::random::insecure::get_insecure_random_u64() >> 11) as f64 / (1u64 << 53) as f64
}
