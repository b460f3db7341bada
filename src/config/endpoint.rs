//! The push URL.

use crate::Error;
use crate::error::{invalid_config, quoted};

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

/// Split `scheme://authority/path?query`. Kept by hand rather than pulling in
/// a URL crate, to keep the component small; the host validates the
/// authority again when it connects.
pub fn parse_endpoint(url: &str) -> Result<Endpoint, Error> {
    let bad = |why: &str| invalid_config("endpoint", format!("{}: {why}", quoted(url)));
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
    use crate::config::DEFAULT_ENDPOINT;

    #[test]
    fn endpoints_split_into_parts() {
        let e = parse_endpoint(DEFAULT_ENDPOINT).unwrap();
        assert_eq!(e.scheme, Scheme::Http);
        assert_eq!(e.authority, "localhost:3100");
        assert_eq!(e.path_with_query, "/loki/api/v1/push");
        let e = parse_endpoint("HTTPS://[::1]:8443").unwrap();
        let parts = (e.scheme, e.authority.as_str(), e.path_with_query.as_str());
        assert_eq!(parts, (Scheme::Https, "[::1]:8443", "/"));
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
}
