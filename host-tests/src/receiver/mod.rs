//! A Loki push API (`POST /loki/api/v1/push`) on `127.0.0.1:0`, for tests
//! and the demo. It decodes bodies as Loki does, answers 400 on a malformed
//! one, records what it accepted, and can be scripted to misbehave.

mod decode;
pub mod logproto;
mod push;
mod reply;

pub use push::{Push, PushEntry, PushStream};
pub use reply::Reply;
use reply::answer;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Loki's default `grpc_server_max_recv_msg_size` (100 MB); larger is a 413.
const MAX_BODY: usize = 100 * 1024 * 1024;
/// The push path Promtail, Loki and Alloy serve.
pub const PUSH_PATH: &str = "/loki/api/v1/push";

#[derive(Default)]
struct State {
    pushes: Vec<Push>,
    requests: usize,
    /// When each request's head arrived (not kept by a null receiver).
    arrivals: Vec<Instant>,
    connections: usize,
    script: VecDeque<Reply>,
    default: Option<Reply>,
    /// Bodies larger than this get a 413 (Loki's limit when `None`).
    max_body: Option<usize>,
    /// Answer 204 without decoding or keeping anything (benchmarks).
    null: bool,
    wire_bytes: u64,
}

/// The receiver; it stops when dropped.
pub struct Receiver {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Receiver {
    /// Listen on `127.0.0.1:0`, accepting everything with 204.
    pub async fn start() -> std::io::Result<Receiver> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Listen on `addr`.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Receiver> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((tcp, _)) = listener.accept().await {
                let _ = tcp.set_nodelay(true);
                let state = shared.clone();
                state.lock().unwrap_or_else(|p| p.into_inner()).connections += 1;
                let service = service_fn(move |req| handle(state.clone(), req));
                connections.spawn(async move {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .await;
                });
            }
        });
        Ok(Receiver { addr, state, task })
    }

    /// A receiver that reads each body and answers 204 at once, keeping only
    /// counts: the cheapest peer, for benchmarks.
    pub async fn start_null() -> std::io::Result<Receiver> {
        let rx = Self::start().await?;
        rx.lock().null = true;
        Ok(rx)
    }

    /// Body bytes received, over every request.
    pub fn wire_bytes(&self) -> u64 {
        self.lock().wire_bytes
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>/loki/api/v1/push`.
    pub fn url(&self) -> String {
        format!("http://{}{PUSH_PATH}", self.addr)
    }

    /// Answer every request not scripted with `reply` (default: 204).
    pub fn set_default(&self, reply: Reply) {
        self.lock().default = Some(reply);
    }

    /// Answer the next requests with these replies, in order, then fall back
    /// to the default.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.lock().script.extend(replies);
    }

    /// Answer 413 to bodies larger than `bytes` (as they arrive on the wire).
    pub fn set_max_body(&self, bytes: usize) {
        self.lock().max_body = Some(bytes);
    }

    /// Every accepted push so far.
    pub fn pushes(&self) -> Vec<Push> {
        self.lock().pushes.clone()
    }

    /// How many pushes were accepted so far.
    pub fn push_count(&self) -> usize {
        self.lock().pushes.len()
    }

    /// The last accepted push, without copying the others.
    pub fn last_push(&self) -> Option<Push> {
        self.lock().pushes.last().cloned()
    }

    /// Every accepted stream, across pushes, in arrival order.
    pub fn streams(&self) -> Vec<PushStream> {
        self.lock()
            .pushes
            .iter()
            .flat_map(|p| p.streams.iter().cloned())
            .collect()
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

    /// TCP connections accepted.
    pub fn connections(&self) -> usize {
        self.lock().connections
    }

    /// Requests received, whatever the answer.
    pub fn requests(&self) -> usize {
        self.lock().requests
    }

    /// When each request arrived, whatever the answer, in order: the gaps
    /// are the client's waits between attempts.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.lock().arrivals.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock already failed.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // Dropping the accept loop drops its JoinSet, which aborts every
        // connection, hung ones included.
        self.task.abort();
    }
}

async fn handle(
    state: Arc<Mutex<State>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    {
        let mut s = lock();
        s.requests += 1;
        if !s.null {
            s.arrivals.push(Instant::now());
        }
    }
    if req.method() != http::Method::POST || req.uri().path() != PUSH_PATH {
        return Ok(answer(404, &[], b"404 page not found\n"));
    }
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return Ok(answer(413, &[], b"request body too large\n"));
        }
        Err(e) => return Ok(answer(400, &[], format!("reading body: {e}\n").as_bytes())),
    };
    let null = {
        let mut s = lock();
        s.wire_bytes += body.len() as u64;
        s.null
    };
    if null {
        return Ok(answer(204, &[], b""));
    }
    if lock().max_body.is_some_and(|max| body.len() > max) {
        return Ok(answer(413, &[], b"request body too large\n"));
    }
    let content_type = header(&parts.headers, "content-type");
    let content_encoding = header(&parts.headers, "content-encoding");
    let streams = match decode::decode(content_type, content_encoding, &body, MAX_BODY) {
        Ok(s) => s,
        Err(why) => return Ok(answer(400, &[], format!("{why}\n").as_bytes())),
    };
    let reply = {
        let mut s = lock();
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
                headers: parts.headers.clone(),
                wire_bytes: body.len(),
                body: body.clone(),
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
