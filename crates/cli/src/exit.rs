//! Exit codes, and the failure a command ends with (its code and its text,
//! the component's with what only the CLI can add). A hook script tells the
//! outcomes apart by these codes:
//!
//! | code | outcome |
//! | --- | --- |
//! | 0 | sent (or written) |
//! | 1 | other: the component could not be loaded, or trapped |
//! | 2 | invalid event or setting, or a usage error (clap's code too) |
//! | 3 | transport or storage failure |
//! | 4 | timeout |
//! | 5 | rejected by the receiver |
//! | 6 | not delivered, but spooled |

use runner_metrics_host::{Error, WitError};
use std::fmt;
use std::io::Write;

/// Why a command failed: its exit code, and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

pub const OTHER: u8 = 1;
pub const INVALID: u8 = 2;
pub const TRANSPORT_OR_STORAGE: u8 = 3;
pub const TIMEOUT: u8 = 4;
pub const REJECTED: u8 = 5;
pub const SPOOLED: u8 = 6;

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// An invalid event or setting, found before the component was asked.
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure::new(INVALID, message)
    }

    /// A file or directory the CLI itself could not use.
    pub fn storage(message: impl Into<String>) -> Failure {
        Failure::new(TRANSPORT_OR_STORAGE, message)
    }

    /// Anything else: the component could not be loaded or instantiated.
    pub fn other(message: impl Into<String>) -> Failure {
        Failure::new(OTHER, message)
    }
}

impl From<Error> for Failure {
    /// A call into the component that failed, with its text
    /// (docs/errors.md) as the message.
    fn from(e: Error) -> Failure {
        Failure::new(code(&e), describe(&e))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The component's text for `e`; for a storage failure, with what the CLI
/// finds wrong with the path when the component could not say
/// (`diagnose::storage_detail`).
pub fn describe(e: &Error) -> String {
    let text = e.to_string();
    match e.component() {
        #[cfg(unix)]
        Some(WitError::Storage(s)) => {
            match crate::diagnose::storage_detail(std::path::Path::new(&s.path), &s.detail) {
                // The text ends with the detail (docs/errors.md).
                Some(detail) => match text.strip_suffix(s.detail.as_str()) {
                    Some(head) => format!("{head}{detail}"),
                    None => text,
                },
                None => text,
            }
        }
        // The component points to its `auth` setting: say how this command sets it.
        Some(WitError::InvalidConfig(i))
            if i.field == "endpoint" && i.reason.ends_with("`auth`") =>
        {
            format!(
                "{text} (here: RUNNER_METRICS_BASIC_USER and RUNNER_METRICS_BASIC_PASSWORD, \
                 or RUNNER_METRICS_BEARER_TOKEN)"
            )
        }
        _ => text,
    }
}

/// The exit code of a failed call.
pub fn code(e: &Error) -> u8 {
    match e.component() {
        Some(WitError::InvalidEvent(_) | WitError::InvalidConfig(_)) => INVALID,
        Some(WitError::Transport(_) | WitError::Storage(_)) => TRANSPORT_OR_STORAGE,
        Some(WitError::Timeout(_)) => TIMEOUT,
        Some(WitError::Rejected(_)) => REJECTED,
        Some(WitError::Spooled(_)) => SPOOLED,
        None => OTHER,
    }
}

/// Print one line of `runner-metrics: ...` on stderr. A hook's stderr may be
/// a full disk, a closed pipe or a file past `ulimit -f`; the exit code must
/// still say what happened, so a failed write is ignored (`eprintln!` would
/// panic, and the process would exit 101).
pub fn say(line: fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "runner-metrics: {line}");
}
