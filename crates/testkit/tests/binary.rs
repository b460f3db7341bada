//! The `runner-metrics-receiver` binary end to end, as the Python and
//! JavaScript suites and the benchmarks use it: its first line, the push
//! path and the control API, the fault peers it starts, and how it exits.

mod common;

use common::{Framing, Spawned, get, json_body, now_ns, post, post_json, request};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[test]
fn first_line_names_the_push_and_control_urls_on_one_ephemeral_port() {
    let rx = Spawned::start(&[]);
    let (push_authority, push_path) = common::split_url(&rx.push);
    let (control_authority, control_path) = common::split_url(&rx.control);
    assert_eq!(push_path, "/loki/api/v1/push");
    assert_eq!(control_path, "/control");
    assert_eq!(push_authority, control_authority);
    assert!(push_authority.starts_with("127.0.0.1:"));
    assert_ne!(push_authority, "127.0.0.1:0");
    assert_ne!(push_authority, "127.0.0.1:3100");
}

#[test]
fn pushes_are_listed_with_what_an_http_test_needs() {
    let rx = Spawned::start(&[]);
    let ts = now_ns();
    let body = json_body(ts);
    let headers = [
        ("content-type", "application/json"),
        ("authorization", "Bearer t0ken"),
    ];
    let answer = request("POST", &rx.push, &headers, &body, Framing::Length).unwrap();
    assert_eq!(answer.status, 204, "{}", answer.text());
    let chunked = request("POST", &rx.push, &headers, &body, Framing::Chunked).unwrap();
    assert_eq!(chunked.status, 204, "{}", chunked.text());

    let pushes = get(&rx.control("pushes"));
    assert_eq!(pushes.status, 200);
    assert_eq!(pushes.header("content-type"), Some("application/json"));
    let pushes = pushes.json();
    let pushes = pushes.as_array().unwrap();
    assert_eq!(pushes.len(), 2);
    let first = &pushes[0];
    assert_eq!(first["content_type"], "application/json");
    assert_eq!(first["content_encoding"], Value::Null);
    assert_eq!(first["content_length"], json!(body.len()));
    assert_eq!(first["chunked"], false);
    assert_eq!(first["body_bytes"], json!(body.len()));
    assert_eq!(first["headers"]["authorization"], "Bearer t0ken");
    assert_eq!(first["headers"]["content-length"], body.len().to_string());
    let want_streams = json!([{
        "labels": [["job", "runner-metrics"], ["event", "start"]],
        "entries": [
            {"ts_ns": ts.to_string(), "line": "first line", "metadata": []},
            {"ts_ns": (ts + 1).to_string(), "line": "second line",
             "metadata": [["run_id", "42"], ["repo", "o/r"]]},
        ],
    }]);
    assert_eq!(first["streams"], want_streams);
    let second = &pushes[1];
    assert_eq!(second["content_length"], Value::Null);
    assert_eq!(second["chunked"], true);
    assert_eq!(second["headers"]["transfer-encoding"], "chunked");
    assert_eq!(second["streams"], want_streams);

    let counters = get(&rx.control("requests")).json();
    assert_eq!(counters["requests"], 2, "control requests are not counted");
    assert_eq!(counters["connections"], 2, "nor their connections");
    assert_eq!(counters["pushes"], 2);
    assert_eq!(counters["wire_bytes"], json!(2 * body.len()));
    assert_eq!(counters["rejected"], json!([]));
}

