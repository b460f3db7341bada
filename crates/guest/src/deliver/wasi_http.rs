//! The component's transport and clock: one HTTP exchange through
//! `wasi:http/outgoing-handler`, bounded by a deadline that covers connect,
//! upload and the whole answer, and the WASI clocks.
//!
//! The guest enforces the deadline itself by polling every wait together with
//! a monotonic-clock timer, and also passes it to the host as
//! `request-options` (wasmtime's own default is 600 s).

use crate::deliver::clock::{Clock, Deadline};
use crate::deliver::transport::{MAX_RESPONSE_BODY, Request, Response, Transport};
use crate::error::Error;
use crate::settings::Scheme;
use wasi::clocks::{monotonic_clock, wall_clock};
use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, FutureIncomingResponse, Headers, IncomingResponse, Method, OutgoingBody,
    OutgoingRequest, RequestOptions, Scheme as WasiScheme,
};
use wasi::io::poll::{Pollable, poll};
use wasi::io::streams::{InputStream, OutputStream, StreamError};

/// The most `blocking-write-and-flush` may take at once (WASI's limit).
const WRITE_CHUNK: usize = 4096;

/// `wasi:http/outgoing-handler`.
#[derive(Debug, Default)]
pub struct WasiHttp;

impl Transport for WasiHttp {
    fn send(&mut self, req: &Request<'_>) -> Result<Response, Error> {
        send(req)
    }
}

/// `wasi:clocks` and `wasi:random`.
#[derive(Debug, Default, Clone, Copy)]
pub struct WasiClock;

impl Clock for WasiClock {
    fn now_ns(&self) -> u64 {
        monotonic_clock::now()
    }

    fn wall_ns(&self) -> u64 {
        let now = wall_clock::now();
        now.seconds
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::from(now.nanoseconds))
    }

    fn sleep_ms(&self, ms: u64) {
        monotonic_clock::subscribe_duration(ms.saturating_mul(1_000_000)).block();
    }

    fn jitter(&self) -> f64 {
        (wasi::random::insecure::get_insecure_random_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn random_u64(&self) -> u64 {
        wasi::random::random::get_random_u64()
    }
}

/// Send `req` and wait for the answer, or fail by `req.deadline`.
///
/// Every call below crosses into the host, and on a single event the
/// crossings are most of the guest's cost (BENCHMARKS.md counts them), so
/// the exchange makes only those it needs: the deadline's timer is made once
/// and shared by every wait; the response future is waited on before it is
/// asked (right after the upload it is never ready yet); and a 204, Loki's
/// answer, is taken from its status alone: it has no body, and a success has
/// no `Retry-After` to read.
fn send(req: &Request<'_>) -> Result<Response, Error> {
    let deadline = &req.deadline;
    let fields: Vec<(String, Vec<u8>)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_vec()))
        .collect();
    // The settings allow only headers every host takes, so a refusal here
    // is the host's own rule.
    let headers = Headers::from_list(&fields).map_err(|e| {
        internal(format!(
            "the host refused the request headers ({})",
            header_error(e)
        ))
    })?;
    let request = OutgoingRequest::new(headers);
    let scheme = match req.endpoint.scheme {
        Scheme::Http => WasiScheme::Http,
        Scheme::Https => WasiScheme::Https,
    };
    let refused = |what: &str| Error::Transport {
        code: ErrorCode::HttpRequestUriInvalid,
        detail: Some(format!("the host refused the {what}")),
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
        .map_err(|()| internal("the request body was already taken"))?;

    // Host-side limits as a backstop; a host may not support them, which is
    // fine because the guest's own deadline still applies. The attempt's
    // deadline was set a moment ago, so its span is what is left of it (to
    // within microseconds; the guest's own check is exact): no clock read.
    let options = RequestOptions::new();
    let ns = Some(deadline.span_ns().max(1));
    let _ = options.set_connect_timeout(ns);
    let _ = options.set_first_byte_timeout(ns);
    let _ = options.set_between_bytes_timeout(ns);

    // `handle` before writing: the host only drains the body once the request
    // is under way, so writing first can block forever.
    let future = outgoing_handler::handle(request, Some(options))
        .map_err(|code| Error::from_code(code, deadline.limit_ms()))?;

    let mut waits = Waits::new(deadline);
    // Fires with the answer, or with the failure of the connection: watched
    // during the upload too, since a host may stop draining the body of a
    // request whose connection failed (jco's preview2-shim, past its 32 KiB
    // buffer), and only the future says so.
    let answered = future.subscribe();
    let response = match upload(body, req.body, &mut waits, &answered) {
        Ok(()) => wait_response(&future, &answered, &mut waits),
        Err(e @ Error::Timeout(_)) => Err(e),
        // A refused or reset connection shows up as a closed body stream (or
        // an answer before the upload ended); the host's real error code is
        // on the response future, so prefer it.
        // An answer is the receiver's before it read everything (a 413, say).
        Err(upload_err) => match wait_response(&future, &answered, &mut waits) {
            Err(Error::Timeout(_)) => Err(upload_err),
            other => other,
        },
    };
    drop(answered);
    let result = response.and_then(|response| {
        let result = read_response(&response, &mut waits);
        // Children before parents: the body is gone by now, then the
        // response, then the future it came from.
        drop(response);
        result
    });
    drop(future);
    result
}

