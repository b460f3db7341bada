//! The receiver's JSON control API, served under `/control/` on the push
//! port of a receiver made by [`start`]: what a test in
//! another process (Python, JavaScript, the benchmarks) uses to read what
//! arrived, script answers and start misbehaving peers. The protocol is
//! documented with the `runner-metrics-receiver` binary and in the crate's
//! README.
//!
//! Control requests are not counted among the receiver's requests, and a
//! connection that serves them is not counted among its connections.

use crate::faulty::{Fault, FaultyServer};
use crate::receiver::{Answer, Extension, Options, Push, Receiver, Reply, Shared, answer};
use crate::tls::TlsServer;
use http::Method;
use http_body_util::{BodyExt, Limited};
use hyper::Request;
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The prefix of every control path.
pub const CONTROL_PATH: &str = "/control";

/// The largest control request body read.
const MAX_CONTROL_BODY: usize = 16 * 1024 * 1024;

/// A receiver that also serves the control API.
pub async fn start(options: Options) -> std::io::Result<Receiver> {
    Receiver::start_extended(options, Some(Arc::new(Control::default()))).await
}

/// The control API's own state: the misbehaving peers it started, kept
/// (and so listening) until the receiver stops.
#[derive(Default)]
struct Control {
    peers: Mutex<Vec<Box<dyn Any + Send>>>,
}

impl Extension for Control {
    fn serves(&self, path: &str) -> bool {
        path == CONTROL_PATH
            || path
                .strip_prefix(CONTROL_PATH)
                .is_some_and(|rest| rest.starts_with('/'))
    }

    fn handle<'a>(
        &'a self,
        rx: &'a Shared,
        req: Request<Incoming>,
    ) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>> {
        Box::pin(self.answer(rx, req))
    }
}

impl Control {
    /// Answer one control request.
    async fn answer(&self, rx: &Shared, req: Request<Incoming>) -> Answer {
        let (parts, body) = req.into_parts();
        let route = parts.uri.path().strip_prefix(CONTROL_PATH).unwrap_or("");
        let allowed = match route {
            "/pushes" | "/requests" => Method::GET,
            "/reset" | "/script" | "/default" | "/max-body" | "/fault" => Method::POST,
            _ => return error(404, format!("no control route {}", parts.uri.path())),
        };
        if parts.method != allowed {
            let why = format!("{} {} only", allowed, parts.uri.path());
            return error(405, why);
        }
        let body = match Limited::new(body, MAX_CONTROL_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => return error(400, format!("reading the body: {e}")),
        };
        let done = match route {
            "/pushes" => Ok(pushes(&rx.pushes())),
            "/requests" => Ok(counters(rx)),
            "/reset" => {
                rx.reset();
                Ok(no_content())
            }
            "/script" => parse::<Vec<ReplySpec>>(&body)
                .and_then(|specs| specs.into_iter().map(ReplySpec::reply).collect())
                .map(|replies: Vec<Reply>| {
                    rx.script(replies);
                    no_content()
                }),
            "/default" => parse::<ReplySpec>(&body)
                .and_then(ReplySpec::reply)
                .map(|reply| {
                    rx.set_default(reply);
                    no_content()
                }),
            "/max-body" => parse::<MaxBody>(&body).map(|m| {
                rx.set_max_body(m.bytes);
                no_content()
            }),
            _ => match parse::<FaultSpec>(&body) {
                Ok(spec) => Ok(self.start(spec).await),
                Err(e) => Err(e),
            },
        };
        done.unwrap_or_else(|why| error(400, why))
    }

    /// Start the peer `spec` asks for and answer its URL.
    async fn start(&self, spec: FaultSpec) -> Answer {
        let started = match spec.fault() {
            Ok(fault) => FaultyServer::start(fault)
                .await
                .map(|s| (s.url(), Box::new(s) as Box<dyn Any + Send>)),
            Err(Started::Tls) => TlsServer::start()
                .await
                .map(|s| (s.url(), Box::new(s) as Box<dyn Any + Send>)),
            Err(Started::Refused) => return refused(),
        };
        match started {
            Ok((url, peer)) => {
                self.peers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(peer);
                json_answer(200, &json!({ "url": url }))
            }
            Err(e) => error(500, format!("starting the peer: {e}")),
        }
    }
}

/// A URL nothing listens on: the port of a listener bound and dropped (a
/// port another process could take in between, which is unlikely).
fn refused() -> Answer {
    match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => json_answer(
            200,
            &json!({ "url": format!("http://{addr}{}", crate::receiver::PUSH_PATH) }),
        ),
        Err(e) => error(500, format!("finding a closed port: {e}")),
    }
}

/// `GET /control/pushes`: every accepted push, in order.
fn pushes(pushes: &[Push]) -> Answer {
    let pushes: Vec<Value> = pushes.iter().map(push_json).collect();
    json_answer(200, &Value::Array(pushes))
}

