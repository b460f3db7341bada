//! The host's `wasi:http` hooks: an authority allow-list in front of the
//! request sender (pooled, or wasmtime's default).

use crate::sender::Pool;
use std::sync::Arc;
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::{WasiBody, WasiHttpHooks};

/// Boxed future the hooks hand back to wasmtime-wasi-http.
type IoFuture = Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>;
type SendFuture = Box<
    dyn Future<Output = Result<(http::Response<WasiBody>, IoFuture), wasmtime_wasi_http::Error>>
        + Send,
>;

/// Authorities (`host` or `host:port`) a guest may reach. `host` alone
/// allows every port of that host.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    entries: Arc<[String]>,
}

impl AllowList {
    /// An allow-list of these authorities (case-insensitive), each checked
    /// by [`AllowList::entry`].
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(entries: I) -> Result<AllowList, String> {
        Ok(AllowList {
            entries: entries
                .into_iter()
                .map(|e| AllowList::entry(e.as_ref()))
                .collect::<Result<_, _>>()?,
        })
    }

    /// `entry` as the list compares it with a request's authority: lower
    /// case, a bare IPv6 address in brackets. `Err`, naming it, for an entry
    /// that could never match one (a URL, a path, a user), which would deny
    /// every request silently.
    pub fn entry(entry: &str) -> Result<String, String> {
        let lower = entry.to_ascii_lowercase();
        let lower = match lower.parse::<std::net::Ipv6Addr>() {
            Ok(_) => format!("[{lower}]"),
            Err(_) => lower,
        };
        match lower.parse::<http::uri::Authority>() {
            Ok(a)
                if a.as_str() == lower
                    && !lower.contains('@')
                    && host_ok(a.host())
                    && port_ok(&lower) =>
            {
                Ok(lower)
            }
            _ => Err(format!(
                "{entry:?}: expected host or host:port (an IPv6 address alone or in brackets)"
            )),
        }
    }

    /// Whether `uri` is allowed. A URI with no authority never is.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        let Some(authority) = uri.authority() else {
            return false;
        };
        let host = authority.host().to_ascii_lowercase();
        let port = authority.port_u16().unwrap_or(match uri.scheme_str() {
            Some("https") => 443,
            _ => 80,
        });
        let with_port = format!("{host}:{port}");
        self.entries.iter().any(|e| *e == host || *e == with_port)
    }
}

/// The hooks one store uses.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    /// `None`: every authority is allowed.
    pub allow: Option<AllowList>,
    /// `None`: wasmtime-wasi-http's default sender, a connection per request.
    pub pool: Option<Pool>,
}

impl WasiHttpHooks for Hooks {
    // wasmtime 48's default sender calls every TLS failure a protocol
    // error; tell a bad certificate apart (`classify`), as the pooled sender
    // and wasmtime-py do. Its other defaults are what `classify` follows.
    fn p2_error_from_tls(&mut self, err: &std::io::Error) -> ErrorCode {
        crate::classify::tls(err).unwrap_or(ErrorCode::TlsProtocolError)
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: IoFuture,
    ) -> SendFuture {
        if let Some(allow) = &self.allow
            && !allow.allows(request.uri())
        {
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        match self.pool.clone() {
            Some(pool) => Box::new(async move {
                let response = pool.send(request, options).await?;
                // The pool drives its connections; there is no per-request I/O.
                Ok((response, Box::new(async { Ok(()) }) as IoFuture))
            }),
            None => Box::new(async move {
                use http_body_util::BodyExt;
                let (response, io) =
                    wasmtime_wasi_http::default_send_request(request, options).await?;
                Ok((
                    response.map(BodyExt::boxed_unsync),
                    Box::new(io) as IoFuture,
                ))
            }),
        }
    }
}

/// No port, or a port of 1 to 65535 in digits with no leading zero (the
/// `http` crate takes `host:port` for any text after the colon).
/// A host a request can have: an IP literal in brackets, or a name of
/// letters, digits, `-`, `_` and `.` (no `*`: entries are not patterns).
fn host_ok(host: &str) -> bool {
    host.starts_with('[')
        || (!host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
}

fn port_ok(authority: &str) -> bool {
    let after_host = match authority.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((_, after)) => after,
            None => return false,
        },
        None => authority.find(':').map_or("", |i| &authority[i..]),
    };
    if after_host.is_empty() {
        return true; // no port: every port
    }
    // `:` with no port (`loki:`) could never match; nor `03100`: a
    // request's port is compared as a number printed without leading
    // zeros (and the component refuses them).
    let Some(port) = after_host.strip_prefix(':') else {
        return false;
    };
    port.bytes().all(|b| b.is_ascii_digit())
        && !port.starts_with('0')
        && port.parse::<u16>().is_ok_and(|p| p > 0)
}

#[cfg(test)]
mod tests {
    use super::AllowList;

    #[test]
    fn entries_are_compared_as_authorities() {
        assert_eq!(AllowList::entry("Loki:3100").unwrap(), "loki:3100");
        assert_eq!(AllowList::entry("::1").unwrap(), "[::1]");
        assert_eq!(AllowList::entry("[::1]:3100").unwrap(), "[::1]:3100");
        // Each of these could never match a request's authority.
        for never in [
            "http://loki:3100",
            "loki/push",
            " loki",
            "u@loki",
            "",
            "loki:port",
            "localhost:03100",
            "loki:0",
            "127.0.0.1:",
            "[::1]:",
            "*.example.com",
            "loki:3100:1",
        ] {
            let why = AllowList::entry(never).unwrap_err();
            assert!(
                why.contains("expected host or host:port"),
                "{never:?}: {why}"
            );
        }
        let list = AllowList::new(["::1", "loki"]).unwrap();
        assert!(list.allows(&"http://[::1]:3100/x".parse().unwrap()));
        assert!(list.allows(&"https://LOKI/x".parse().unwrap()));
        assert!(!list.allows(&"http://[::2]:3100/x".parse().unwrap()));
        assert!(AllowList::new(["loki", "http://x"]).is_err());
    }
}