/// The waits of one exchange: each polls what it waits for together with
/// one timer at the deadline, made at the first wait and kept for the rest.
struct Waits<'a> {
    deadline: &'a Deadline,
    timer: Option<Pollable>,
}

impl<'a> Waits<'a> {
    fn new(deadline: &'a Deadline) -> Self {
        Waits {
            deadline,
            timer: None,
        }
    }

    /// Wait until `ready` fires, or fail with a timeout at the deadline.
    ///
    /// Always through `poll` with the timer: a host whose `ready` answers
    /// true too eagerly (jco's preview2-shim for body streams) would
    /// otherwise let a trickling answer outlast the deadline. For the same
    /// reason a wait that may repeat without progress (`check_clock`) also
    /// reads the clock: an eager `ready` must not spin past the deadline.
    fn wait(&mut self, ready: &Pollable, check_clock: bool) -> Result<(), Error> {
        self.wait_for(&[ready], check_clock).map(drop)
    }

    /// [`Waits::wait`] for the first of `ready` (one or two) to fire: its
    /// index.
    fn wait_for(&mut self, ready: &[&Pollable], check_clock: bool) -> Result<usize, Error> {
        let deadline = self.deadline;
        let timer = self
            .timer
            .get_or_insert_with(|| monotonic_clock::subscribe_instant(deadline.at_ns()));
        // On the stack: this is every request's path.
        let mut all = [&*timer; 3];
        all[..ready.len()].copy_from_slice(ready);
        let fired = poll(&all[..=ready.len()]);
        let first = fired.iter().map(|&i| i as usize).find(|&i| i < ready.len());
        match first {
            Some(i) if !(check_clock && deadline.passed(&WasiClock)) => Ok(i),
            _ => Err(deadline.timeout()),
        }
    }

    fn timeout(&self) -> Error {
        self.deadline.timeout()
    }

    fn limit_ms(&self) -> u64 {
        self.deadline.limit_ms()
    }
}

/// Write the body in chunks the host accepts, then finish it; stop when
/// `answered` fires first (an answer, or a failed connection).
fn upload(
    body: OutgoingBody,
    bytes: &[u8],
    waits: &mut Waits<'_>,
    answered: &Pollable,
) -> Result<(), Error> {
    let stream = body
        .write()
        .map_err(|()| internal("the request body stream was already taken"))?;
    let written = write_all(&stream, bytes, waits, answered);
    drop(stream);
    written?;
    OutgoingBody::finish(body, None).map_err(|code| Error::from_code(code, waits.limit_ms()))
}

