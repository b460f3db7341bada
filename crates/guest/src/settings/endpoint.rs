//! The push URL, checked strictly enough that every host sends to the same
//! place or refuses it the same way: a host that parses leniently (a port of
//! `31OO` read as none, and so 80) must never get a URL to guess at.

use crate::error::{Error, invalid_config, quoted};

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// The shortest query value taken for a secret.
pub const MIN_QUERY_SECRET: usize = 4;

/// A parsed push URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub scheme: Scheme,
    /// `host[:port]`, as given (an IPv6 host in brackets).
    pub authority: String,
    /// Path and query, starting with `/`.
    pub path_with_query: String,
}

impl Endpoint {
    /// The values of the query's parameters (`?token=<this>`), as written
    /// and percent-decoded: one may be a credential, so each is a secret.
    /// Values shorter than [`MIN_QUERY_SECRET`] are left out: no credential
    /// is that short, and every `1` of an answer would be hidden.
    pub fn query_values(&self) -> Vec<String> {
        let Some((_, query)) = self.path_with_query.split_once('?') else {
            return Vec::new();
        };
        let mut values = Vec::new();
        for (_, value) in query.split('&').filter_map(|pair| pair.split_once('=')) {
            if value.len() >= MIN_QUERY_SECRET {
                values.extend(crate::redact::percent_decoded(value));
                values.push(value.to_string());
            }
        }
        values
    }

    /// The URL again, for messages.
    pub fn url(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        format!("{scheme}://{}{}", self.authority, self.path_with_query)
    }
}

/// Parse `scheme://host[:port][/path][?query]`. Kept by hand rather than
/// pulling in a URL crate, to keep the component small.
pub fn parse(url: &str) -> Result<Endpoint, Error> {
    let shown = &shown(url);
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad(shown, "expected http://host[:port]/path"))?;
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    if authority.contains('@') {
        return Err(bad(
            shown,
            "a user or password in the URL is not supported; use `auth`",
        ));
    }
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        _ => return Err(bad(shown, "the scheme must be http or https")),
    };
    if rest
        .bytes()
        .any(|c| c.is_ascii_whitespace() || c.is_ascii_control() || !c.is_ascii())
    {
        return Err(bad(
            shown,
            "contains whitespace, control or non-ASCII characters (percent-encode them)",
        ));
    }
    if path.contains('#') {
        return Err(bad(shown, "a fragment is not allowed"));
    }
    check_path(path).map_err(|why| bad(shown, &why))?;
    check_authority(authority).map_err(|why| bad(shown, why))?;
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

fn bad(shown: &str, why: &str) -> Error {
    invalid_config("endpoint", format!("{}: {why}", quoted(shown)))
}

/// The URL as messages may show it. Whatever precedes the last `@` may be
/// a user and password, and a query or a fragment may carry a token, so
/// both are hidden; when a `?` or `#` comes before that `@`, a password
/// holding it cannot be told from a query holding an `@`, so all but the
/// scheme is. A scheme is taken only when it looks like one (`http:/x://`
/// is no scheme): otherwise all of the URL may be a user's.
fn shown(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, rest)) if is_scheme(s) => (&url[..s.len() + 3], rest),
        _ => ("", url),
    };
    let query = rest.find(['?', '#']);
    match (rest.rfind('@'), query) {
        (Some(at), Some(q)) if q < at => format!("{scheme}<redacted>"),
        (at, q) => {
            let from = at.unwrap_or(0);
            let user = if at.is_some() { "<redacted>" } else { "" };
            match q {
                Some(q) => format!("{scheme}{user}{}<redacted>", &rest[from..=q]),
                None => format!("{scheme}{user}{}", &rest[from..]),
            }
        }
    }
}

/// RFC 3986's `scheme`: a letter, then letters, digits, `+`, `-` or `.`.
fn is_scheme(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphabetic())
        && b.all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c))
}

/// A path and query every host sends as they are: RFC 3986's characters
/// for them, and `%` only before two hex digits. A host's HTTP stack
/// refuses some others (`"`, `<`) at every request, and takes others
/// (`{`, `|`) as they are or encodes them, so they are refused here, once.
fn check_path(path: &str) -> Result<(), String> {
    let bytes = path.as_bytes();
    for (i, &c) in bytes.iter().enumerate() {
        let ok = match c {
            b'%' => bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
            _ => c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&c),
        };
        if !ok {
            let c = char::from(c);
            return Err(if c == '%' {
                "a `%` in the path or query must start a percent-encoded byte (`%2F`)".into()
            } else {
                format!(
                    "the path or query holds `{c}`, which a URL carries percent-encoded (`%{:02X}`)",
                    u32::from(c)
                )
            });
        }
    }
    Ok(())
}

