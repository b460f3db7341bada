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
    /// An allow-list of these authorities (case-insensitive).
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(entries: I) -> AllowList {
        AllowList {
            entries: entries
                .into_iter()
                .map(|e| e.as_ref().to_ascii_lowercase())
                .collect(),
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
