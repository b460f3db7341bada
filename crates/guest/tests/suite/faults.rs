//! Receivers that misbehave on purpose, on loopback (refusals, resets,
//! hangs, a stalled upload, slow or endless answers, raw bytes, redirects,
//! every status): each row states its expected result, with WASI's exact
//! `error-code` names; after every row the instance still works, and no
//! error or stats record carries a credential.

use crate::common::*;
use runner_metrics_host::{Auth, BasicAuth, Client, Error, Instance, Rejection, Stats, WitError};
use runner_metrics_testkit::{Fault, FaultyServer, Receiver, Reply};
use std::time::{Duration, Instant};

const PASSWORD: &str = "fault-Secret-pw-41";
const TOKEN: &str = "fault-Secret-tok-43";
const HEADER_SECRET: &str = "fault-Secret-hdr-42";

async fn secret_client(inst: &mut Instance, url: &str, timeout_ms: i64, auth: Auth) -> Client {
    client_with(inst, url, async |i, o| {
        i.set_timeout_ms(o, timeout_ms).await?;
        i.set_auth(o, &auth).await?;
        i.set_headers(o, &[("x-api-key".into(), HEADER_SECRET.into())])
            .await
    })
    .await
}

/// Issue one event to `url` with basic auth, then once more with a bearer
/// token; check that neither outcome, nor the stats, carries a secret, and
/// that the instance still works afterwards. Returns the first outcome.
async fn issue_to(
    inst: &mut Instance,
    url: &str,
    timeout_ms: i64,
) -> (Result<(), Error>, Duration) {
    let (result, took, _) = issue_with_stats(inst, url, timeout_ms).await;
    (result, took)
}

/// `issue_to`, also returning the first client's stats.
async fn issue_with_stats(
    inst: &mut Instance,
    url: &str,
    timeout_ms: i64,
) -> (Result<(), Error>, Duration, Stats) {
    let secrets = [
        PASSWORD.to_string(),
        TOKEN.to_string(),
        HEADER_SECRET.to_string(),
        basic_credentials("u", PASSWORD),
    ];
    let basic = Auth::Basic(BasicAuth {
        user: "u".into(),
        password: PASSWORD.into(),
    });
    let mut first = None;
    // The second call may meet another answer (a script ran out): it is
    // only scanned for secrets.
    for auth in [basic, Auth::Bearer(TOKEN.into())] {
        let c = secret_client(inst, url, timeout_ms, auth).await;
        let started = Instant::now();
        let result = issue(inst, &c, &one_of_each()[0]).await;
        let took = started.elapsed();
        if let Err(e) = &result {
            assert_no_secret(&e.to_string(), &secrets);
            assert_no_secret(&format!("{e:?}"), &secrets);
        }
        let stats = inst.stats(&c).await.unwrap();
        assert_no_secret(&format!("{stats:?}"), &secrets);
        first.get_or_insert((result, took, stats));
    }
    still_works(inst).await;
    first.expect("one call made")
}

fn transport_code(r: Result<(), Error>) -> String {
    match component_error(r) {
        WitError::Transport(t) => t.code,
        other => panic!("expected transport, got {other:?}"),
    }
}

