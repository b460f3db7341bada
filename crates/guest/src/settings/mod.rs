//! A client's settings: the `options` resource's state ([`Options`]), each
//! value checked as it is set, and the [`Settings`] a client is made from,
//! where settings that only make sense together are checked.
//!
//! The defaults are the WIT's (`wit/promtail.wit`, `resource options`); the
//! constants in [`defaults`] restate them for the code, and a test pins each
//! by behaviour.

pub mod endpoint;
pub mod headers;
pub mod labels;

use crate::Encoding;
use crate::bindings::exports::github_runner::metrics::promtail::Auth;
use crate::error::{Error, invalid_config};
use crate::redact::Secrets;
pub use endpoint::{Endpoint, Scheme};
pub use headers::Secret;

/// The defaults the WIT states.
pub mod defaults {
    /// Promtail's `loki_push_api` default, as the Python original used.
    pub const ENDPOINT: &str = "http://localhost:3100/loki/api/v1/push";
    /// The Python original's `requests.post(..., timeout=5)`.
    pub const TIMEOUT_MS: u64 = 5_000;
    pub const BATCH_MAX_EVENTS: u32 = 1;
    /// Promtail's `batchsize`.
    pub const BATCH_MAX_BYTES: u32 = 1024 * 1024;
    /// Loki's default `max_line_size`.
    pub const MAX_LINE_BYTES: u32 = 256 * 1024;
    pub const MAX_ATTEMPTS: u32 = 10;
    pub const MIN_BACKOFF_MS: u64 = 500;
    pub const MAX_BACKOFF_MS: u64 = 5_000;
    pub const DEADLINE_MS: u64 = 30_000;
    pub const SPOOL_MAX_BYTES: u64 = 64 * 1024 * 1024;
    pub const SPOOL_MAX_AGE_MS: u64 = 24 * 3600 * 1000;
}

/// The retry policy, with its defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub max_attempts: u32,
    pub min_backoff_ms: u64,
    pub max_backoff_ms: u64,
    pub deadline_ms: u64,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            max_attempts: defaults::MAX_ATTEMPTS,
            min_backoff_ms: defaults::MIN_BACKOFF_MS,
            max_backoff_ms: defaults::MAX_BACKOFF_MS,
            deadline_ms: defaults::DEADLINE_MS,
        }
    }
}

/// Where a spool lives and how big it may get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolSettings {
    pub dir: String,
    pub max_bytes: u64,
    pub max_age_ms: u64,
}

/// What a client is made from: every setting checked, defaults filled in.
#[derive(Debug, Clone)]
pub struct Settings {
    pub endpoint: Endpoint,
    /// Stream labels without `event`: `job` first, then the static ones.
    pub labels: Vec<(String, String)>,
    pub timeout_ms: u64,
    pub encoding: Encoding,
    /// Tenant, authorization and extra headers, lower-case names.
    pub headers: Vec<(String, Secret)>,
    pub metadata: Vec<(String, String)>,
    pub use_event_timestamp: bool,
    pub batch_max_events: u32,
    pub batch_max_bytes: u32,
    pub max_line_bytes: u32,
    pub retry: Retry,
    pub spool: Option<SpoolSettings>,
    /// Everything that must never appear in text the component returns.
    pub secrets: Secrets,
}

