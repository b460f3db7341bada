//! Pushing one encoded body: the attempt loop, its backoff, and the call's
//! deadline. What counts as success, failure or "try again" is `retry`'s.

use crate::Encoding;
use crate::counters::Counters;
use crate::deliver::clock::{Clock, Deadline};
use crate::deliver::retry::{self, Attempt, Decision};
use crate::deliver::transport::{Request, Transport};
use crate::encode;
use crate::error::Error;
use crate::redact::Secrets;
use crate::settings::Settings;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// The most of an answer's body an error keeps.
const BODY_PREFIX: usize = 1024;

/// One body and what it carries.
pub struct Body<'a> {
    pub bytes: &'a [u8],
    pub encoding: Encoding,
    /// Events in it, counted as sent when it is accepted.
    pub events: u64,
}

/// What the attempt loop works with: the client's settings and counters,
/// the way out, and the time.
pub struct Exchange<'a> {
    pub settings: &'a Settings,
    pub counters: &'a mut Counters,
    pub transport: &'a mut dyn Transport,
    pub clock: &'a dyn Clock,
}

/// Push `body` with up to `settings.retry.max_attempts` attempts before
/// `call` (the call's deadline) passes; each attempt gets `timeout-ms`, or
/// what is left of `call` if less.
pub fn push(x: &mut Exchange<'_>, body: &Body<'_>, call: Deadline) -> Result<(), Failure> {
    let Exchange {
        settings,
        counters,
        transport,
        clock,
    } = x;
    let (settings, clock) = (*settings, *clock);
    let length = itoa::Buffer::new().format(body.bytes.len()).to_string();
    let mut headers: Vec<(&str, &[u8])> = Vec::with_capacity(3 + settings.headers.len());
    headers.push((
        "content-type",
        encode::content_type(body.encoding).as_bytes(),
    ));
    if let Some(enc) = encode::content_encoding(body.encoding) {
        headers.push(("content-encoding", enc.as_bytes()));
    }
    // The body is complete before it is sent: say how long it is, so that no
    // receiver or proxy has to take a chunked upload.
    headers.push(("content-length", length.as_bytes()));
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
        let Some(deadline) = call.within(clock, settings.timeout_ms) else {
            // Earlier requests of the call used up its deadline, so the
            // call's deadline is the limit that was hit.
            return Err(Failure::Exhausted(last.unwrap_or_else(|| call.timeout())));
        };
        let cut_short = deadline.ends_with(&call);
        counters.attempt(attempt > 1);
        let result = transport.send(&Request {
            endpoint: &settings.endpoint,
            headers: &headers,
            body: body.bytes,
            deadline,
        });
        let (decision, error) = match result {
            Ok(resp) => {
                let retry_after_ms = resp
                    .retry_after
                    .as_deref()
                    .and_then(|v| retry::retry_after_ms(v, wall_now(clock)));
                let decision = retry::classify(Attempt::Answered {
                    status: resp.status,
                    retry_after_ms,
                });
                if let Decision::Accepted { .. } = decision {
                    counters.accepted(body.events, body.bytes.len() as u64, resp.status);
                    return Ok(());
                }
                let error = rejection(resp.status, &resp.body, retry_after_ms, &settings.secrets);
                (decision, error)
            }
            Err(e) => (retry::classify(Attempt::Failed(&e)), redact(settings, e)),
        };
        if cut_short
            && matches!(error, Error::Timeout(_))
            && let Some(previous) = last.take()
        {
            return Err(Failure::Exhausted(previous));
        }
        let after_ms = match decision {
            // Counted and returned where the answer was read.
            Decision::Accepted { .. } => return Ok(()),
            Decision::Split => return Err(Failure::TooLarge(error)),
            Decision::GiveUp if matches!(error, Error::Rejected { .. }) => {
                return Err(Failure::Permanent(error));
            }
            Decision::GiveUp => return Err(Failure::Unreachable(error)),
            Decision::Retry { after_ms } => after_ms,
        };
        if attempt >= settings.retry.max_attempts {
            return Err(Failure::Exhausted(error));
        }
        let wait = retry::wait_ms(&settings.retry, attempt, clock.jitter(), after_ms);
        // No sleep, and no attempt, past the deadline: a `Retry-After`
        // beyond it ends the call now rather than at the deadline.
        if wait >= call.remaining_ms(clock) {
            return Err(Failure::Exhausted(error));
        }
        last = Some(error);
        clock.sleep_ms(wait);
    }
}

/// The error of a non-2xx answer: its status, the first KiB of its body
/// (lossy UTF-8) with the configured secrets removed, and its `Retry-After`.
pub fn rejection(
    status: u16,
    body: &[u8],
    retry_after_ms: Option<u64>,
    secrets: &Secrets,
) -> Error {
    // Redact before cutting: a secret across the cut would leave its first
    // part in the text.
    let text = secrets.redact(&String::from_utf8_lossy(body));
    let mut end = text.len().min(BODY_PREFIX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Error::Rejected {
        status,
        body: text[..end].to_string(),
        retry_after_ms,
    }
}

/// A transport failure's detail with the configured secrets removed (a host
/// may quote what it was sent).
fn redact(settings: &Settings, e: Error) -> Error {
    match e {
        Error::Transport {
            code,
            detail: Some(d),
        } if !settings.secrets.is_empty() => Error::Transport {
            code,
            detail: Some(settings.secrets.redact(&d)),
        },
        other => other,
    }
}

/// The wall clock as `SystemTime`, to read a `Retry-After` date against.
fn wall_now(clock: &dyn Clock) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(clock.wall_ns())
}
