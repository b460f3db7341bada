//! Every error class, over real HTTP, and the instance keeps working after
//! each one.

use crate::common::*;
use metrics_host::bindings::{Rejection, TransportFailure, WitError};
use metrics_host::faulty::{Fault, FaultyServer};
use metrics_host::receiver::{Receiver, Reply};
use metrics_host::{ClientHandle, Event, Instance};
use std::time::{Duration, Instant};

fn event() -> Event {
    one_of_each().remove(0)
}

async fn client_for(inst: &mut Instance, url: &str, timeout_ms: Option<u32>) -> ClientHandle {
    let mut c = config(url);
    c.timeout_ms = timeout_ms;
    inst.client(&c).await.unwrap()
}

#[tokio::test]
async fn nothing_listening_is_connection_refused() {
    let mut inst = instance().await;
    let url = format!("http://127.0.0.1:{}/loki/api/v1/push", closed_port());
    let c = client_for(&mut inst, &url, None).await;
    let err = component_error(inst.client_issue_event(c, &event()).await);
    match err {
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
    let err = component_error(inst.client_issue_event(c, &event()).await);
    match err {
        WitError::Transport(TransportFailure { code, detail }) => {
            assert_eq!(code, "dns-error", "{detail:?}")
        }
        other => panic!("{other:?}"),
    }
    still_works(&mut inst).await;
}

#[tokio::test]
async fn reset_connection_is_a_transport_failure() {
    // Reads the request, then closes with RST (SO_LINGER 0) instead of FIN.
    let server = FaultyServer::start(Fault::ResetBeforeResponse)
        .await
        .unwrap();
    let mut inst = instance().await;
    let c = client_for(&mut inst, &server.url(), None).await;
    let err = component_error(inst.client_issue_event(c, &event()).await);
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
        let err = component_error(inst.client_issue_event(c, &event()).await);
        assert_eq!(
            err,
            WitError::Rejected(Rejection {
                status,
                body: expected_body,
                retry_after_ms: retry
            })
        );
        // The instance and the same client keep working.
        inst.client_issue_event(c, &event()).await.unwrap();
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
    let mut body = vec![b'x'; 1023];
    body.extend_from_slice("é and more".as_bytes()); // the é straddles the cut
    rx.script([Reply::Status {
        status: 400,
        headers: vec![],
        body,
    }]);
    let WitError::Rejected(r) = component_error(inst.client_issue_event(c, &event()).await) else {
        panic!()
    };
    assert_eq!(r.body.len(), 1023 + '\u{fffd}'.len_utf8());
    assert!(r.body.ends_with('\u{fffd}'));
    still_works(&mut inst).await;
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out() {
    let rx = Receiver::start().await.unwrap();
    rx.set_default(Reply::Hang);
    let mut inst = instance().await;
    let c = client_for(&mut inst, &rx.url(), Some(700)).await;
    let started = Instant::now();
    let err = component_error(inst.client_issue_event(c, &event()).await);
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
    // The receiver itself must refuse bad bodies like Loki, or the tests
    // above could not catch a component that sends them.
    let rx = Receiver::start().await.unwrap();
    let client = reqwest_like_post(
        &rx.url(),
        "application/json",
        br#"{"streams":[{"stream":{"job":"x"},"values":[[1700000000000000000,"line"]]}]}"#,
    )
    .await;
    assert_eq!(client.0, 400);
    assert!(client.1.contains("timestamp"), "{}", client.1);
    let bad = [
        &br#"{"streams":{}}"#[..],
        br#"not json"#,
        br#"{"streams":[{"stream":{},"values":[]}]}"#,
        br#"{"streams":[{"stream":{"9bad":"x"},"values":[]}]}"#,
        br#"{"streams":[{"stream":{"job":"x"},"values":[["12a","line"]]}]}"#,
        br#"{"streams":[{"stream":{"job":"x"},"values":[["1","line","extra","more"]]}]}"#,
    ];
    for body in bad {
        let (status, _) = reqwest_like_post(&rx.url(), "application/json", body).await;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(body));
    }
    assert!(rx.pushes().is_empty());
}

/// A plain hyper client, for poking the receiver directly.
async fn reqwest_like_post(url: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    use http_body_util::{BodyExt, Full};
    let uri: http::Uri = url.parse().unwrap();
    let tcp = tokio::net::TcpStream::connect(uri.authority().unwrap().as_str())
        .await
        .unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    let req = http::Request::post(uri.path())
        .header("host", uri.authority().unwrap().as_str())
        .header("content-type", content_type)
        .body(Full::new(bytes::Bytes::copy_from_slice(body)))
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&text).into_owned())
}
