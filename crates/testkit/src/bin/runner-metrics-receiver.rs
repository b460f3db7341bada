//! `runner-metrics-receiver`: the test kit's Loki push receiver in a process
//! of its own, for the Python and JavaScript suites and the benchmarks.
//!
//! ```text
//! runner-metrics-receiver [--port N] [--null] [--ignore-stdin]
//! ```
//!
//! It listens on `127.0.0.1:N` (default 0: an ephemeral port), prints one
//! line of JSON to stdout and flushes it:
//!
//! ```text
//! {"push":"http://127.0.0.1:PORT/loki/api/v1/push","control":"http://127.0.0.1:PORT/control"}
//! ```
//!
//! then serves until its stdin reaches end of file (so a test process that
//! dies takes the receiver with it) or it gets SIGTERM or SIGINT, and exits
//! with 0. `--ignore-stdin` serves until a signal only (for a shell that
//! starts it in the background with stdin on `/dev/null`). `--null` answers
//! 204 as soon as a body is read, decoding and keeping nothing (Loki's cost
//! as a peer, for benchmarks); scripts and the size limit are then ignored.
//! Wrong arguments: a message on stderr and exit status 2.
//!
//! # The push path
//!
//! `POST /loki/api/v1/push` decodes the body as Loki does by its
//! `Content-Type` (`application/json`, else snappy protobuf) and
//! `Content-Encoding` (`gzip` or none), answers 400 to a malformed body, 413
//! to one over the size limit (100 MB unless set), 404 to another path or
//! method, and otherwise the next scripted answer or the default (204). An
//! answer in 2xx records the push, as does `lost_answer`.
//!
//! # The control API
//!
//! JSON under `/control/` on the same port. Control requests are not counted
//! among the requests, nor their connections among the connections.
//!
//! - `GET /control/pushes` → 200, every accepted push in order:
//!   `[{"content_type": "application/json" | null, "content_encoding": "gzip"
//!   | null, "content_length": 123 | null, "chunked": false, "headers":
//!   {"name": "value"}, "body_bytes": 123, "streams": [{"labels": [["name",
//!   "value"]], "entries": [{"ts_ns": "1700000000000000000", "line": "...",
//!   "metadata": [["name", "value"]]}]}]}]`. Header names are lower-case,
//!   values lossy UTF-8, a repeated header's values joined by `", "`;
//!   `content_length` is the header's value (null when absent), `chunked`
//!   whether `Transfer-Encoding` said `chunked`; `body_bytes` the body as it
//!   came over the wire; labels and metadata are pairs in the order decoded.
//! - `GET /control/requests` → 200, `{"requests": n, "connections": n,
//!   "pushes": n, "wire_bytes": n, "rejected": [{"status": 400, "reason":
//!   "..."}]}`: push-path requests whatever the answer, TCP connections,
//!   accepted pushes, body bytes received, and the 400/413/404 answers the
//!   receiver gave on its own, with why.
//! - `POST /control/reset` → 204: forgets pushes, counters, refusals, the
//!   script, the default answer and the size limit.
//! - `POST /control/script` with `[answer, ...]` → 204: the next push
//!   requests get these answers in order, then the default.
//! - `POST /control/default` with one `answer` → 204: the answer to every
//!   request not scripted (204 until set).
//! - `POST /control/max-body` with `{"bytes": n}` → 204: bodies larger than
//!   `n` bytes on the wire get a 413.
//! - `POST /control/fault` with `{"kind": "...", ...}` → 200, `{"url":
//!   "http://127.0.0.1:PORT/loki/api/v1/push"}`: starts a separate
//!   misbehaving listener, kept until the receiver exits. Kinds:
//!   `reset-before-response` (reads the request, then resets),
//!   `reset-mid-body` (`"after": n`, default 1: reads n body bytes, short
//!   of the whole body, then resets), `reset-during-response` (sends part of
//!   a status line, then resets), `hang` (reads the request, never answers),
//!   `never-reads` (accepts, never reads), `slow` (`"head": "...", "rest":
//!   "...", "every_ms": n`: sends head, then rest a byte every n ms),
//!   `huge-body` (`"status": n, "len": n`: announces len bytes and streams
//!   them), `raw` (`"bytes": "..."`: sends them, then closes), and
//!   `tls-self-signed` (an `https://` URL: TLS with a self-signed
//!   certificate, 204 to any request) and `refused` (a port nothing listens
//!   on).
//!
//! An `answer` is `{"status": 503, "headers": {"retry-after": "1"}, "body":
//! "..."}` (`headers` and `body` optional), `{"hang": true}` (never answer)
//! or `{"lost_answer": true}` (record the push, never answer). A malformed
//! control request gets 400 `{"error": "..."}`, an unknown path 404, a wrong
//! method 405.

