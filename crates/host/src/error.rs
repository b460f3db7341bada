//! The host's one error type: the component's WIT `error`, or a trap; and
//! the text of each WIT error case, worded exactly as the component words it
//! in `stats.last-error` (and as the Python and JavaScript hosts do).

use crate::WitError;
use std::fmt;

/// Why a call into the component failed.
#[derive(Debug)]
pub enum Error {
    /// The component returned its WIT `error`; the instance is fine.
    Component(WitError),
    /// The call trapped or could not be made. The instance must be dropped;
    /// [`crate::MetricsHost::instantiate`] makes a fresh one cheaply.
    Trap(wasmtime::Error),
}

impl Error {
    /// The WIT error, when that is what this is.
    pub fn component(&self) -> Option<&WitError> {
        match self {
            Error::Component(e) => Some(e),
            Error::Trap(_) => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Component(e) => f.write_str(&describe(e)),
            Error::Trap(e) => write!(f, "the component trapped: {e:#}"),
        }
    }
}

impl std::error::Error for Error {}

/// The text of a WIT error (docs/errors.md in the repository).
pub fn describe(e: &WitError) -> String {
    match e {
        WitError::InvalidEvent(i) => format!("invalid event: {}: {}", i.field, i.reason),
        WitError::InvalidConfig(i) => format!("invalid config: {}: {}", i.field, i.reason),
        WitError::Transport(t) => match &t.detail {
            Some(d) => format!("transport failure: {} ({d})", t.code),
            None => format!("transport failure: {}", t.code),
        },
        WitError::Timeout(ms) => format!("no answer within {ms} ms"),
        WitError::Rejected(r) => {
            let mut text = format!("the receiver answered {}", r.status);
            if let Some(ms) = r.retry_after_ms {
                text.push_str(&format!(" (retry after {ms} ms)"));
            }
            let body = r.body.trim_end();
            if !body.is_empty() {
                text.push_str(": ");
                text.push_str(body);
            }
            text
        }
        WitError::Storage(s) => format!("storage failure: {}: {}", s.path, s.detail),
        WitError::Spooled(s) => format!("{} events spooled after: {}", s.events, s.cause),
    }
}