fn push_json(p: &Push) -> Value {
    let mut headers = Map::new();
    for (name, value) in p.header_pairs() {
        match headers.get_mut(&name) {
            Some(Value::String(joined)) => {
                joined.push_str(", ");
                joined.push_str(&value);
            }
            _ => {
                headers.insert(name, Value::String(value));
            }
        }
    }
    let pairs = |pairs: &[(String, String)]| -> Value {
        pairs.iter().map(|(n, v)| json!([n, v])).collect()
    };
    let streams: Vec<Value> = p
        .streams
        .iter()
        .map(|s| {
            let entries: Vec<Value> = s
                .entries
                .iter()
                .map(|e| {
                    json!({
                        "ts_ns": e.ts_ns.to_string(),
                        "line": e.line,
                        "metadata": pairs(&e.metadata),
                    })
                })
                .collect();
            json!({ "labels": pairs(&s.labels), "entries": entries })
        })
        .collect();
    json!({
        "content_type": p.header("content-type"),
        "content_encoding": p.content_encoding(),
        "content_length": p.content_length,
        "chunked": p.chunked,
        "headers": headers,
        "body_bytes": p.wire_bytes,
        "streams": streams,
    })
}

/// `GET /control/requests`: the counters and the refusals.
fn counters(rx: &Shared) -> Answer {
    let rejected: Vec<Value> = rx
        .rejected()
        .into_iter()
        .map(|r| json!({ "status": r.status, "reason": r.reason }))
        .collect();
    json_answer(
        200,
        &json!({
            "requests": rx.requests(),
            "connections": rx.connections(),
            "pushes": rx.push_count(),
            "wire_bytes": rx.wire_bytes(),
            "rejected": rejected,
        }),
    )
}

/// One answer, as `/control/script` and `/control/default` take it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplySpec {
    status: Option<u16>,
    #[serde(default)]
    headers: Map<String, Value>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    hang: bool,
    #[serde(default)]
    lost_answer: bool,
}

impl ReplySpec {
    fn reply(self) -> Result<Reply, String> {
        match (self.status, self.hang, self.lost_answer) {
            (Some(status), false, false) => {
                if !(100..=999).contains(&status) {
                    return Err(format!("status {status} is not a 3-digit code"));
                }
                let headers = self
                    .headers
                    .into_iter()
                    .map(|(n, v)| match v {
                        Value::String(v) => Ok((n, v)),
                        _ => Err(format!("header {n:?}: the value must be a string")),
                    })
                    .collect::<Result<_, _>>()?;
                Ok(Reply::Status {
                    status,
                    headers,
                    body: self.body.into_bytes(),
                })
            }
            (None, true, false) => Ok(Reply::Hang),
            (None, false, true) => Ok(Reply::LostAnswer),
            _ => Err("an answer has one of `status`, `hang: true`, `lost_answer: true`".into()),
        }
    }
}

/// `/control/max-body`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MaxBody {
    bytes: usize,
}

/// `/control/fault`'s body.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum FaultSpec {
    ResetBeforeResponse,
    ResetMidBody {
        #[serde(default = "one")]
        after: usize,
    },
    ResetDuringResponse,
    Hang,
    NeverReads,
    Slow {
        head: String,
        #[serde(default)]
        rest: String,
        every_ms: u64,
    },
    HugeBody {
        status: u16,
        len: u64,
    },
    Raw {
        bytes: String,
    },
    TlsSelfSigned,
    Refused,
}

/// The peers that are not a [`FaultyServer`].
enum Started {
    Tls,
    Refused,
}

fn one() -> usize {
    1
}

impl FaultSpec {
    fn fault(self) -> Result<Fault, Started> {
        Ok(match self {
            FaultSpec::ResetBeforeResponse => Fault::ResetBeforeResponse,
            FaultSpec::ResetMidBody { after } => Fault::ResetMidBody { after },
            FaultSpec::ResetDuringResponse => Fault::ResetDuringResponse,
            FaultSpec::Hang => Fault::Hang,
            FaultSpec::NeverReads => Fault::NeverReads,
            FaultSpec::Slow {
                head,
                rest,
                every_ms,
            } => Fault::Slow {
                head: head.into_bytes(),
                rest: rest.into_bytes(),
                every: Duration::from_millis(every_ms),
            },
            FaultSpec::HugeBody { status, len } => Fault::HugeBody { status, len },
            FaultSpec::Raw { bytes } => Fault::Raw(bytes.into_bytes()),
            FaultSpec::TlsSelfSigned => return Err(Started::Tls),
            FaultSpec::Refused => return Err(Started::Refused),
        })
    }
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

fn no_content() -> Answer {
    answer(204, &[], b"")
}

fn error(status: u16, message: String) -> Answer {
    json_answer(status, &json!({ "error": message }))
}

fn json_answer(status: u16, value: &Value) -> Answer {
    let headers = [("content-type".to_string(), "application/json".to_string())];
    answer(status, &headers, value.to_string().as_bytes())
}
