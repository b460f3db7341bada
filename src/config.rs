//! Client configuration: defaults, and validation at construction so that a
//! bad config never surfaces later as a send-time failure.

use crate::Config;
use crate::Error;
use crate::error::invalid_config;

/// Promtail's `loki_push_api` default, as the Python original used.
pub const DEFAULT_ENDPOINT: &str = "http://localhost:3100/loki/api/v1/push";
/// The Python original's `requests.post(..., timeout=5)`.
pub const DEFAULT_TIMEOUT_MS: u32 = 5_000;
/// wasmtime's own default is 600 s; more than that is surely a mistake.
pub const MAX_TIMEOUT_MS: u32 = 600_000;
/// The default `job` label value.
pub const DEFAULT_JOB: &str = "metrics";
/// Loki's `max_label_names_per_series` default.
pub const MAX_LABELS_PER_STREAM: usize = 15;
/// Loki's `max_label_name_length` default.
pub const MAX_LABEL_NAME_LEN: usize = 1024;
/// Loki's `max_label_value_length` default.
pub const MAX_LABEL_VALUE_LEN: usize = 2048;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// A parsed push URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub scheme: Scheme,
    /// `host[:port]`.
    pub authority: String,
    /// Path and query, starting with `/`.
    pub path_with_query: String,
}

/// A validated config with its defaults filled in.
#[derive(Debug, Clone)]
pub struct Settings {
    pub endpoint: Endpoint,
    /// Stream labels without `event`: `job` first, then the static ones.
    pub labels: Vec<(String, String)>,
    pub timeout_ms: u32,
}

impl Settings {
    /// The settings of the module-level `issue-event`.
    pub fn defaults() -> Result<Settings, Error> {
        Settings::new(Config {
            endpoint: None,
            labels: Vec::new(),
            timeout_ms: None,
        })
    }

    pub fn new(config: Config) -> Result<Settings, Error> {
        let endpoint = parse_endpoint(config.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT))?;
        let timeout_ms = config.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if timeout_ms == 0 || timeout_ms > MAX_TIMEOUT_MS {
            return Err(invalid_config(
                "timeout_ms",
                format!("must be 1 to {MAX_TIMEOUT_MS}, got {timeout_ms}"),
            ));
        }
        Ok(Settings {
            endpoint,
            labels: labels(config.labels)?,
            timeout_ms,
        })
    }
}

/// Static labels, checked the way Loki's distributor checks them.
fn labels(given: Vec<(String, String)>) -> Result<Vec<(String, String)>, Error> {
    let mut out = vec![("job".to_string(), DEFAULT_JOB.to_string())];
    for (i, (name, value)) in given.into_iter().enumerate() {
        let at = |part: &str| format!("labels[{i}].{part}");
        label_name(&name).map_err(|why| invalid_config(at("name"), why))?;
        if name == "event" {
            return Err(invalid_config(
                at("name"),
                "`event` is set from each event's name",
            ));
        }
        if value.is_empty() || value.len() > MAX_LABEL_VALUE_LEN {
            return Err(invalid_config(
                at("value"),
                format!(
                    "must be 1 to {MAX_LABEL_VALUE_LEN} bytes, got {}",
                    value.len()
                ),
            ));
        }
        if name == "job" {
            out[0].1 = value;
        } else if out.iter().any(|(n, _)| *n == name) {
            return Err(invalid_config(
                at("name"),
                format!("duplicate label `{name}`"),
            ));
        } else {
            out.push((name, value));
        }
    }
    // `+ 1` for the `event` label every stream carries.
    if out.len() + 1 > MAX_LABELS_PER_STREAM {
        return Err(invalid_config(
            "labels",
            format!(
                "{} labels with `job` and `event`; Loki allows {MAX_LABELS_PER_STREAM}",
                out.len() + 1
            ),
        ));
    }
    Ok(out)
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not `__`-prefixed (reserved for Loki's own).
fn label_name(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    if b.len() > MAX_LABEL_NAME_LEN {
        return Err(format!(
            "{} bytes is longer than {MAX_LABEL_NAME_LEN}",
            b.len()
        ));
    }
    let first = b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
    if !first || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return Err(format!("{name:?} must match [a-zA-Z_][a-zA-Z0-9_]*"));
    }
    if name.starts_with("__") {
        return Err(format!("{name:?}: names starting with `__` are reserved"));
    }
    Ok(())
}

/// Split `scheme://authority/path?query`. Kept by hand rather than pulling in
/// a URL crate, to keep the component small; the host validates the
/// authority again when it connects.
pub fn parse_endpoint(url: &str) -> Result<Endpoint, Error> {
    let bad = |why: &str| invalid_config("endpoint", format!("{url:?}: {why}"));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("expected http://host[:port]/path"))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        _ => return Err(bad("the scheme must be http or https")),
    };
    if rest
        .bytes()
        .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    {
        return Err(bad("contains whitespace or control characters"));
    }
    if rest.contains('#') {
        return Err(bad("a fragment is not allowed"));
    }
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    if authority.is_empty() {
        return Err(bad("the host is missing"));
    }
    if authority.contains('@') {
        return Err(bad("credentials in the URL are not supported"));
    }
    let path_with_query = match path.as_bytes().first() {
        None => "/".to_string(),
        Some(b'?') => format!("/{path}"),
        Some(_) => path.to_string(),
    };
    Ok(Endpoint {
        scheme,
        authority: authority.to_string(),
        path_with_query,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_split_into_parts() {
        let e = parse_endpoint(DEFAULT_ENDPOINT).unwrap();
        assert_eq!(e.scheme, Scheme::Http);
        assert_eq!(e.authority, "localhost:3100");
        assert_eq!(e.path_with_query, "/loki/api/v1/push");
        let e = parse_endpoint("HTTPS://[::1]:8443").unwrap();
        assert_eq!(
            (e.scheme, e.authority.as_str(), e.path_with_query.as_str()),
            (Scheme::Https, "[::1]:8443", "/")
        );
        let e = parse_endpoint("http://loki?tenant=a").unwrap();
        assert_eq!(e.path_with_query, "/?tenant=a");
        for bad in [
            "",
            "localhost:3100",
            "http://",
            "http:///x",
            "ws://h/x",
            "http://u@h/x",
            "http://h/a\nb",
        ] {
            assert!(parse_endpoint(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn label_names_follow_loki() {
        for ok in ["a", "_a", "A_1", "job"] {
            assert!(label_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a.b", "__x", "ü"] {
            assert!(label_name(bad).is_err(), "{bad}");
        }
    }
}
