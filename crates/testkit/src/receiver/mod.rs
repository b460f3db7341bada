//! A Loki push API (`POST /loki/api/v1/push`) on `127.0.0.1:0`, for tests,
//! the demo and the benchmarks. It decodes bodies as Loki does, answers 400
//! on a malformed one and 413 on one over the size limit, records what it
//! accepted, and can be scripted to misbehave. [`crate::control::start`]
//! starts one that also serves the JSON control API under `/control/` on
//! the same port, through the [`Extension`] seam, so that this module knows
//! nothing of the control API.

mod decode;
mod push;
mod reply;
pub mod selector;

pub use push::{Push, PushEntry, PushStream, Rejection};
pub use reply::Reply;
pub(crate) use reply::answer;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Loki's default `grpc_server_max_recv_msg_size` (100 MB); larger is a 413.
const MAX_BODY: usize = 100 * 1024 * 1024;
/// The push path Promtail, Loki and Alloy serve.
pub const PUSH_PATH: &str = "/loki/api/v1/push";

/// How to start a [`Receiver`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen; `127.0.0.1:0` (an ephemeral port) by default.
    pub addr: SocketAddr,
    /// Read each body and answer 204 at once, decoding and keeping nothing
    /// but counts (Loki's cost as a peer, for benchmarks). Scripts and the
    /// size limit are not applied.
    pub null: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            null: false,
        }
    }
}

/// An answer the receiver sends.
pub(crate) type Answer = Response<Full<Bytes>>;

/// Requests a receiver serves beside its push path (the control API): a
/// seam, so that the receiver does not depend on what it serves there.
pub(crate) trait Extension: Send + Sync + 'static {
    /// Whether `path` is served here rather than by the receiver.
    fn serves(&self, path: &str) -> bool;
    /// Answer one such request; `rx` is the receiver's state.
    fn handle<'a>(
        &'a self,
        rx: &'a Shared,
        req: Request<Incoming>,
    ) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;
}

#[derive(Default)]
struct State {
    pushes: Vec<Push>,
    requests: usize,
    /// When each request's head arrived (not kept by a null receiver).
    arrivals: Vec<Instant>,
    connections: usize,
    rejected: Vec<Rejection>,
    script: VecDeque<Reply>,
    default: Option<Reply>,
    /// Bodies larger than this get a 413 (Loki's limit when `None`).
    max_body: Option<usize>,
    wire_bytes: u64,
}

/// What the receiver's connections share: its records, its mode and what
/// else it serves. The control API drives the receiver through it.
pub(crate) struct Shared {
    state: Mutex<State>,
    null: bool,
    extension: Option<Arc<dyn Extension>>,
}

