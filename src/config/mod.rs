//! Client configuration: defaults, and validation at construction so that a
//! bad config never surfaces later as a send-time failure.

mod endpoint;
mod headers;
mod labels;

pub use endpoint::{Endpoint, Scheme, parse_endpoint};
pub use headers::Secret;
pub use labels::metadata as check_metadata;

use crate::Error;
use crate::bindings::exports::github_runner::metrics::promtail::{
    Config, Encoding, RetryPolicy, Sink, SpoolConfig,
};
use crate::error::invalid_config;

/// Promtail's `loki_push_api` default, as the Python original used.
pub const DEFAULT_ENDPOINT: &str = "http://localhost:3100/loki/api/v1/push";
/// The Python original's `requests.post(..., timeout=5)`.
pub const DEFAULT_TIMEOUT_MS: u32 = 5_000;
/// wasmtime's own default is 600 s; more than that is surely a mistake.
pub const MAX_TIMEOUT_MS: u32 = 600_000;
/// Promtail's `batchsize`.
pub const DEFAULT_BATCH_MAX_BYTES: u32 = 1024 * 1024;
pub const DEFAULT_SPOOL_MAX_BYTES: u64 = 64 * 1024 * 1024;
pub const DEFAULT_SPOOL_MAX_AGE_MS: u64 = 24 * 3600 * 1000;

/// Retry settings with defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub max_attempts: u32,
    pub min_backoff_ms: u32,
    pub max_backoff_ms: u32,
    pub deadline_ms: u32,
}

impl Retry {
    pub const DEFAULT: Retry = Retry {
        max_attempts: 10,
        min_backoff_ms: 500,
        max_backoff_ms: 5_000,
        deadline_ms: 30_000,
    };
}

/// Where a validated spool lives and how big it may get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolSettings {
    pub dir: String,
    pub max_bytes: u64,
    pub max_age_ms: u64,
}

/// A validated config with its defaults filled in.
#[derive(Debug, Clone)]
pub struct Settings {
    pub endpoint: Endpoint,
    /// Stream labels without `event`: `job` first, then the static ones.
    pub labels: Vec<(String, String)>,
    pub timeout_ms: u32,
    pub encoding: Encoding,
    /// Tenant, authorization and extra headers, lower-case names.
    pub headers: Vec<(String, Secret)>,
    pub metadata: Vec<(String, String)>,
    pub use_event_timestamp: bool,
    pub batch_max_events: u32,
    pub batch_max_bytes: u32,
    pub retry: Retry,
    /// `None`: push. `Some(path)`: append to that file.
    pub file_sink: Option<String>,
    pub spool: Option<SpoolSettings>,
}

impl Settings {
    /// The module-level functions: every default, and one attempt, as the
    /// Python original's `issue_event`.
    pub fn module_defaults() -> Result<Settings, Error> {
        let mut s = Settings::new(empty_config())?;
        s.retry.max_attempts = 1;
        Ok(s)
    }

    pub fn new(config: Config) -> Result<Settings, Error> {
        let endpoint = parse_endpoint(config.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT))?;
        let timeout_ms = config.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        range("timeout_ms", timeout_ms.into(), 1, MAX_TIMEOUT_MS.into())?;
        if let Err((at, why)) = check_metadata(&config.structured_metadata) {
            return Err(invalid_config(format!("structured_metadata{at}"), why));
        }
        let batch_max_events = config.batch_max_events.unwrap_or(1);
        range("batch_max_events", batch_max_events.into(), 1, 1_000_000)?;
        let batch_max_bytes = config.batch_max_bytes.unwrap_or(DEFAULT_BATCH_MAX_BYTES);
        range(
            "batch_max_bytes",
            batch_max_bytes.into(),
            1024,
            100 * 1024 * 1024,
        )?;
        let file_sink = match config.sink {
            None | Some(Sink::Push) => None,
            Some(Sink::File(path)) if path.is_empty() => {
                return Err(invalid_config("sink.file", "the path is empty"));
            }
            Some(Sink::File(path)) => Some(path),
        };
        Ok(Settings {
            endpoint,
            labels: labels::stream_labels(config.labels)?,
            timeout_ms,
            encoding: config.encoding.unwrap_or(Encoding::Json),
            headers: headers::build(config.tenant, config.auth, config.headers)?,
            metadata: config.structured_metadata,
            use_event_timestamp: config.use_event_timestamp,
            batch_max_events,
            batch_max_bytes,
            retry: retry(config.retry)?,
            file_sink,
            spool: config.spool.map(spool).transpose()?,
        })
    }
}

fn empty_config() -> Config {
    Config {
        endpoint: None,
        labels: Vec::new(),
        timeout_ms: None,
        encoding: None,
        tenant: None,
        auth: None,
        headers: Vec::new(),
        structured_metadata: Vec::new(),
        use_event_timestamp: false,
        batch_max_events: None,
        batch_max_bytes: None,
        retry: None,
        sink: None,
        spool: None,
    }
}

fn retry(policy: Option<RetryPolicy>) -> Result<Retry, Error> {
    let d = Retry::DEFAULT;
    let Some(p) = policy else { return Ok(d) };
    let r = Retry {
        max_attempts: p.max_attempts.unwrap_or(d.max_attempts),
        min_backoff_ms: p.min_backoff_ms.unwrap_or(d.min_backoff_ms),
        max_backoff_ms: p.max_backoff_ms.unwrap_or(d.max_backoff_ms),
        deadline_ms: p.deadline_ms.unwrap_or(d.deadline_ms),
    };
    range("retry.max_attempts", r.max_attempts.into(), 1, 1000)?;
    range(
        "retry.min_backoff_ms",
        r.min_backoff_ms.into(),
        1,
        3_600_000,
    )?;
    range(
        "retry.max_backoff_ms",
        r.max_backoff_ms.into(),
        r.min_backoff_ms.into(),
        3_600_000,
    )?;
    range("retry.deadline_ms", r.deadline_ms.into(), 1, 86_400_000)?;
    Ok(r)
}

fn spool(c: SpoolConfig) -> Result<SpoolSettings, Error> {
    if c.dir.is_empty() {
        return Err(invalid_config("spool.dir", "the directory is empty"));
    }
    let s = SpoolSettings {
        dir: c.dir,
        max_bytes: c.max_bytes.unwrap_or(DEFAULT_SPOOL_MAX_BYTES),
        max_age_ms: c.max_age_ms.unwrap_or(DEFAULT_SPOOL_MAX_AGE_MS),
    };
    range("spool.max_bytes", s.max_bytes, 1024, u64::MAX)?;
    range("spool.max_age_ms", s.max_age_ms, 1, u64::MAX)?;
    Ok(s)
}

fn range(field: &str, value: u64, min: u64, max: u64) -> Result<(), Error> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(invalid_config(
            field,
            format!("must be {min} to {max}, got {value}"),
        ))
    }
}
