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
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

type Pooled = Client<hyper_rustls::HttpsConnector<HttpConnector>, WasiBody>;

/// A keep-alive connection pool for `http://` and `https://` (webpki roots),
/// one per tokio runtime that sends through it: a connection is driven by a
/// task of the runtime that opened it, so a request from another runtime
/// that reused it would wait for that runtime to run (forever, for a
/// current-thread runtime no one drives).
#[derive(Clone)]
pub struct Pool {
    clients: Arc<Mutex<HashMap<tokio::runtime::Id, Pooled>>>,
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
        Pool {
            clients: Arc::default(),
            body_bytes: Arc::default(),
        }
    }

    /// The current runtime's connections.
    fn client(&self) -> Pooled {
        let runtime = tokio::runtime::Handle::current().id();
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.entry(runtime).or_insert_with(connections).clone()
    }

    /// Response body bytes the guests have read (pulled frame by frame as
    /// they read, so a guest that stops reading stops this count).
    pub fn response_body_bytes(&self) -> u64 {
        self.body_bytes.load(Ordering::Relaxed)
    }

    /// Send `request`; the response head must arrive within the guest's
    /// connect + first-byte timeouts. The guest bounds the body itself.
    ///
    /// The body is taken whole first (the guest writes it at once, and
    /// announces its length), so that a request that meets a pooled
    /// connection the receiver had just closed (it answered, then closed
    /// without `Connection: close`) can be sent again on another: a
    /// keep-alive race that no retry policy should pay for, and that
    /// `issue-event`, with one attempt, would lose an event to.
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
        let (head, body) = request.into_parts();
        let client = self.client();
        let exchange = async {
            let body = body.collect().await?.to_bytes();
            let mut stale = 0;
            loop {
                let mut again = http::Request::new(
                    http_body_util::Full::new(body.clone())
                        .map_err(|never| match never {})
                        .boxed_unsync(),
                );
                *again.method_mut() = head.method.clone();
                *again.uri_mut() = head.uri.clone();
                *again.version_mut() = head.version;
                *again.headers_mut() = head.headers.clone();
                match client.request(again).await {
                    Err(e) if stale < STALE_RETRIES && closed_unanswered(&e) => stale += 1,
                    sent => return sent.map_err(|e| classify(&e)),
                }
            }
        };
        let response = tokio::time::timeout(limit, exchange)
            .await
            .map_err(|_| Error::ConnectionReadTimeout)??;
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

/// A client with its own keep-alive pool, `TCP_NODELAY` on.
fn connections() -> Pooled {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .build(https)
}

/// How many times a request that met a connection closed under it is sent
/// again: the pool may hold more than one such connection.
const STALE_RETRIES: u32 = 2;

/// Whether the connection closed before any answer came: hyper's
/// "connection closed before message completed" (the receiver's FIN), or a
/// reset or broken pipe (a receiver that closed with the request unread).
/// A receiver that did read the request and closed without answering gets
/// it again (Loki takes an identical push once).
fn closed_unanswered(e: &hyper_util::client::legacy::Error) -> bool {
    use std::io::ErrorKind;
    let Some(hyper) = std::error::Error::source(e).and_then(|s| s.downcast_ref::<hyper::Error>())
    else {
        return false;
    };
    if e.is_connect() {
        return false;
    }
    if hyper.is_incomplete_message() {
        return true;
    }
    let mut link = std::error::Error::source(hyper);
    while let Some(cause) = link {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
            );
        }
        link = cause.source();
    }
    false
}

/// The `wasi:http` error for a failed request.
fn classify(e: &hyper_util::client::legacy::Error) -> Error {
    Error::from(crate::classify::pooled(e))
}
