//! One HTTP exchange through `wasi:http/outgoing-handler`, bounded by a
//! deadline that covers connect, upload and the whole answer.
//!
//! The guest enforces the deadline itself by polling every wait together with
//! a monotonic-clock timer, and also passes it to the host as
//! `request-options` (wasmtime's own default is 600 s).

use crate::Error;
use crate::config::{Endpoint, Scheme};
use crate::error::{from_http, transport};
use wasi::clocks::monotonic_clock;
use wasi::http::outgoing_handler;
use wasi::http::types::{
    FutureIncomingResponse, Headers, IncomingResponse, Method, OutgoingBody, OutgoingRequest,
    RequestOptions, Scheme as WasiScheme,
};
use wasi::io::poll::{Pollable, poll};
use wasi::io::streams::{InputStream, OutputStream, StreamError};

/// The most `blocking-write-and-flush` may take at once (WASI's limit).
const WRITE_CHUNK: usize = 4096;
/// At most this much of an answer body is read; the rest is left unread.
pub const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// What to send.
pub struct Request<'a> {
    pub endpoint: &'a Endpoint,
    /// Header names and values; `content-type` among them.
    pub headers: &'a [(&'a str, &'a [u8])],
    pub body: &'a [u8],
    pub timeout_ms: u32,
}

/// What came back.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// The raw `Retry-After` value, if any.
    pub retry_after: Option<String>,
    /// Up to `MAX_RESPONSE_BODY` bytes of the body.
    pub body: Vec<u8>,
}

/// Send `req` and wait for the answer, or fail within `req.timeout_ms`.
pub fn send(req: &Request<'_>) -> Result<Response, Error> {
    let deadline = Deadline::after_ms(req.timeout_ms);

    let fields: Vec<(String, Vec<u8>)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_vec()))
        .collect();
    let headers = Headers::from_list(&fields)
        .map_err(|e| transport("http-request-header-invalid", header_error(e)))?;
    let request = OutgoingRequest::new(headers);
    let scheme = match req.endpoint.scheme {
        Scheme::Http => WasiScheme::Http,
        Scheme::Https => WasiScheme::Https,
    };
    let refused = |what: &str| {
        transport(
            "http-request-uri-invalid",
            format!("the host refused the {what}"),
        )
    };
    request
        .set_method(&Method::Post)
        .map_err(|()| refused("method"))?;
    request
        .set_scheme(Some(&scheme))
        .map_err(|()| refused("scheme"))?;
    request
        .set_authority(Some(&req.endpoint.authority))
        .map_err(|()| refused("authority"))?;
    request
        .set_path_with_query(Some(&req.endpoint.path_with_query))
        .map_err(|()| refused("path"))?;
    let body = request
        .body()
        .map_err(|()| transport("internal-error", "request body already taken"))?;

    // Host-side limits as a backstop; a host may not support them, which is
    // fine because the guest's own deadline still applies.
    let options = RequestOptions::new();
    let ns = Some(deadline.remaining_ns());
    let _ = options.set_connect_timeout(ns);
    let _ = options.set_first_byte_timeout(ns);
    let _ = options.set_between_bytes_timeout(ns);

    // `handle` before writing: the host only drains the body once the request
    // is under way, so writing first can block forever.
    let future = outgoing_handler::handle(request, Some(options))
        .map_err(|code| from_http(&code, req.timeout_ms))?;

    let t = req.timeout_ms;
    let response = match upload(body, req.body, &deadline, t) {
        Ok(()) => wait_response(&future, &deadline, t)?,
        Err(e @ Error::Timeout(_)) => return Err(e),
        // A refused or reset connection shows up as a closed body stream; the
        // host's real error code is on the response future, so prefer it.
        Err(upload_err) => match wait_response(&future, &deadline, t) {
            // The receiver answered before reading everything (a 413, say).
            Ok(resp) => resp,
            Err(Error::Timeout(_)) => return Err(upload_err),
            Err(e) => return Err(e),
        },
    };
    let result = read_response(&response, &deadline, t);
    // Children before parents: the body is gone by now, then the response,
    // then the future it came from.
    drop(response);
    drop(future);
    result
}

/// Write the body in chunks the host accepts, then finish it.
fn upload(body: OutgoingBody, bytes: &[u8], deadline: &Deadline, t: u32) -> Result<(), Error> {
    let stream = body
        .write()
        .map_err(|()| transport("internal-error", "request body stream already taken"))?;
    let written = write_all(&stream, bytes, deadline, t);
    drop(stream);
    written?;
    OutgoingBody::finish(body, None).map_err(|code| from_http(&code, t))
}