fn rejected(r: Result<(), Error>) -> Rejection {
    match component_error(r) {
        WitError::Rejected(r) => r,
        other => panic!("expected rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn connection_refused() {
    let mut inst = instance().await;
    let (r, _) = issue_to(&mut inst, &closed_url(), 1000).await;
    assert_eq!(transport_code(r), "connection-refused");
}

/// A reset once the exchange is under way is `HTTP-protocol-error`, the
/// code wasmtime's own sender gives it (crates/host/src/classify.rs), with
/// either sender.
#[tokio::test]
async fn reset_before_the_response() {
    let server = FaultyServer::start(Fault::ResetBeforeResponse)
        .await
        .unwrap();
    let mut inst = instance().await;
    let (r, _) = issue_to(&mut inst, &server.url(), 1000).await;
    assert_eq!(transport_code(r), "HTTP-protocol-error");
}

#[tokio::test]
async fn reset_during_the_response() {
    let server = FaultyServer::start(Fault::ResetDuringResponse)
        .await
        .unwrap();
    let mut inst = instance().await;
    let (r, _) = issue_to(&mut inst, &server.url(), 1000).await;
    assert_eq!(transport_code(r), "HTTP-protocol-error");
}

/// Within the configured time, ±20 %.
fn about(took: Duration, ms: u64) {
    let ms_took = took.as_millis() as u64;
    assert!(
        ms_took >= ms * 8 / 10 && ms_took <= ms * 12 / 10,
        "took {ms_took} ms for a {ms} ms timeout"
    );
}

#[tokio::test]
async fn accepts_and_never_answers() {
    let server = FaultyServer::start(Fault::Hang).await.unwrap();
    let mut inst = instance().await;
    let (r, took) = issue_to(&mut inst, &server.url(), 1000).await;
    assert!(matches!(component_error(r), WitError::Timeout(1000)));
    about(took, 1000);
}

#[tokio::test]
async fn never_reads_a_large_upload() {
    // 12.5 MiB in one request: more than the socket buffers take, so the
    // upload itself stalls, and the timeout must hold while writing.
    let server = FaultyServer::start(Fault::NeverReads).await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &server.url(), async |i, o| {
        i.set_batch_max_bytes(o, 100 << 20).await?;
        i.set_timeout_ms(o, 1000).await?;
        i.set_auth(o, &Auth::Bearer(TOKEN.into())).await
    })
    .await;
    let events: Vec<_> = (0..64).map(|i| padded(i, 200 * 1024)).collect();
    let started = Instant::now();
    let r = issue_all(&mut inst, &c, &events).await;
    let took = started.elapsed();
    let e = component_error(r);
    assert_no_secret(&format!("{e:?}"), &[TOKEN.to_string()]);
    assert!(matches!(e, WitError::Timeout(1000)), "{e:?}");
    // The timeout runs from the request's start; before it, the component
    // builds the 12.5 MiB body. What the same call takes with a receiver
    // that reads is the allowance for that (and more).
    let rx = Receiver::start().await.unwrap();
    let good = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_batch_max_bytes(o, 100 << 20).await
    })
    .await;
    let baseline = Instant::now();
    issue_all(&mut inst, &good, &events).await.unwrap();
    let baseline = baseline.elapsed();
    assert!(took >= Duration::from_millis(1000), "{took:?}");
    assert!(
        took <= Duration::from_millis(1200) + baseline,
        "took {took:?} for a 1000 ms timeout (+ {baseline:?} to build and send it)"
    );
    still_works(&mut inst).await;
}

#[tokio::test]
async fn slow_loris_one_byte_a_second() {
    let rest = b"HTTP/1.1 204 No Content\r\n\r\n".to_vec();
    let every = Duration::from_secs(1);
    let server = FaultyServer::start(Fault::Slow {
        head: vec![],
        rest,
        every,
    })
    .await
    .unwrap();
    let mut inst = instance().await;
    let (r, took) = issue_to(&mut inst, &server.url(), 1500).await;
    assert!(matches!(component_error(r), WitError::Timeout(1500)));
    about(took, 1500);
}

#[tokio::test]
async fn a_2xx_whose_body_trickles_in() {
    // The head arrives at once; the body never stops arriving long enough to
    // leave the stream idle, and never finishes in time.
    let head = b"HTTP/1.1 200 OK\r\ncontent-length: 40\r\n\r\n".to_vec();
    let rest = vec![b'x'; 40];
    let every = Duration::from_millis(100);
    let server = FaultyServer::start(Fault::Slow { head, rest, every })
        .await
        .unwrap();
    let mut inst = instance().await;
    let (r, took) = issue_to(&mut inst, &server.url(), 1000).await;
    assert!(matches!(component_error(r), WitError::Timeout(1000)));
    about(took, 1000);
}

