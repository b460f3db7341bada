//! Request headers from `tenant`, `auth` and `headers`. Values may be
//! credentials, so no message or `Debug` output ever shows one.

use crate::Error;
use crate::bindings::exports::github_runner::metrics::promtail::Auth;
use crate::error::{invalid_config, quoted};
use base64::Engine as _;
use std::fmt;

/// Headers the component sets itself or the transport owns.
const RESERVED: [&str; 16] = [
    "authorization",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "host",
    "http2-settings",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "x-scope-orgid",
];

/// Loki's tenant ID limit.
const MAX_TENANT_LEN: usize = 150;
/// The most header bytes (names and values) a config may add. Servers and
/// proxies commonly refuse header lines past 8 KiB, and wasmtime traps (it
/// does not return an error) when a request's fields outgrow its limit.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// A header value that is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The extra request headers, lower-case names, in order.
pub fn build(
    tenant: Option<String>,
    auth: Option<Auth>,
    extra: Vec<(String, String)>,
) -> Result<Vec<(String, Secret)>, Error> {
    let mut out = Vec::new();
    if let Some(t) = tenant {
        tenant_id(&t).map_err(|why| invalid_config("tenant", why))?;
        out.push(("x-scope-orgid".to_string(), Secret(t.into_bytes())));
    }
    if let Some(auth) = auth {
        out.push(("authorization".to_string(), Secret(authorization(auth)?)));
    }
    for (i, (name, value)) in extra.into_iter().enumerate() {
        let name = name.to_ascii_lowercase();
        let at = |part: &str| format!("headers[{i}].{part}");
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(invalid_config(
                at("name"),
                format!("{} is not an HTTP header name", quoted(&name)),
            ));
        }
        if RESERVED.contains(&name.as_str()) {
            let why = format!("`{name}` is set by the component or the transport");
            return Err(invalid_config(at("name"), why));
        }
        if !value.bytes().all(is_value_byte) {
            let why = "contains a control character (the value is not shown)";
            return Err(invalid_config(at("value"), why));
        }
        out.push((name, Secret(value.into_bytes())));
    }
    let total: usize = out.iter().map(|(n, v)| n.len() + v.0.len()).sum();
    if total > MAX_HEADER_BYTES {
        let why = format!("tenant, auth and headers add {total} bytes; at most {MAX_HEADER_BYTES}");
        return Err(invalid_config("headers", why));
    }
    Ok(out)
}

fn authorization(auth: Auth) -> Result<Vec<u8>, Error> {
    match auth {
        Auth::Basic(b) => {
            if b.user.contains(':') {
                return Err(invalid_config("auth.basic.user", "must not contain `:`"));
            }
            let raw = format!("{}:{}", b.user, b.password);
            let mut value = b"Basic ".to_vec();
            value.extend(
                base64::engine::general_purpose::STANDARD
                    .encode(raw)
                    .bytes(),
            );
            Ok(value)
        }
        Auth::Bearer(token) => {
            let ok = !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic());
            if !ok {
                let why = "must be non-empty visible ASCII (the token is not shown)";
                return Err(invalid_config("auth.bearer", why));
            }
            Ok(format!("Bearer {token}").into_bytes())
        }
    }
}

/// Loki's tenant rule: 1 to 150 of `[a-zA-Z0-9!-_.*'()]`, not `.` or `..`.
fn tenant_id(t: &str) -> Result<(), String> {
    let allowed = |c: u8| c.is_ascii_alphanumeric() || b"!-_.*'()".contains(&c);
    if t.is_empty() || t.len() > MAX_TENANT_LEN || !t.bytes().all(allowed) {
        return Err(format!(
            "{} must be 1 to {MAX_TENANT_LEN} of [a-zA-Z0-9!-_.*'()]",
            quoted(t)
        ));
    }
    if t == "." || t == ".." {
        return Err(format!("{} is not a tenant ID", quoted(t)));
    }
    Ok(())
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Visible characters, space, tab and obs-text; no CR, LF or NUL.
fn is_value_byte(b: u8) -> bool {
    b == b'\t' || b == b' ' || b.is_ascii_graphic() || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::exports::github_runner::metrics::promtail::BasicAuth;

    #[test]
    fn basic_auth_is_base64_of_user_colon_password() {
        let auth = Auth::Basic(BasicAuth {
            user: "Aladdin".into(),
            password: "open sesame".into(),
        });
        let headers = build(None, Some(auth), vec![]).unwrap();
        // RFC 7617's own example.
        assert_eq!(headers[0].1.0, b"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }

    #[test]
    fn headers_are_bounded() {
        let big = |n: usize| vec![("x-big".to_string(), "v".repeat(n))];
        assert!(build(None, None, big(MAX_HEADER_BYTES - 5)).is_ok());
        assert!(build(None, None, big(MAX_HEADER_BYTES - 4)).is_err());
        let token = Auth::Bearer("t".repeat(MAX_HEADER_BYTES));
        assert!(build(None, Some(token), vec![]).is_err());
    }

    #[test]
    fn secrets_never_print() {
        let headers = build(
            Some("team-a".into()),
            Some(Auth::Bearer("s3cr3t-token".into())),
            vec![("X-Api-Key".into(), "k3y".into())],
        )
        .unwrap();
        let shown = format!("{headers:?}");
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("k3y"),
            "{shown}"
        );
        assert_eq!(headers[2].0, "x-api-key");
        for bad in [
            build(None, Some(Auth::Bearer("has space s3cr3t".into())), vec![]),
            build(None, None, vec![("x-k".into(), "s3cr3t\r\nx: y".into())]),
        ] {
            let shown = format!("{:?}", bad.unwrap_err());
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
    }
}
