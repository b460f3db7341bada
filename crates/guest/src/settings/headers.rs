//! Request headers from the tenant, the credentials and the extra headers:
//! one rule for names and values, checked when they are set, so that every
//! host sends the same bytes or none. Values may be credentials, so no
//! message or `Debug` output ever shows one.

use crate::bindings::exports::github_runner::metrics::promtail::Auth;
use crate::error::{Error, invalid_config, quoted};
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
/// The most header bytes (names and values) a client may add. Servers and
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

/// The `X-Scope-OrgID` value, checked by Loki's tenant rule: 1 to 150 of
/// letters, digits and `!-_.*'()`, not `.` or `..`.
pub fn tenant(t: &str) -> Result<Secret, Error> {
    let allowed = |c: u8| c.is_ascii_alphanumeric() || b"!-_.*'()".contains(&c);
    if t.is_empty() || t.len() > MAX_TENANT_LEN || !t.bytes().all(allowed) {
        return Err(invalid_config(
            "tenant",
            format!(
                "{} must be 1 to {MAX_TENANT_LEN} letters, digits and !-_.*'()",
                quoted(t)
            ),
        ));
    }
    if t == "." || t == ".." {
        return Err(invalid_config(
            "tenant",
            format!("{} is not a tenant ID", quoted(t)),
        ));
    }
    Ok(Secret(t.as_bytes().to_vec()))
}

/// The `Authorization` value, and the secrets an echo of it could show.
pub fn authorization(auth: &Auth) -> Result<(Secret, Vec<String>), Error> {
    match auth {
        Auth::Basic(b) => {
            if b.user.is_empty() {
                return Err(invalid_config("auth.basic.user", "is empty"));
            }
            if b.user.contains(':') {
                return Err(invalid_config("auth.basic.user", "must not contain `:`"));
            }
            if b.user.chars().any(char::is_control) {
                return Err(invalid_config(
                    "auth.basic.user",
                    "must not contain control characters",
                ));
            }
            if b.password.chars().any(char::is_control) {
                return Err(invalid_config(
                    "auth.basic.password",
                    "must not contain control characters (the password is not shown)",
                ));
            }
            let encoded = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", b.user, b.password));
            let value = format!("Basic {encoded}");
            Ok((
                Secret(value.into_bytes()),
                vec![b.password.clone(), encoded],
            ))
        }
        Auth::Bearer(token) => {
            let ok = !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic());
            if !ok {
                return Err(invalid_config(
                    "auth.bearer",
                    "must be non-empty visible ASCII (the token is not shown)",
                ));
            }
            Ok((
                Secret(format!("Bearer {token}").into_bytes()),
                vec![token.clone()],
            ))
        }
    }
}

/// Extra headers: lower-case names in order, values as given.
pub fn extra(headers: &[(String, String)]) -> Result<Vec<(String, Secret)>, Error> {
    // The bound first, so that a huge list costs one pass.
    let total: usize = headers.iter().map(|(n, v)| n.len() + v.len()).sum();
    if total > MAX_HEADER_BYTES {
        let why = format!("{total} bytes; at most {MAX_HEADER_BYTES} with the tenant and auth");
        return Err(invalid_config("headers", why));
    }
    let mut seen = std::collections::HashSet::with_capacity(headers.len());
    let mut out = Vec::with_capacity(headers.len());
    for (i, (name, value)) in headers.iter().enumerate() {
        let at = |part: &str| format!("headers[{i}].{part}");
        let name = name.to_ascii_lowercase();
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
        if !seen.insert(name.clone()) {
            return Err(invalid_config(
                at("name"),
                format!("duplicate header `{name}`"),
            ));
        }
        if !value_is_portable(value) {
            let why = "must be visible ASCII, with spaces or tabs only between visible \
                       characters (the value is not shown)";
            return Err(invalid_config(at("value"), why));
        }
        out.push((name, Secret(value.as_bytes().to_vec())));
    }
    Ok(out)
}

/// The bound on all the header bytes a client adds. `parts`: each setting
/// that adds headers (`tenant`, `auth`, `headers`) with what it adds; the
/// refusal names the one that adds the most.
pub fn check_total(parts: &[(&str, &[(String, Secret)])]) -> Result<(), Error> {
    let size = |hs: &[(String, Secret)]| hs.iter().map(|(n, v)| n.len() + v.0.len()).sum();
    let sizes: Vec<(&str, usize)> = parts.iter().map(|(s, hs)| (*s, size(hs))).collect();
    let total: usize = sizes.iter().map(|(_, n)| n).sum();
    if total > MAX_HEADER_BYTES {
        let largest = sizes
            .iter()
            .max_by_key(|(_, n)| *n)
            .map_or("headers", |(s, _)| s);
        let why = format!("tenant, auth and headers add {total} bytes; at most {MAX_HEADER_BYTES}");
        return Err(invalid_config(largest, why));
    }
    Ok(())
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Visible ASCII, with SP or HTAB only between visible characters: what
/// every host sends unchanged. (A `fetch`-style host trims outer whitespace
/// and refuses characters past U+00FF; obs-text is deprecated by RFC 9110.)
fn value_is_portable(v: &str) -> bool {
    let b = v.as_bytes();
    let inner = |c: &u8| c.is_ascii_graphic() || *c == b' ' || *c == b'\t';
    b.iter().all(inner)
        && b.first().is_none_or(u8::is_ascii_graphic)
        && b.last().is_none_or(u8::is_ascii_graphic)
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
        let (value, secrets) = authorization(&auth).unwrap();
        // RFC 7617's own example.
        assert_eq!(value.0, b"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(secrets, ["open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="]);
    }

    #[test]
    fn one_rule_for_values() {
        let one = |v: &str| extra(&[("x-k".into(), v.into())]);
        for ok in ["a", "a b", "a\tb", "!~", ""] {
            assert!(one(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            "€uro-s3cr3t",
            " s3cr3t",
            "s3cr3t ",
            "s3cr3t\r\nb: c",
            "\u{7f}s3cr3t",
            "és3cr3t",
        ] {
            let Err(Error::InvalidConfig(e)) = one(bad) else {
                panic!("{bad:?} refused")
            };
            assert_eq!(e.field, "headers[0].value");
            assert!(!e.reason.contains("s3cr3t"), "{}", e.reason);
        }
    }

    #[test]
    fn names_are_tokens_not_reserved_and_unique() {
        for (name, why) in [
            ("bad name", "not an HTTP header name"),
            ("Content-Length", "set by the component"),
            ("X-Scope-OrgID", "set by the component"),
        ] {
            let Err(Error::InvalidConfig(e)) = extra(&[(name.into(), "v".into())]) else {
                panic!("{name} refused")
            };
            assert!(e.reason.contains(why), "{}", e.reason);
        }
        let twice = [("X-A".into(), "1".into()), ("x-a".into(), "2".into())];
        assert!(extra(&twice).is_err());
    }

    #[test]
    fn secrets_never_print() {
        let headers = extra(&[("X-Api-Key".into(), "k3y-s3cr3t".into())]).unwrap();
        assert!(!format!("{headers:?}").contains("s3cr3t"));
        for bad in [
            authorization(&Auth::Bearer("has space s3cr3t".into())).map(|_| ()),
            extra(&[("x-k".into(), "s3cr3t\r\nx: y".into())]).map(|_| ()),
        ] {
            let shown = format!("{:?}", bad.unwrap_err());
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
    }
}
