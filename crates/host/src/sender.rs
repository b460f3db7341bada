//! How the host sends the guest's requests.
//!
//! wasmtime-wasi-http's default sender opens a new TCP connection for every
//! request: a connect, and a TIME-WAIT socket, per event. [`Pool`] keeps
//! connections alive between requests, across instances, with
//! `TCP_NODELAY` (without it every small request waits ~40 ms for the
//! peer's delayed ACK).

use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

/// A keep-alive connection pool for `http://` and `https://` (webpki roots).
#[derive(Clone)]
pub struct Pool {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, WasiBody>,
    /// Response body bytes the guests have pulled through this pool.
    body_bytes: Arc<AtomicU64>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pool")
    }
}

impl Default for Pool {
    fn default() -> Self {
        Self::new()
    }
}

impl Pool {
    /// A pool with no connections yet.
    pub fn new() -> Pool {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(https);
        Pool {
            client,
            body_bytes: Arc::default(),
        }
    }

    /// Response body bytes the guests have read (pulled frame by frame as
    /// they read, so a guest that stops reading stops this count).
    pub fn response_body_bytes(&self) -> u64 {
        self.body_bytes.load(Ordering::Relaxed)
    }

    /// Send `request`; the response head must arrive within the guest's
    /// connect + first-byte timeouts. The guest bounds the body itself.
    pub async fn send(
        &self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
    ) -> Result<http::Response<WasiBody>, Error> {
        use http_body_util::BodyExt;
        let default = Duration::from_secs(600);
        let opts = options.unwrap_or_default();
        let limit =
            opts.connect_timeout.unwrap_or(default) + opts.first_byte_timeout.unwrap_or(default);
        let response = tokio::time::timeout(limit, self.client.request(request))
            .await
            .map_err(|_| Error::ConnectionReadTimeout)?
            .map_err(|e| classify(&e))?;
        let counter = self.body_bytes.clone();
        Ok(response.map(|body| {
            body.map_frame(move |frame| {
                if let Some(data) = frame.data_ref() {
                    counter.fetch_add(data.len() as u64, Ordering::Relaxed);
                }
                frame
            })
            .map_err(Error::Hyper)
            .boxed_unsync()
        }))
    }
}

/// The `wasi:http` error for a failed request.
fn classify(e: &hyper_util::client::legacy::Error) -> Error {
    Error::from(crate::classify::pooled(e))
}