/// The state of an `options` resource: what has been set so far.
#[derive(Debug, Clone)]
pub struct Options {
    endpoint: Endpoint,
    labels: Vec<(String, String)>,
    timeout_ms: u64,
    encoding: Encoding,
    tenant: Option<Secret>,
    auth: Option<(Secret, Secrets)>,
    headers: Vec<(String, Secret)>,
    metadata: Vec<(String, String)>,
    use_event_timestamp: bool,
    batch_max_events: u32,
    batch_max_bytes: u32,
    max_line_bytes: u32,
    retry: Retry,
    /// Whether `max-backoff-ms` was set: a conflict with `min-backoff-ms`
    /// blames the one the caller wrote.
    max_backoff_set: bool,
    spool_dir: Option<String>,
    spool_max_bytes: Option<u64>,
    spool_max_age_ms: Option<u64>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            endpoint: endpoint::parse(defaults::ENDPOINT).expect("the default endpoint parses"),
            labels: labels::stream_labels(&[]).unwrap_or_default(),
            timeout_ms: defaults::TIMEOUT_MS,
            encoding: Encoding::Json,
            tenant: None,
            auth: None,
            headers: Vec::new(),
            metadata: Vec::new(),
            use_event_timestamp: false,
            batch_max_events: defaults::BATCH_MAX_EVENTS,
            batch_max_bytes: defaults::BATCH_MAX_BYTES,
            max_line_bytes: defaults::MAX_LINE_BYTES,
            retry: Retry::default(),
            max_backoff_set: false,
            spool_dir: None,
            spool_max_bytes: None,
            spool_max_age_ms: None,
        }
    }
}

/// The setters: each checks its value, names the setting in its error, and
/// changes nothing when it refuses.
impl Options {
    pub fn set_endpoint(&mut self, url: &str) -> Result<(), Error> {
        self.endpoint = endpoint::parse(url)?;
        Ok(())
    }

    pub fn set_labels(&mut self, given: &[(String, String)]) -> Result<(), Error> {
        self.labels = labels::stream_labels(given)?;
        Ok(())
    }

    pub fn set_timeout_ms(&mut self, ms: i64) -> Result<(), Error> {
        self.timeout_ms = range("timeout-ms", ms, 1, 600_000)?;
        Ok(())
    }

    pub fn set_encoding(&mut self, encoding: Encoding) -> Result<(), Error> {
        self.encoding = encoding;
        Ok(())
    }

    pub fn set_tenant(&mut self, tenant: &str) -> Result<(), Error> {
        self.tenant = Some(headers::tenant(tenant)?);
        Ok(())
    }

    pub fn set_auth(&mut self, auth: &Auth) -> Result<(), Error> {
        let (value, shown) = headers::authorization(auth)?;
        let mut secrets = Secrets::default();
        for s in &shown {
            secrets.add(s);
        }
        self.auth = Some((value, secrets));
        Ok(())
    }

    pub fn set_headers(&mut self, given: &[(String, String)]) -> Result<(), Error> {
        self.headers = headers::extra(given)?;
        Ok(())
    }

    pub fn set_structured_metadata(&mut self, pairs: &[(String, String)]) -> Result<(), Error> {
        if let Err((at, why)) = labels::metadata(&[], pairs) {
            return Err(invalid_config(format!("structured-metadata{at}"), why));
        }
        self.metadata = pairs.to_vec();
        Ok(())
    }

    pub fn set_use_event_timestamp(&mut self, enabled: bool) -> Result<(), Error> {
        self.use_event_timestamp = enabled;
        Ok(())
    }

    pub fn set_batch_max_events(&mut self, count: i64) -> Result<(), Error> {
        self.batch_max_events = range("batch-max-events", count, 1, 1_000_000)? as u32;
        Ok(())
    }

    pub fn set_batch_max_bytes(&mut self, bytes: i64) -> Result<(), Error> {
        self.batch_max_bytes = range("batch-max-bytes", bytes, 1024, 100 << 20)? as u32;
        Ok(())
    }

    pub fn set_max_line_bytes(&mut self, bytes: i64) -> Result<(), Error> {
        self.max_line_bytes = range("max-line-bytes", bytes, 1024, 100 << 20)? as u32;
        Ok(())
    }

    pub fn set_max_attempts(&mut self, count: i64) -> Result<(), Error> {
        self.retry.max_attempts = range("max-attempts", count, 1, 1000)? as u32;
        Ok(())
    }

    pub fn set_min_backoff_ms(&mut self, ms: i64) -> Result<(), Error> {
        self.retry.min_backoff_ms = range("min-backoff-ms", ms, 1, 3_600_000)?;
        Ok(())
    }

