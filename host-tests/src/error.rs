//! The host's one error type: the component's WIT `error`, or a trap.

use crate::bindings::WitError;
use std::fmt;

/// Why a call into the component failed.
#[derive(Debug)]
pub enum Error {
    /// The component returned its WIT `error` variant; the instance is fine.
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
            Error::Component(e) => describe(e, f),
            Error::Trap(e) => write!(f, "the component trapped: {e:#}"),
        }
    }
}

impl std::error::Error for Error {}

fn describe(e: &WitError, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match e {
        WitError::InvalidEvent(i) => write!(f, "invalid event: {}: {}", i.field, i.reason),
        WitError::InvalidConfig(i) => write!(f, "invalid config: {}: {}", i.field, i.reason),
        WitError::Transport(t) => match &t.detail {
            Some(d) => write!(f, "transport failure: {} ({d})", t.code),
            None => write!(f, "transport failure: {}", t.code),
        },
        WitError::Timeout(ms) => write!(f, "no answer within {ms} ms"),
        WitError::Storage(s) => write!(f, "storage failure: {}: {}", s.path, s.detail),
        WitError::Spooled(s) => write!(f, "{} events spooled after: {}", s.events, s.cause),
        WitError::Rejected(r) => {
            write!(f, "the receiver answered {}", r.status)?;
            if let Some(ms) = r.retry_after_ms {
                write!(f, " (retry after {ms} ms)")?;
            }
            if !r.body.is_empty() {
                write!(f, ": {}", r.body.trim_end())?;
            }
            Ok(())
        }
    }
}