/// The receiver; it stops when dropped.
pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Receiver {
    /// Listen on `127.0.0.1:0`, accepting everything with 204.
    pub async fn start() -> std::io::Result<Receiver> {
        Self::start_with(Options::default()).await
    }

    /// Listen on `addr`.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Receiver> {
        Self::start_with(Options {
            addr,
            ..Options::default()
        })
        .await
    }

    /// A receiver that reads each body and answers 204 at once, keeping only
    /// counts: the cheapest peer, for benchmarks.
    pub async fn start_null() -> std::io::Result<Receiver> {
        Self::start_with(Options {
            null: true,
            ..Options::default()
        })
        .await
    }

    /// Listen as `options` say.
    pub async fn start_with(options: Options) -> std::io::Result<Receiver> {
        Self::start_extended(options, None).await
    }

    /// Listen as `options` say, serving `extension` too.
    pub(crate) async fn start_extended(
        options: Options,
        extension: Option<Arc<dyn Extension>>,
    ) -> std::io::Result<Receiver> {
        let listener = TcpListener::bind(options.addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            null: options.null,
            extension,
        });
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((tcp, _)) = listener.accept().await {
                let _ = tcp.set_nodelay(true);
                let shared = accepting.clone();
                shared.lock().connections += 1;
                let role = Arc::new(AtomicU8::new(UNKNOWN));
                let service = service_fn(move |req| handle(shared.clone(), role.clone(), req));
                connections.spawn(async move {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .await;
                });
            }
        });
        Ok(Receiver { addr, shared, task })
    }

    /// Body bytes received, over every request.
    pub fn wire_bytes(&self) -> u64 {
        self.shared.lock().wire_bytes
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>/loki/api/v1/push`.
    pub fn url(&self) -> String {
        format!("http://{}{PUSH_PATH}", self.addr)
    }

    /// Answer every request not scripted with `reply` (default: 204).
    pub fn set_default(&self, reply: Reply) {
        self.shared.set_default(reply);
    }

    /// Answer the next requests with these replies, in order, then fall back
    /// to the default.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.script(replies);
    }

    /// Answer 413 to bodies larger than `bytes` (as they arrive on the wire).
    pub fn set_max_body(&self, bytes: usize) {
        self.shared.set_max_body(bytes);
    }

    /// Forget every push, count and rejection, the script, the default
    /// answer and the size limit: as just started.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Every accepted push so far.
    pub fn pushes(&self) -> Vec<Push> {
        self.shared.pushes()
    }

    /// How many pushes were accepted so far.
    pub fn push_count(&self) -> usize {
        self.shared.push_count()
    }

    /// The last accepted push, without copying the others.
    pub fn last_push(&self) -> Option<Push> {
        self.shared.lock().pushes.last().cloned()
    }

    /// Every accepted stream, across pushes, in arrival order.
    pub fn streams(&self) -> Vec<PushStream> {
        self.shared
            .lock()
            .pushes
            .iter()
            .flat_map(|p| p.streams.iter().cloned())
            .collect()
    }

    /// The requests it refused on its own (400, 413, 404), in order.
    pub fn rejected(&self) -> Vec<Rejection> {
        self.shared.rejected()
    }

    /// Stop listening and serving, then return every push it accepted,
    /// including any a request in flight managed to record.
    pub async fn stop(self) -> Vec<Push> {
        self.task.abort();
        // Connections go with the accept loop; one mid-poll on another
        // thread finishes that poll first.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        self.pushes()
    }

    /// TCP connections accepted (but for those the control API served).
    pub fn connections(&self) -> usize {
        self.shared.connections()
    }

    /// Requests received, whatever the answer (but for the control API's).
    pub fn requests(&self) -> usize {
        self.shared.requests()
    }

    /// When each request arrived, whatever the answer, in order: the gaps
    /// are the client's waits between attempts.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.shared.lock().arrivals.clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // Dropping the accept loop drops its JoinSet, which aborts every
        // connection, hung ones included.
        self.task.abort();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock already failed.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_default(&self, reply: Reply) {
        self.lock().default = Some(reply);
    }

    pub(crate) fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.lock().script.extend(replies);
    }

    pub(crate) fn set_max_body(&self, bytes: usize) {
        self.lock().max_body = Some(bytes);
    }

    pub(crate) fn reset(&self) {
        *self.lock() = State::default();
    }

    pub(crate) fn pushes(&self) -> Vec<Push> {
        self.lock().pushes.clone()
    }

    pub(crate) fn push_count(&self) -> usize {
        self.lock().pushes.len()
    }

    pub(crate) fn rejected(&self) -> Vec<Rejection> {
        self.lock().rejected.clone()
    }

    pub(crate) fn connections(&self) -> usize {
        self.lock().connections
    }

    pub(crate) fn requests(&self) -> usize {
        self.lock().requests
    }

    pub(crate) fn wire_bytes(&self) -> u64 {
        self.lock().wire_bytes
    }

    /// Answer `status` with `reason`, and record the refusal.
    fn reject(&self, status: u16, reason: String) -> Response<Full<Bytes>> {
        let body = format!("{reason}\n");
        self.lock().rejected.push(Rejection { status, reason });
        answer(status, &[], body.as_bytes())
    }
}

/// What a connection is used for, learnt from its first request: one that
/// serves the control API is not counted among the receiver's connections.
const UNKNOWN: u8 = 0;
const PUSHES: u8 = 1;
const CONTROL: u8 = 2;

async fn handle(
    shared: Arc<Shared>,
    role: Arc<AtomicU8>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    if let Some(extension) = &shared.extension
        && extension.serves(req.uri().path())
    {
        if role
            .compare_exchange(UNKNOWN, CONTROL, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            let mut s = shared.lock();
            // A reset since the accept may have zeroed the count already.
            s.connections = s.connections.saturating_sub(1);
        }
        return Ok(extension.handle(&shared, req).await);
    }
    if role.swap(PUSHES, Ordering::SeqCst) == CONTROL {
        shared.lock().connections += 1;
    }
    {
        let mut s = shared.lock();
        s.requests += 1;
        if !shared.null {
            s.arrivals.push(Instant::now());
        }
    }
    if req.method() != http::Method::POST || req.uri().path() != PUSH_PATH {
        let why = format!("404 page not found: {} {}", req.method(), req.uri().path());
        return Ok(shared.reject(404, why));
    }
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return Ok(shared.reject(413, "request body too large".into()));
        }
        Err(e) => return Ok(shared.reject(400, format!("reading body: {e}"))),
    };
    shared.lock().wire_bytes += body.len() as u64;
    if shared.null {
        return Ok(answer(204, &[], b""));
    }
    if shared.lock().max_body.is_some_and(|max| body.len() > max) {
        return Ok(shared.reject(413, "request body too large".into()));
    }
    let content_type = header(&parts.headers, "content-type");
    let content_encoding = header(&parts.headers, "content-encoding");
    let streams = match decode::decode(content_type, content_encoding, &body, MAX_BODY) {
        Ok(s) => s,
        Err(why) => return Ok(shared.reject(400, why)),
    };
    let reply = {
        let mut s = shared.lock();
        let reply = s
            .script
            .pop_front()
            .or_else(|| s.default.clone())
            .unwrap_or_else(Reply::accept);
        let stored = match &reply {
            Reply::Status { status, .. } => (200..300).contains(status),
            Reply::LostAnswer => true,
            Reply::Hang => false,
        };
        if stored {
            s.pushes.push(Push {
                content_length: content_length(&parts.headers),
                chunked: chunked(&parts.headers),
                headers: parts.headers,
                wire_bytes: body.len(),
                body,
                streams,
            });
        }
        reply
    };
    match reply {
        Reply::Status {
            status,
            headers,
            body,
        } => Ok(answer(status, &headers, &body)),
        Reply::Hang | Reply::LostAnswer => std::future::pending().await,
    }
}

fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The `Content-Length` header's value (hyper has refused a request whose
/// value is not a number).
fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    header(headers, "content-length").trim().parse().ok()
}

/// Whether `Transfer-Encoding` names `chunked`.
fn chunked(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(http::header::TRANSFER_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| coding.trim().eq_ignore_ascii_case("chunked"))
}