    pub fn set_max_backoff_ms(&mut self, ms: i64) -> Result<(), Error> {
        self.retry.max_backoff_ms = range("max-backoff-ms", ms, 1, 3_600_000)?;
        self.max_backoff_set = true;
        Ok(())
    }

    pub fn set_deadline_ms(&mut self, ms: i64) -> Result<(), Error> {
        self.retry.deadline_ms = range("deadline-ms", ms, 1, 86_400_000)?;
        Ok(())
    }

    pub fn set_spool(&mut self, dir: &str) -> Result<(), Error> {
        if dir.is_empty() {
            return Err(invalid_config("spool", "the directory is empty"));
        }
        if dir.chars().any(char::is_control) {
            return Err(invalid_config(
                "spool",
                "the directory contains control characters",
            ));
        }
        self.spool_dir = Some(dir.to_string());
        Ok(())
    }

    pub fn set_spool_max_bytes(&mut self, bytes: i64) -> Result<(), Error> {
        self.spool_max_bytes = Some(range("spool-max-bytes", bytes, 65_536, i64::MAX)?);
        Ok(())
    }

    pub fn set_spool_max_age_ms(&mut self, ms: i64) -> Result<(), Error> {
        self.spool_max_age_ms = Some(range("spool-max-age-ms", ms, 1, i64::MAX)?);
        Ok(())
    }

    /// The settings of a client: the checks that involve more than one
    /// setting happen here.
    pub fn settings(&self) -> Result<Settings, Error> {
        let (min, max) = (self.retry.min_backoff_ms, self.retry.max_backoff_ms);
        if max < min {
            return Err(if self.max_backoff_set {
                invalid_config(
                    "max-backoff-ms",
                    format!("{max} is below `min-backoff-ms` ({min})"),
                )
            } else {
                invalid_config(
                    "min-backoff-ms",
                    format!("{min} is above `max-backoff-ms` ({max}, its default)"),
                )
            });
        }
        let spool = match &self.spool_dir {
            Some(dir) => Some(SpoolSettings {
                dir: dir.clone(),
                max_bytes: self.spool_max_bytes.unwrap_or(defaults::SPOOL_MAX_BYTES),
                max_age_ms: self.spool_max_age_ms.unwrap_or(defaults::SPOOL_MAX_AGE_MS),
            }),
            None => {
                for (set, name) in [
                    (self.spool_max_bytes.is_some(), "spool-max-bytes"),
                    (self.spool_max_age_ms.is_some(), "spool-max-age-ms"),
                ] {
                    if set {
                        return Err(invalid_config(
                            name,
                            "bounds a spool, but no spool directory is set (`spool`)",
                        ));
                    }
                }
                None
            }
        };
        let mut secrets = Secrets::default();
        let tenant: Vec<_> = (self.tenant.iter())
            .map(|t| ("x-scope-orgid".to_string(), t.clone()))
            .collect();
        let auth: Vec<_> = (self.auth.iter())
            .map(|(value, shown)| {
                secrets = shown.clone();
                ("authorization".to_string(), value.clone())
            })
            .collect();
        for (_, value) in &self.headers {
            secrets.add(&String::from_utf8_lossy(&value.0));
        }
        for value in self.endpoint.query_values() {
            secrets.add(&value);
        }
        let parts = [
            ("tenant", &tenant[..]),
            ("auth", &auth[..]),
            ("headers", &self.headers[..]),
        ];
        headers::check_total(&parts)?;
        let headers = [tenant, auth, self.headers.clone()].concat();
        Ok(Settings {
            endpoint: self.endpoint.clone(),
            labels: self.labels.clone(),
            timeout_ms: self.timeout_ms,
            encoding: self.encoding,
            headers,
            metadata: self.metadata.clone(),
            use_event_timestamp: self.use_event_timestamp,
            batch_max_events: self.batch_max_events,
            batch_max_bytes: self.batch_max_bytes,
            max_line_bytes: self.max_line_bytes,
            retry: self.retry,
            spool,
            secrets,
        })
    }
}