fn write_all(
    stream: &OutputStream,
    mut bytes: &[u8],
    waits: &mut Waits<'_>,
    answered: &Pollable,
) -> Result<(), Error> {
    let limit_ms = waits.limit_ms();
    // Room in the stream, or the answer before the body is written.
    let room = |ready_at: &mut Option<Pollable>, waits: &mut Waits<'_>| {
        let ready = ready_at.get_or_insert_with(|| stream.subscribe());
        match waits.wait_for(&[ready, answered], true)? {
            0 => Ok(()),
            _ => Err(internal("the request ended before its body was sent")),
        }
    };
    // A body of one chunk always fits the host's body buffer, so the
    // blocking call cannot outlast the deadline; it saves several calls.
    if bytes.len() <= WRITE_CHUNK {
        return stream
            .blocking_write_and_flush(bytes)
            .map_err(|e| stream_error(e, limit_ms));
    }
    // Larger bodies go in the pieces `check-write` permits (wasmtime: 1 MiB
    // per write by default): a 200 KB body in 4 KiB writes cost 50 host
    // round trips, and more than half of a batch call's time.
    let mut ready_at: Option<Pollable> = None;
    while !bytes.is_empty() {
        let ready = stream
            .check_write()
            .map_err(|e| stream_error(e, limit_ms))?;
        if ready == 0 {
            room(&mut ready_at, waits)?;
            continue;
        }
        let n = bytes
            .len()
            .min(usize::try_from(ready).unwrap_or(WRITE_CHUNK));
        stream
            .write(&bytes[..n])
            .map_err(|e| stream_error(e, limit_ms))?;
        bytes = &bytes[n..];
    }
    stream.flush().map_err(|e| stream_error(e, limit_ms))?;
    // A flush has completed once the stream reports room again.
    while stream
        .check_write()
        .map_err(|e| stream_error(e, limit_ms))?
        == 0
    {
        room(&mut ready_at, waits)?;
    }
    Ok(())
}

fn wait_response(
    future: &FutureIncomingResponse,
    ready: &Pollable,
    waits: &mut Waits<'_>,
) -> Result<IncomingResponse, Error> {
    // Right after the upload the answer is never there yet: wait first, and
    // ask once it is ready (one `get` instead of two).
    loop {
        waits.wait(ready, false)?;
        match future.get() {
            Some(Ok(Ok(resp))) => return Ok(resp),
            Some(Ok(Err(code))) => return Err(Error::from_code(code, waits.limit_ms())),
            Some(Err(())) => return Err(internal("the response was already taken")),
            // A host that woke us early: wait again, now with the clock.
            None => {
                if waits.deadline.passed(&WasiClock) {
                    return Err(waits.timeout());
                }
            }
        }
    }
}

/// Status, `Retry-After`, and a bounded prefix of the body. A 204 (Loki's
/// answer) has neither header nor body worth a host call; another 2xx has
/// its body read (so that the connection can carry the next request) but
/// not kept.
fn read_response(resp: &IncomingResponse, waits: &mut Waits<'_>) -> Result<Response, Error> {
    let status = resp.status();
    let success = (200..300).contains(&status);
    if status == 204 {
        return Ok(Response {
            status,
            retry_after: None,
            body: Vec::new(),
        });
    }
    let retry_after = if success {
        None
    } else {
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
            read_bounded(&stream, &mut body, waits)?;
            drop(stream);
        }
        drop(incoming);
    }
    if success {
        body.clear();
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
    waits: &mut Waits<'_>,
) -> Result<(), Error> {
    let mut ready: Option<Pollable> = None;
    while out.len() < MAX_RESPONSE_BODY {
        let want = (MAX_RESPONSE_BODY - out.len()) as u64;
        match stream.read(want) {
            Ok(chunk) if chunk.is_empty() => {
                waits.wait(ready.get_or_insert_with(|| stream.subscribe()), true)?
            }
            Ok(chunk) => {
                out.extend_from_slice(&chunk);
                // A steady trickle never leaves the stream empty to wait on.
                if waits.deadline.passed(&WasiClock) {
                    return Err(waits.timeout());
                }
            }
            Err(StreamError::Closed) => return Ok(()),
            Err(e) => return Err(stream_error(e, waits.limit_ms())),
        }
    }
    Ok(())
}

fn header_error(e: wasi::http::types::HeaderError) -> &'static str {
    use wasi::http::types::HeaderError as H;
    match e {
        H::InvalidSyntax => "invalid syntax",
        H::Forbidden => "forbidden",
        H::Immutable => "immutable",
    }
}

/// A body stream broke. The host says why when it can (`http-error-code`);
/// otherwise the connection went away under us.
fn stream_error(e: StreamError, limit_ms: u64) -> Error {
    match e {
        StreamError::Closed => Error::Transport {
            code: ErrorCode::ConnectionTerminated,
            detail: Some("stream closed".into()),
        },
        StreamError::LastOperationFailed(err) => match wasi::http::types::http_error_code(&err) {
            Some(code) => Error::from_code(code, limit_ms),
            None => Error::Transport {
                code: ErrorCode::ConnectionTerminated,
                detail: Some(err.to_debug_string()),
            },
        },
    }
}

fn internal(detail: impl Into<String>) -> Error {
    Error::Transport {
        code: ErrorCode::InternalError(None),
        detail: Some(detail.into()),
    }
}
