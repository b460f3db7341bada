//! The host-side client config: every field of the WIT `config` with its
//! default, and a `Debug` that never shows a credential or header value.

use crate::bindings::exports::github_runner::metrics::promtail as wit;
use std::fmt;
pub use wit::{Encoding, RetryPolicy, SpoolConfig};

/// Credentials; their `Debug` shows no secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    Basic { user: String, password: String },
    Bearer(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Basic { user, .. } => {
                write!(f, "Basic {{ user: {user:?}, password: <redacted> }}")
            }
            Auth::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// Where lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    Push,
    /// A file in a directory the host preopened (guest path).
    File(String),
}

/// A client config. `ClientConfig::new(endpoint)` or `Default` (Promtail's
/// endpoint), then set what differs. See `wit/promtail.wit` for each field.
#[derive(Clone, Default)]
pub struct ClientConfig {
    pub endpoint: Option<String>,
    pub labels: Vec<(String, String)>,
    pub timeout_ms: Option<u32>,
    pub encoding: Option<Encoding>,
    pub tenant: Option<String>,
    pub auth: Option<Auth>,
    pub headers: Vec<(String, String)>,
    pub structured_metadata: Vec<(String, String)>,
    pub use_event_timestamp: bool,
    pub batch_max_events: Option<u32>,
    pub batch_max_bytes: Option<u32>,
    pub retry: Option<RetryPolicy>,
    pub sink: Option<Sink>,
    pub spool: Option<SpoolConfig>,
}

impl ClientConfig {
    pub fn new(endpoint: impl Into<String>) -> ClientConfig {
        ClientConfig {
            endpoint: Some(endpoint.into()),
            ..ClientConfig::default()
        }
    }

    /// No retries: one attempt per request.
    pub fn single_attempt(mut self) -> ClientConfig {
        self.retry = Some(RetryPolicy {
            max_attempts: Some(1),
            min_backoff_ms: None,
            max_backoff_ms: None,
            deadline_ms: None,
        });
        self
    }

    /// The WIT record.
    pub(crate) fn to_wit(&self) -> wit::Config {
        wit::Config {
            endpoint: self.endpoint.clone(),
            labels: self.labels.clone(),
            timeout_ms: self.timeout_ms,
            encoding: self.encoding,
            tenant: self.tenant.clone(),
            auth: self.auth.as_ref().map(|a| match a {
                Auth::Basic { user, password } => wit::Auth::Basic(wit::BasicAuth {
                    user: user.clone(),
                    password: password.clone(),
                }),
                Auth::Bearer(t) => wit::Auth::Bearer(t.clone()),
            }),
            headers: self.headers.clone(),
            structured_metadata: self.structured_metadata.clone(),
            use_event_timestamp: self.use_event_timestamp,
            batch_max_events: self.batch_max_events,
            batch_max_bytes: self.batch_max_bytes,
            retry: self.retry,
            sink: self.sink.as_ref().map(|s| match s {
                Sink::Push => wit::Sink::Push,
                Sink::File(p) => wit::Sink::File(p.clone()),
            }),
            spool: self.spool.clone(),
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, _)| (n.as_str(), "<redacted>"))
            .collect();
        f.debug_struct("ClientConfig")
            .field("endpoint", &self.endpoint)
            .field("labels", &self.labels)
            .field("timeout_ms", &self.timeout_ms)
            .field("encoding", &self.encoding)
            .field("tenant", &self.tenant)
            .field("auth", &self.auth)
            .field("headers", &headers)
            .field("structured_metadata", &self.structured_metadata)
            .field("use_event_timestamp", &self.use_event_timestamp)
            .field("batch_max_events", &self.batch_max_events)
            .field("batch_max_bytes", &self.batch_max_bytes)
            .field("retry", &self.retry)
            .field("sink", &self.sink)
            .field("spool", &self.spool)
            .finish()
    }
}