impl Settings {
    /// The tenant, when one is set.
    pub fn tenant(&self) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(name, _)| name == "x-scope-orgid")
            .map(|(_, value)| value.0.as_slice())
    }

    /// What `issue-event` uses: every default, and one attempt, as the
    /// Python original's `issue_event`.
    pub fn module_defaults() -> Settings {
        let mut options = Options::default();
        options.retry.max_attempts = 1;
        options.settings().expect("the defaults are consistent")
    }
}

/// `value` if it is in `min..=max` (as the unsigned it is stored as).
fn range(setting: &str, value: i64, min: i64, max: i64) -> Result<u64, Error> {
    if (min..=max).contains(&value) {
        Ok(value as u64)
    } else {
        Err(invalid_config(
            setting,
            format!("must be {min} to {max}, got {value}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_query_values_are_secrets() {
        let mut o = Options::default();
        o.set_endpoint("http://h/x?token=QRYsecret55&tag=ab%2Fcd&flag&n=1")
            .unwrap();
        let s = o.settings().unwrap();
        // A bare key and a value too short for a credential are not secrets.
        let echo = "QRYsecret55 ab/cd ab%2Fcd flag n=1";
        assert_eq!(
            s.secrets.redact(echo),
            "<redacted> <redacted> <redacted> flag n=1"
        );
    }

    #[test]
    fn a_refused_value_changes_nothing() {
        let mut o = Options::default();
        o.set_timeout_ms(1234).unwrap();
        let Err(Error::InvalidConfig(e)) = o.set_timeout_ms(0) else {
            panic!("0 refused")
        };
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("timeout-ms", "must be 1 to 600000, got 0")
        );
        assert_eq!(o.settings().unwrap().timeout_ms, 1234);
    }

    #[test]
    fn settings_that_only_make_sense_together() {
        let mut o = Options::default();
        o.set_spool_max_bytes(1 << 20).unwrap();
        let Err(Error::InvalidConfig(e)) = o.settings() else {
            panic!("a spool bound without a spool is refused")
        };
        assert_eq!(e.field, "spool-max-bytes");
        o.set_spool("/spool").unwrap();
        assert_eq!(o.settings().unwrap().spool.unwrap().max_bytes, 1 << 20);

        let mut o = Options::default();
        o.set_min_backoff_ms(2000).unwrap();
        o.set_max_backoff_ms(1000).unwrap();
        let Err(Error::InvalidConfig(e)) = o.settings() else {
            panic!("max below min is refused")
        };
        assert_eq!(e.field, "max-backoff-ms");
    }

    #[test]
    fn headers_are_bounded_together() {
        let mut o = Options::default();
        o.set_headers(&[("x-big".into(), "v".repeat(headers::MAX_HEADER_BYTES - 5))])
            .unwrap();
        assert!(o.settings().is_ok());
        o.set_tenant("t").unwrap();
        let Err(Error::InvalidConfig(e)) = o.settings() else {
            panic!("over the bound")
        };
        assert_eq!(e.field, "headers");
        // The setting that adds the most is named: here the token.
        let mut o = Options::default();
        let token = "T".repeat(headers::MAX_HEADER_BYTES);
        o.set_auth(&Auth::Bearer(token)).unwrap();
        let Err(Error::InvalidConfig(e)) = o.settings() else {
            panic!("over the bound")
        };
        assert_eq!(e.field, "auth");
        assert!(!e.reason.contains("TTTT"), "{}", e.reason);
    }

    #[test]
    fn a_basic_user_must_not_be_empty() {
        let mut o = Options::default();
        let auth = Auth::Basic(
            crate::bindings::exports::github_runner::metrics::promtail::BasicAuth {
                user: String::new(),
                password: String::new(),
            },
        );
        let Err(Error::InvalidConfig(e)) = o.set_auth(&auth) else {
            panic!("refused")
        };
        assert_eq!((&*e.field, &*e.reason), ("auth.basic.user", "is empty"));
    }
}
