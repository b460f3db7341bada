//! Every error class, over real HTTP, with WASI's exact `error-code` case
//! names, and the instance keeps working after each one; `stats.last-error`
//! is the error's text. Also: the test receiver itself refuses malformed
//! pushes, as Loki does, or these tests could not catch a component that
//! sends them.

use crate::common::*;
use runner_metrics_host::{Client, Event, Instance, Rejection, TransportFailure, WitError};
use runner_metrics_testkit::{Receiver, Reply};
use std::time::{Duration, Instant};

fn event() -> Event {
    one_of_each().remove(0)
}

async fn client_for(inst: &mut Instance, url: &str, timeout_ms: Option<i64>) -> Client {
    client_with(inst, url, async |i, o| match timeout_ms {
        Some(ms) => i.set_timeout_ms(o, ms).await,
        None => Ok(()),
    })
    .await
}

/// The call's error, after checking that `stats.last-error` is its text.
async fn failed(inst: &mut Instance, c: &Client) -> WitError {
    let r = issue(inst, c, &event()).await;
    let text = r.as_ref().map_err(ToString::to_string).unwrap_err();
    let last = inst.stats(c).await.unwrap().last_error;
    assert_eq!(last.as_deref(), Some(text.as_str()), "last-error");
    component_error(r)
}

#[tokio::test]
async fn nothing_listening_is_connection_refused() {
    let mut inst = instance().await;
    let c = client_for(&mut inst, &closed_url(), None).await;
    match failed(&mut inst, &c).await {
        WitError::Transport(TransportFailure { code, .. }) => {
            assert_eq!(code, "connection-refused")
        }
        other => panic!("{other:?}"),
    }
    still_works(&mut inst).await;
}

#[tokio::test]
async fn unknown_host_is_a_dns_error() {
    let mut inst = instance().await;
    let c = client_for(
        &mut inst,
        "http://no-such-host.invalid/loki/api/v1/push",
        Some(10_000),
    )
    .await;
    match failed(&mut inst, &c).await {
        WitError::Transport(TransportFailure { code, detail }) => {
            assert_eq!(code, "DNS-error", "{detail:?}")
        }
        other => panic!("{other:?}"),
    }
    still_works(&mut inst).await;
}

#[tokio::test]
async fn reset_connection_is_a_transport_failure() {
    // Reads the request, then closes with RST (SO_LINGER 0) instead of FIN.
    let server = runner_metrics_testkit::FaultyServer::start(
        runner_metrics_testkit::Fault::ResetBeforeResponse,
    )
    .await
    .unwrap();
    let mut inst = instance().await;
    let c = client_for(&mut inst, &server.url(), None).await;
    let err = failed(&mut inst, &c).await;
    assert!(matches!(err, WitError::Transport(_)), "{err:?}");
    still_works(&mut inst).await;
}

#[tokio::test]
async fn rejections_carry_status_body_and_retry_after() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_for(&mut inst, &rx.url(), None).await;
    let cases = [
        (
            Reply::status(
                400,
                "entry for stream '{job=\"metrics\"}' has timestamp too new",
            ),
            400,
            None,
        ),
        (Reply::status(500, "internal error"), 500, None),
        (
            Reply::status(429, "Ingestion rate limit exceeded").with_header("Retry-After", "1"),
            429,
            Some(1000),
        ),
        (
            Reply::status(503, "").with_header("Retry-After", "soon"),
            503,
            None,
        ),
    ];
    for (reply, status, retry) in cases {
        let expected_body = match &reply {
            Reply::Status { body, .. } => String::from_utf8(body.clone()).unwrap(),
            Reply::Hang | Reply::LostAnswer => unreachable!(),
        };
        rx.script([reply]);
        let err = failed(&mut inst, &c).await;
        assert_eq!(
            err,
            WitError::Rejected(Rejection {
                status,
                body: expected_body,
                retry_after_ms: retry
            })
        );
        // The instance and the same client keep working.
        issue(&mut inst, &c, &event()).await.unwrap();
    }
    assert_eq!(
        rx.pushes().len(),
        4,
        "only the accepted pushes are recorded"
    );
}

#[tokio::test]
async fn rejection_body_is_cut_to_one_kib_and_made_utf8() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_for(&mut inst, &rx.url(), None).await;
    // Decoded first (the invalid byte becomes the three bytes of U+FFFD),
    // then cut at a character's end: the é straddles byte 1024 of the text.
    let mut body = vec![0xff];
    body.extend_from_slice(&[b'x'; 1020]);
    body.extend_from_slice("é and more".as_bytes());
    rx.script([Reply::Status {
        status: 400,
        headers: vec![],
        body,
    }]);
    let WitError::Rejected(r) = failed(&mut inst, &c).await else {
        panic!()
    };
    assert_eq!(r.body, format!("\u{fffd}{}", "x".repeat(1020)));
    still_works(&mut inst).await;
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out() {
    let rx = Receiver::start().await.unwrap();
    rx.set_default(Reply::Hang);
    let mut inst = instance().await;
    let c = client_for(&mut inst, &rx.url(), Some(700)).await;
    let started = Instant::now();
    let err = failed(&mut inst, &c).await;
    let took = started.elapsed();
    assert_eq!(err, WitError::Timeout(700));
    // About the configured time: not early, and not the host's 600 s.
    assert!(took >= Duration::from_millis(650), "{took:?}");
    assert!(took < Duration::from_millis(3000), "{took:?}");
    assert_eq!(rx.requests(), 1);
    still_works(&mut inst).await;
}

#[tokio::test]
async fn a_malformed_push_is_answered_400_by_the_receiver() {
    let rx = Receiver::start().await.unwrap();
    let (status, text) = post(
        &rx.url(),
        "application/json",
        br#"{"streams":[{"stream":{"job":"x"},"values":[[1700000000000000000,"line"]]}]}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert!(text.contains("timestamp"), "{text}");
    let bad = [
        &br#"{"streams":{}}"#[..],
        br#"not json"#,
        br#"{"streams":[{"stream":{},"values":[]}]}"#,
        br#"{"streams":[{"stream":{"9bad":"x"},"values":[]}]}"#,
        br#"{"streams":[{"stream":{"job":"x"},"values":[["12a","line"]]}]}"#,
        br#"{"streams":[{"stream":{"job":"x"},"values":[["1","line","extra","more"]]}]}"#,
    ];
    for body in bad {
        let (status, _) = post(&rx.url(), "application/json", body).await;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(body));
    }
    assert!(rx.pushes().is_empty());
}

/// A bare HTTP/1.1 POST over a TCP stream (`Connection: close`), for poking
/// the receiver directly: the status and the body of its answer.
async fn post(url: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut tcp = tokio::net::TcpStream::connect(authority).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {authority}\r\ncontent-type: {content_type}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_string())
}