#[test]
fn refusals_are_listed_with_their_reason() {
    let rx = Spawned::start(&[]);
    assert_eq!(post(&rx.push, "application/json", b"{oops").status, 400);
    let limit = post_json(&rx.control("max-body"), &json!({"bytes": 8}));
    assert_eq!(limit.status, 204, "{}", limit.text());
    let big = post(&rx.push, "application/json", &json_body(now_ns()));
    assert_eq!(big.status, 413);
    let counters = get(&rx.control("requests")).json();
    let rejected = counters["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0]["status"], 400);
    let reason = rejected[0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("invalid JSON"), "{reason}");
    assert_eq!(
        rejected[1],
        json!({"status": 413, "reason": "request body too large"})
    );
    assert_eq!(get(&rx.control("pushes")).json(), json!([]));
}

#[test]
fn scripted_answers_then_the_default_then_reset() {
    let rx = Spawned::start(&[]);
    let script = json!([
        {"status": 503, "headers": {"retry-after": "1"}, "body": "ring unhealthy"},
        {"status": 200},
    ]);
    assert_eq!(post_json(&rx.control("script"), &script).status, 204);
    let first = post(&rx.push, "application/json", &json_body(now_ns()));
    assert_eq!(first.status, 503);
    assert_eq!(first.header("retry-after"), Some("1"));
    assert_eq!(first.text(), "ring unhealthy");
    assert_eq!(
        post(&rx.push, "application/json", &json_body(now_ns())).status,
        200
    );
    assert_eq!(
        post(&rx.push, "application/json", &json_body(now_ns())).status,
        204
    );

    let default = json!({"status": 429, "headers": {"Retry-After": "30"}});
    assert_eq!(post_json(&rx.control("default"), &default).status, 204);
    let limited = post(&rx.push, "application/json", &json_body(now_ns()));
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("30"));

    let counters = get(&rx.control("requests")).json();
    assert_eq!(
        (counters["requests"].clone(), counters["pushes"].clone()),
        (json!(4), json!(2))
    );

    assert_eq!(
        post(&rx.control("reset"), "application/json", b"").status,
        204
    );
    assert_eq!(get(&rx.control("pushes")).json(), json!([]));
    let counters = get(&rx.control("requests")).json();
    assert_eq!(counters["requests"], 0);
    assert_eq!(counters["connections"], 0);
    assert_eq!(
        post(&rx.push, "application/json", &json_body(now_ns())).status,
        204,
        "the default is 204 again"
    );
}

#[test]
fn a_hang_answer_never_comes() {
    let rx = Spawned::start(&[]);
    assert_eq!(
        post_json(&rx.control("script"), &json!([{"hang": true}])).status,
        204
    );
    let (authority, path) = common::split_url(&rx.push);
    let mut tcp = TcpStream::connect(authority).unwrap();
    let body = json_body(now_ns());
    write!(
        tcp,
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    tcp.write_all(&body).unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let err = tcp.read(&mut [0u8; 64]).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
}

#[test]
fn malformed_control_requests_are_refused() {
    let rx = Spawned::start(&[]);
    let bad = post_json(
        &rx.control("script"),
        &json!([{"status": 503, "colour": "red"}]),
    );
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"].as_str().unwrap().contains("colour"));
    let both = post_json(
        &rx.control("default"),
        &json!({"status": 503, "hang": true}),
    );
    assert_eq!(both.status, 400);
    assert_eq!(
        post_json(&rx.control("fault"), &json!({"kind": "gremlins"})).status,
        400
    );
    assert_eq!(get(&rx.control("nothing")).status, 404);
    assert_eq!(get(&rx.control("reset")).status, 405);
    assert_eq!(
        post(&rx.control("pushes"), "application/json", b"").status,
        405
    );
    // None of it reached the push path.
    assert_eq!(get(&rx.control("requests")).json()["requests"], 0);
}

#[test]
fn null_mode_answers_204_and_keeps_nothing() {
    let rx = Spawned::start(&["--null"]);
    let answer = post(&rx.push, "application/json", b"not decoded");
    assert_eq!(answer.status, 204);
    assert_eq!(get(&rx.control("pushes")).json(), json!([]));
    let counters = get(&rx.control("requests")).json();
    assert_eq!(counters["requests"], 1);
    assert_eq!(counters["wire_bytes"], 11);
}

/// Ask the binary for a fault peer; its URL.
fn fault(rx: &Spawned, spec: Value) -> String {
    let answer = post_json(&rx.control("fault"), &spec);
    assert_eq!(answer.status, 200, "{spec}: {}", answer.text());
    answer.json()["url"].as_str().unwrap().to_string()
}

#[test]
fn fault_peers_misbehave_as_named() {
    let rx = Spawned::start(&[]);
    let body = json_body(now_ns());
    let push = |url: &str| post_attempt(url, &body);

    let refused = fault(&rx, json!({"kind": "refused"}));
    let (authority, _) = common::split_url(&refused);
    let err = TcpStream::connect(authority).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);

    let reset = fault(&rx, json!({"kind": "reset-before-response"}));
    assert!(push(&reset).is_err(), "a reset is an error, not an answer");

    let raw = fault(
        &rx,
        json!({"kind": "raw", "bytes": "HTTP/1.1 418 Teapot\r\ncontent-length: 0\r\n\r\n"}),
    );
    assert_eq!(push(&raw).unwrap().status, 418);

    let hang = fault(&rx, json!({"kind": "hang"}));
    let (authority, path) = common::split_url(&hang);
    let mut tcp = TcpStream::connect(authority).unwrap();
    write!(
        tcp,
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{{}}"
    )
    .unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    assert!(tcp.read(&mut [0u8; 16]).is_err(), "hang answered");

    let tls = fault(&rx, json!({"kind": "tls-self-signed"}));
    assert!(tls.starts_with("https://127.0.0.1:"), "{tls}");
    let verifying = common::tls_client(&[]);
    let err = common::tls_post(&tls, verifying).unwrap_err();
    assert!(
        matches!(err, rustls::Error::InvalidCertificate(_)),
        "{err:?}"
    );
}