use runner_metrics_testkit::Options;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

const USAGE: &str = "usage: runner-metrics-receiver [--port N] [--null] [--ignore-stdin]";

/// The command line.
struct Args {
    port: u16,
    null: bool,
    ignore_stdin: bool,
}

/// The arguments; `None` for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        port: 0,
        null: false,
        ignore_stdin: false,
    };
    while let Some(arg) = args.next() {
        let port = match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--null" => {
                parsed.null = true;
                continue;
            }
            "--ignore-stdin" => {
                parsed.ignore_stdin = true;
                continue;
            }
            "--port" => args.next().ok_or("--port needs a value")?,
            other => match other.strip_prefix("--port=") {
                Some(port) => port.to_string(),
                None => return Err(format!("unknown argument {other:?}")),
            },
        };
        parsed.port = port
            .parse()
            .map_err(|_| format!("--port {port:?} is not a port number"))?;
    }
    Ok(Some(parsed))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(why) => {
            eprintln!("runner-metrics-receiver: {why}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let options = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], args.port)),
        null: args.null,
    };
    let receiver = match runner_metrics_testkit::control::start(options).await {
        Ok(receiver) => receiver,
        Err(e) => {
            eprintln!(
                "runner-metrics-receiver: listening on port {}: {e}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    let stopped = match stop_requested(!args.ignore_stdin) {
        Ok(stopped) => stopped,
        Err(e) => {
            eprintln!("runner-metrics-receiver: installing signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ready = serde_json::json!({
        "push": receiver.url(),
        "control": format!("http://{}{}", receiver.addr(), runner_metrics_testkit::control::CONTROL_PATH),
    });
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{ready}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    stopped.await;
    ExitCode::SUCCESS
}

/// Set up what stops the receiver: stdin reaching end of file (when
/// watched), SIGINT or SIGTERM. Done before the first line is printed, so
/// that a signal sent as soon as it is read is not missed; the future ends
/// at the first of them.
fn stop_requested(watch_stdin: bool) -> std::io::Result<impl Future<Output = ()>> {
    let (closed, stdin_closed) = tokio::sync::oneshot::channel::<()>();
    if watch_stdin {
        // A thread of its own: tokio's stdin reads on the runtime's blocking
        // pool, whose pending read would hold up the runtime's shutdown.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            let _ = closed.send(());
        });
    }
    // Unwatched, `closed` is gone: `stdin_closed` ends in `Err`, which
    // disables its branch below.
    let signalled = signalled()?;
    Ok(async move {
        tokio::select! {
            Ok(()) = stdin_closed => {}
            () = signalled => {}
        }
    })
}

/// A future that ends at SIGINT or SIGTERM.
#[cfg(unix)]
fn signalled() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// A future that ends at Ctrl-C.
#[cfg(not(unix))]
fn signalled() -> std::io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

#[cfg(test)]
mod tests {
    use super::parse_args;

    fn parse(args: &[&str]) -> Result<Option<(u16, bool, bool)>, String> {
        parse_args(args.iter().map(|a| a.to_string()))
            .map(|a| a.map(|a| (a.port, a.null, a.ignore_stdin)))
    }

    #[test]
    fn arguments_parse() {
        assert_eq!(parse(&[]), Ok(Some((0, false, false))));
        assert_eq!(
            parse(&["--port", "4100", "--null"]),
            Ok(Some((4100, true, false)))
        );
        assert_eq!(
            parse(&["--ignore-stdin", "--port=7"]),
            Ok(Some((7, false, true)))
        );
        assert_eq!(parse(&["--help"]), Ok(None));
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "65536"]).is_err());
        assert!(parse(&["--nul"]).is_err());
    }
}