fn write_all(
    stream: &OutputStream,
    mut bytes: &[u8],
    deadline: &Deadline,
    t: u32,
) -> Result<(), Error> {
    // A body of one chunk always fits the host's body buffer, so the
    // blocking call cannot outlast the deadline; it saves several calls.
    if bytes.len() <= WRITE_CHUNK {
        return stream.blocking_write_and_flush(bytes).map_err(stream_error);
    }
    // Larger bodies go in the pieces `check-write` permits (wasmtime: 1 MiB
    // per write by default): a 200 KB body in 4 KiB writes cost 50 host
    // round trips, and more than half of a batch call's time.
    while !bytes.is_empty() {
        let ready = stream.check_write().map_err(stream_error)?;
        if ready == 0 {
            wait_ready(&stream.subscribe(), deadline, t)?;
            continue;
        }
        let n = bytes
            .len()
            .min(usize::try_from(ready).unwrap_or(WRITE_CHUNK));
        stream.write(&bytes[..n]).map_err(stream_error)?;
        bytes = &bytes[n..];
    }
    stream.flush().map_err(stream_error)?;
    // A flush has completed once the stream reports room again.
    while stream.check_write().map_err(stream_error)? == 0 {
        wait_ready(&stream.subscribe(), deadline, t)?;
    }
    Ok(())
}

fn wait_response(
    future: &FutureIncomingResponse,
    deadline: &Deadline,
    t: u32,
) -> Result<IncomingResponse, Error> {
    loop {
        match future.get() {
            Some(Ok(Ok(resp))) => return Ok(resp),
            Some(Ok(Err(code))) => return Err(from_http(&code, t)),
            Some(Err(())) => return Err(transport("internal-error", "response already taken")),
            None => wait_ready(&future.subscribe(), deadline, t)?,
        }
    }
}

/// Status, `Retry-After`, and a bounded prefix of the body.
fn read_response(resp: &IncomingResponse, deadline: &Deadline, t: u32) -> Result<Response, Error> {
    let status = resp.status();
    let retry_after = {
        let headers = resp.headers();
        let values = headers.get("retry-after");
        drop(headers);
        values
            .into_iter()
            .next()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    };
    let mut body = Vec::new();
    if let Ok(incoming) = resp.consume() {
        if let Ok(stream) = incoming.stream() {
            read_bounded(&stream, &mut body, deadline, t)?;
            drop(stream);
        }
        drop(incoming);
    }
    Ok(Response {
        status,
        retry_after,
        body,
    })
}

fn read_bounded(
    stream: &InputStream,
    out: &mut Vec<u8>,
    deadline: &Deadline,
    t: u32,
) -> Result<(), Error> {
    while out.len() < MAX_RESPONSE_BODY {
        let want = (MAX_RESPONSE_BODY - out.len()) as u64;
        match stream.read(want) {
            Ok(chunk) if chunk.is_empty() => wait_ready(&stream.subscribe(), deadline, t)?,
            Ok(chunk) => {
                out.extend_from_slice(&chunk);
                // A steady trickle never leaves the stream empty to wait on.
                if deadline.passed() {
                    return Err(Error::Timeout(t));
                }
            }
            Err(StreamError::Closed) => return Ok(()),
            Err(e) => return Err(stream_error(e)),
        }
    }
    Ok(())
}

fn header_error(e: wasi::http::types::HeaderError) -> &'static str {
    use wasi::http::types::HeaderError as H;
    match e {
        H::InvalidSyntax => "invalid header syntax",
        H::Forbidden => "a header the host forbids",
        H::Immutable => "immutable headers",
    }
}

/// A body stream broke: the connection went away under us.
fn stream_error(e: StreamError) -> Error {
    let detail = match e {
        StreamError::Closed => "stream closed".to_string(),
        StreamError::LastOperationFailed(err) => err.to_debug_string(),
    };
    transport("connection-terminated", detail)
}

/// Wait until `ready` fires, or fail with a timeout at the deadline.
///
/// Always through `poll` with a timer: a host whose `ready` answers true too
/// eagerly (jco's preview2-shim for body streams) would otherwise let a
/// trickling answer outlast the deadline.
fn wait_ready(ready: &Pollable, deadline: &Deadline, t: u32) -> Result<(), Error> {
    let timer = monotonic_clock::subscribe_instant(deadline.at);
    if poll(&[ready, &timer]).contains(&0) && !deadline.passed() {
        Ok(())
    } else {
        Err(Error::Timeout(t))
    }
}

/// A point on the monotonic clock.
struct Deadline {
    at: monotonic_clock::Instant,
}

impl Deadline {
    fn after_ms(ms: u32) -> Deadline {
        Deadline {
            at: monotonic_clock::now().saturating_add(u64::from(ms) * 1_000_000),
        }
    }

    fn passed(&self) -> bool {
        monotonic_clock::now() >= self.at
    }

    fn remaining_ns(&self) -> u64 {
        self.at.saturating_sub(monotonic_clock::now()).max(1)
    }
}