#[test]
fn reset_mid_body_resets_an_upload_under_way() {
    let rx = Spawned::start(&[]);
    let url = fault(&rx, json!({"kind": "reset-mid-body", "after": 1000}));
    let (authority, path) = common::split_url(&url);
    let mut tcp = TcpStream::connect(authority).unwrap();
    let body = vec![b'x'; 16 * 1024 * 1024];
    write!(
        tcp,
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    // 16 MiB do not fit in the socket buffers: the write fails once the
    // peer resets, long before the whole body is sent.
    let err = tcp.write_all(&body).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ),
        "{err}"
    );
}

#[test]
fn never_reads_leaves_a_large_upload_stalled() {
    let rx = Spawned::start(&[]);
    let url = fault(&rx, json!({"kind": "never-reads"}));
    let (authority, path) = common::split_url(&url);
    let mut tcp = TcpStream::connect(authority).unwrap();
    tcp.set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let body = vec![b'x'; 64 * 1024 * 1024];
    write!(
        tcp,
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let err = tcp.write_all(&body).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
}

/// POST `body` as JSON to `url`; an I/O error is the client's failure.
fn post_attempt(url: &str, body: &[u8]) -> std::io::Result<common::Answer> {
    request(
        "POST",
        url,
        &[("content-type", "application/json")],
        body,
        Framing::Length,
    )
}

#[test]
fn exits_when_stdin_closes() {
    let mut rx = Spawned::start(&[]);
    drop(rx.stdin.take());
    assert_eq!(rx.wait_exit(Duration::from_secs(10)), Some(0));
}

#[cfg(unix)]
#[test]
fn exits_on_sigterm() {
    let mut rx = Spawned::start(&[]);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &rx.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(rx.wait_exit(Duration::from_secs(10)), Some(0));
    assert!(rx.stdin.is_some(), "stdin was still open");
}

#[test]
fn ignore_stdin_keeps_serving_after_stdin_closes() {
    let mut rx = Spawned::start(&["--ignore-stdin"]);
    drop(rx.stdin.take());
    assert_eq!(rx.wait_exit(Duration::from_millis(300)), None);
    assert_eq!(get(&rx.control("requests")).status, 200);
}

#[test]
fn wrong_arguments_exit_2() {
    for args in [&["--port"][..], &["--port", "http"], &["--colour"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_runner-metrics-receiver"))
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("usage:"),
            "{args:?}"
        );
    }
}