#[tokio::test]
async fn a_100_mib_body_is_not_read_in_full() {
    let server = FaultyServer::start(Fault::HugeBody {
        status: 500,
        len: 100 * 1024 * 1024,
    })
    .await
    .unwrap();
    // A host of its own, so that its pool counts only this row's reads.
    let host = host().with(|b| b).unwrap();
    let mut inst = host.instantiate().await.unwrap();
    let (r, took) = issue_to(&mut inst, &server.url(), 5000).await;
    let r = rejected(r);
    assert_eq!(r.status, 500);
    assert_eq!(r.body, "x".repeat(1024));
    // The guest stops reading at 64 KiB of each answer; the pool hands it
    // over in hyper's frames (at most 400 KiB, its largest read buffer), so
    // two answers pull well under 1 MiB. Reading all would be 200 MiB.
    let read = host.response_body_bytes().expect("the pooled sender");
    println!("100 MiB body: the guests read {read} bytes");
    assert!(read < 1024 * 1024, "the guests read {read} bytes");
    // Reading 100 MiB through the component would take far longer.
    assert!(took < Duration::from_secs(2), "{took:?}");
    // What the server got into the sockets of both calls of `issue` before
    // they closed: the component's 64 KiB plus kernel and hyper buffers, not
    // the body. A client that drained it would let in 200 MiB.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = server.body_bytes_sent();
    println!("100 MiB body: {sent} bytes left the server");
    assert!(sent < 32 * 1024 * 1024, "{sent} bytes were taken");
}

#[tokio::test]
async fn a_non_utf8_body() {
    let raw = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 5\r\n\r\nab\xff\xfe\x80".to_vec();
    let server = FaultyServer::start(Fault::Raw(raw)).await.unwrap();
    let mut inst = instance().await;
    let (r, _) = issue_to(&mut inst, &server.url(), 1000).await;
    let r = rejected(r);
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, "ab\u{fffd}\u{fffd}\u{fffd}")
    );
}

#[tokio::test]
async fn redirects_to_another_host_are_not_followed() {
    let other = Receiver::start().await.unwrap();
    for status in [301, 302, 307, 308] {
        let rx = Receiver::start().await.unwrap();
        rx.script([Reply::status(status, "moved").with_header("Location", &other.url())]);
        let mut inst = instance().await;
        let (r, _) = issue_to(&mut inst, &rx.url(), 1000).await;
        assert_eq!(rejected(r).status, status);
    }
    assert_eq!(
        other.requests(),
        0,
        "the redirect target was never contacted"
    );
}

#[tokio::test]
async fn statuses() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let rows: [(u16, Option<&str>, Option<i64>); 12] = [
        (400, None, None),
        (401, None, None),
        (403, None, None),
        (404, None, None),
        (413, None, None),
        (429, None, None),
        (429, Some("2"), Some(2000)),
        // Capped at 2^53 - 1 ms, which every host reads exactly.
        (429, Some("99999999999999999999999"), Some((1 << 53) - 1)),
        (500, None, None),
        (501, None, None),
        (503, None, None),
        (503, Some("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0)),
    ];
    for (status, retry_after, want) in rows {
        let mut reply = Reply::status(status, "refused");
        if let Some(v) = retry_after {
            reply = reply.with_header("Retry-After", v);
        }
        rx.script([reply]);
        let (r, _) = issue_to(&mut inst, &rx.url(), 1000).await;
        let r = rejected(r);
        assert_eq!(
            (r.status, r.body.as_str(), r.retry_after_ms),
            (status, "refused", want),
            "{status}"
        );
    }
}

#[tokio::test]
async fn http_1_0_close_delimited_responses() {
    let ok = FaultyServer::start(Fault::Raw(b"HTTP/1.0 200 OK\r\n\r\naccepted".to_vec()))
        .await
        .unwrap();
    let mut inst = instance().await;
    let (r, _) = issue_to(&mut inst, &ok.url(), 1000).await;
    r.unwrap();
    let err = FaultyServer::start(Fault::Raw(
        b"HTTP/1.0 500 Oops\r\n\r\nclose-delimited".to_vec(),
    ))
    .await
    .unwrap();
    let (r, _) = issue_to(&mut inst, &err.url(), 1000).await;
    let r = rejected(r);
    assert_eq!((r.status, r.body.as_str()), (500, "close-delimited"));
}

#[tokio::test]
async fn a_2xx_other_than_204_is_accepted_and_counted() {
    let rx = Receiver::start().await.unwrap();
    rx.script([Reply::status(200, "ok")]);
    let mut inst = instance().await;
    let (r, _, stats) = issue_with_stats(&mut inst, &rx.url(), 1000).await;
    r.unwrap();
    assert_eq!((stats.sent_events, stats.accepted_not_204), (1, 1));
}