/// `host[:port]`: a host name, an IPv4 address or a bracketed IPv6 address,
/// then, if there is a `:`, a port of 1 to 65535 in decimal digits.
fn check_authority(authority: &str) -> Result<(), &'static str> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address must end with `]`")?;
        if inside.is_empty()
            || !inside
                .bytes()
                .all(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
        {
            return Err("the IPv6 address in brackets is not valid");
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("only a port may follow `]`")?),
        };
        (None, port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(authority), None),
        }
    };
    if let Some(host) = host {
        if host.is_empty() {
            return Err("the host is missing");
        }
        let ok = |c: u8| c.is_ascii_alphanumeric() || b"-._~%".contains(&c);
        if !host.bytes().all(ok) {
            return Err("the host may hold only letters, digits and `-._~%`");
        }
        // Which no resolver takes, and some hosts' URL parsers refuse
        // outright: refused here, the same in every host.
        if host.starts_with('.') || host.contains("..") {
            return Err("the host has an empty label (a `.` at its start, or `..`)");
        }
    }
    if let Some(port) = port {
        let digits =
            !port.is_empty() && port.len() <= 5 && port.bytes().all(|c| c.is_ascii_digit());
        if !digits || !(1..=65535).contains(&port.parse::<u32>().unwrap_or(0)) {
            return Err("the port must be a number from 1 to 65535");
        }
        // `01`: one host's parser reads port 1, another's refuses it.
        if port.starts_with('0') {
            return Err("the port must be a number from 1 to 65535, with no leading zero");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::defaults::ENDPOINT;

    #[test]
    fn endpoints_split_into_parts() {
        let e = parse(ENDPOINT).unwrap();
        assert_eq!(e.scheme, Scheme::Http);
        assert_eq!(e.authority, "localhost:3100");
        assert_eq!(e.path_with_query, "/loki/api/v1/push");
        assert_eq!(e.url(), ENDPOINT);
        let e = parse("HTTPS://[::1]:8443").unwrap();
        let parts = (e.scheme, e.authority.as_str(), e.path_with_query.as_str());
        assert_eq!(parts, (Scheme::Https, "[::1]:8443", "/"));
        let e = parse("http://loki?tenant=a").unwrap();
        assert_eq!(e.path_with_query, "/?tenant=a");
        assert!(parse("http://10.0.0.1:65535/x").is_ok());
        let every = "http://h/a-z_0.9~!$&'()*+,;=:@/%2F%c3%A9?q=1&r=/?:@";
        assert_eq!(parse(every).unwrap().path_with_query, &every[8..]);
    }

    #[test]
    fn bad_ports_and_authorities_are_refused() {
        for bad in [
            "",
            "localhost:3100",
            "http://",
            "http:///x",
            "ws://h/x",
            "http://h/a\nb",
            "http://h:31OO/x",
            "http://h:99999/x",
            "http://h:/x",
            "http://h:-1/x",
            "http://h:0/x",
            "http://h:01/x",
            "http://ex_ample..com:1/x",
            "http://.h/x",
            "http://[::1/x",
            "http://[::1]x/x",
            "http://:3100/x",
            "http://h/x#frag",
            "http://hé/x",
            "http://u:pa/ss@h/x",
            "http://h/a<b",
            "http://h/x?tag=a\"b",
            "http://h/x?a=%zz",
            "http://h/x?a=%2",
            "http://h/{x}",
            "http://h/x?a=b|c",
            "http://h/x?a=[1]",
            "http://h/a\\b",
            "http://h/a^b",
            "http://h/a`b",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_never_shown() {
        let Err(Error::InvalidConfig(e)) = parse("http://admin:s3cr3t@loki:3100/push") else {
            panic!("refused")
        };
        assert!(
            !e.reason.contains("s3cr3t") && !e.reason.contains("admin"),
            "{}",
            e.reason
        );
        assert!(e.reason.contains("auth"), "{}", e.reason);
        assert!(e.reason.contains("loki:3100"), "{}", e.reason);
        // Nor a query, which may carry a token.
        let Err(Error::InvalidConfig(e)) = parse("ftp://loki/push?api_key=s3cr3t") else {
            panic!("refused")
        };
        assert!(!e.reason.contains("s3cr3t"), "{}", e.reason);
        // A `/` in the password ends the authority early: still not shown.
        let Err(Error::InvalidConfig(e)) = parse("http://u:pa/s3cr3t@loki/push") else {
            panic!("refused")
        };
        assert!(!e.reason.contains("s3cr3t"), "{}", e.reason);
        // Nor when it holds a `?` or `#`, which end the authority early, nor
        // when an `@` in the query is followed by a token, nor when what
        // comes before `://` is no scheme.
        for (url, shown) in [
            ("http://alice7:hunter2?x@loki/", "\"http://<redacted>\""),
            ("http://alice7:pw#hunter2@loki/", "\"http://<redacted>\""),
            ("http://alice7:pw?hunter2@loki/", "\"http://<redacted>\""),
            (
                "http://loki:31OO/push?user=alice7@corp&api_key=hunter2",
                "\"http://<redacted>\"",
            ),
            ("alice7:hunter2@http://loki/", "\"<redacted>@http://loki/\""),
            (
                "https:/alice7:hunter2@loki/?next=http://x",
                "\"<redacted>@loki/?<redacted>\"",
            ),
            (
                "loki:3100/push?token=hunter2&next=http://x",
                "\"loki:3100/push?<redacted>\"",
            ),
        ] {
            let Err(Error::InvalidConfig(e)) = parse(url) else {
                panic!("{url} refused")
            };
            let leaks = ["alice7", "hunter2"].iter().any(|s| e.reason.contains(s));
            assert!(!leaks, "{}", e.reason);
            assert!(e.reason.starts_with(shown), "{url}: {}", e.reason);
        }
        // A query or fragment is hidden whole, and the host shown, when no
        // `@` follows.
        let Err(Error::InvalidConfig(e)) = parse("http://127.0.0.1:1/x#frag?a") else {
            panic!("refused")
        };
        assert!(
            e.reason.starts_with("\"http://127.0.0.1:1/x#<redacted>\""),
            "{}",
            e.reason
        );
        // Nor when the scheme is missing or mistyped, so nothing marks
        // where a user and password would start.
        for url in [
            "u:s3cr3t@127.0.0.1:1/x",
            "http:/u:s3cr3t@127.0.0.1:1/x",
            "http:\\\\u:s3cr3t@127.0.0.1:1/x",
        ] {
            let Err(Error::InvalidConfig(e)) = parse(url) else {
                panic!("{url} refused")
            };
            assert!(!e.reason.contains("s3cr3t"), "{}", e.reason);
            assert!(
                e.reason.contains("<redacted>@127.0.0.1:1/x"),
                "{}",
                e.reason
            );
        }
    }
}
