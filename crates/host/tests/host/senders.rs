//! The pooled keep-alive sender (the default: one connection across
//! requests and instances, response bytes counted) and wasmtime-wasi-http's
//! connection-per-request sender, side by side: both report each failure
//! as the same WIT error, with WASI's exact `error-code` names.

use crate::common::*;
use runner_metrics_host::{Error, Instance, Sender, WitError};
use runner_metrics_testkit::{Fault, FaultyServer, Receiver, Reply};

async fn with_sender(sender: Sender) -> Instance {
    instance_with(move |b| b.sender(sender)).await
}

#[tokio::test]
async fn the_pool_reuses_one_connection_across_requests_and_instances() {
    let rx = Receiver::start().await.unwrap();
    let pooled = host().with(|b| b.sender(Sender::Pooled)).unwrap();
    for _ in 0..2 {
        let mut inst = pooled.instantiate().await.unwrap();
        let c = client(&mut inst, &rx.url()).await;
        for _ in 0..5 {
            issue(&mut inst, &c).await.unwrap();
        }
    }
    assert_eq!(rx.pushes().len(), 10);
    assert_eq!(rx.connections(), 1, "one keep-alive connection for all ten");
    assert_eq!(
        pooled.response_body_bytes(),
        Some(0),
        "204s have no body to read"
    );
}

/// A receiver that answers, then closes the connection without saying so
/// (no `Connection: close`): a request the pool sends on that connection
/// before it notices meets "connection closed before message completed".
/// The pool sends it again on another, so even one attempt delivers.
#[tokio::test(flavor = "multi_thread")]
async fn a_connection_the_receiver_closed_after_answering_costs_no_event() {
    // Closed with a FIN, or with a reset (the request left unread in it).
    // The server runs on a runtime of its own.
    let elsewhere = tokio::runtime::Runtime::new().unwrap();
    for reset in [false, true] {
        let server = elsewhere
            .spawn(FaultyServer::start(Fault::AnswerThenClose {
                answer: b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
                after: std::time::Duration::from_millis(20),
                reset,
            }))
            .await
            .unwrap()
            .unwrap();
        let mut inst = with_sender(Sender::Pooled).await;
        let c = client(&mut inst, &server.url()).await;
        for n in 0..20 {
            issue(&mut inst, &c)
                .await
                .unwrap_or_else(|e| panic!("reset {reset}, event {n}: {e}"));
        }
        let stats = inst.stats(&c).await.unwrap();
        assert_eq!((stats.sent_events, stats.retries), (20, 0));
        assert!(server.requests() >= 20);
        drop(server);
    }
    elsewhere.shutdown_background();
}

/// One host, two current-thread runtimes, the first idle while the second
/// sends: the second must not wait on a connection the first opened (and
/// only the first could drive).
#[test]
fn a_host_serves_two_runtimes_without_waiting_on_either() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let (a, b) = (runtime(), runtime());
    let rx = b.block_on(Receiver::start()).unwrap();
    let pooled = host().with(|b| b.sender(Sender::Pooled)).unwrap();
    let once = || async {
        let mut inst = pooled.instantiate().await.unwrap();
        let o = inst.options().await.unwrap();
        inst.set_endpoint(&o, &rx.url()).await.unwrap();
        inst.set_max_attempts(&o, 1).await.unwrap();
        inst.set_timeout_ms(&o, 5_000).await.unwrap();
        let c = inst.client(&o).await.unwrap();
        inst.drop_options(o).await.unwrap();
        issue(&mut inst, &c).await
    };
    // The receiver runs on `b`: `a` sends while `b` drives it in a thread.
    std::thread::scope(|s| {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        s.spawn(|| b.block_on(async { stopped.await.ok() }));
        a.block_on(once()).unwrap();
        stop.send(()).unwrap();
    });
    // Now `a` is idle, and `b` sends through the same host: a wait on
    // `a`'s connection would end in `timeout-ms`.
    b.block_on(once()).unwrap();
    assert_eq!(rx.pushes().len(), 2);
}

#[tokio::test]
async fn the_per_request_sender_opens_a_connection_each_time() {
    let rx = Receiver::start().await.unwrap();
    let per_request = host().with(|b| b.sender(Sender::PerRequest)).unwrap();
    let mut inst = per_request.instantiate().await.unwrap();
    let c = client(&mut inst, &rx.url()).await;
    for _ in 0..5 {
        issue(&mut inst, &c).await.unwrap();
    }
    assert_eq!(rx.pushes().len(), 5);
    assert_eq!(rx.connections(), 5);
    assert_eq!(per_request.response_body_bytes(), None, "not counted");
}

/// Both senders send the same request: the same headers, and the body
/// with a `Content-Length`.
#[tokio::test]
async fn both_senders_send_the_same_request() {
    let mut seen = Vec::new();
    for sender in [Sender::Pooled, Sender::PerRequest] {
        let rx = Receiver::start().await.unwrap();
        let mut inst = with_sender(sender).await;
        let c = client(&mut inst, &rx.url()).await;
        issue(&mut inst, &c).await.unwrap();
        let push = rx.last_push().unwrap();
        assert!(!push.chunked, "{sender:?}");
        assert_eq!(push.content_length, Some(push.body.len() as u64));
        let mut headers = push.header_pairs();
        headers.retain(|(n, _)| n != "host");
        headers.sort();
        let lines: Vec<_> = push.streams[0]
            .entries
            .iter()
            .map(|e| e.line.clone())
            .collect();
        seen.push((headers, lines));
    }
    assert_eq!(seen[0], seen[1]);
}

/// Both senders report each failure as the same WIT error.
#[tokio::test]
async fn both_senders_classify_failures_alike() {
    for sender in [Sender::Pooled, Sender::PerRequest] {
        let mut inst = with_sender(sender).await;
        let code = |r: Result<(), Error>| match r {
            Err(Error::Component(WitError::Transport(t))) => t.code,
            other => panic!("{sender:?}: {other:?}"),
        };
        let c = client(&mut inst, &closed_url()).await;
        assert_eq!(code(issue(&mut inst, &c).await), "connection-refused");

        let c = client(&mut inst, "http://no-such-host.invalid/loki/api/v1/push").await;
        assert_eq!(code(issue(&mut inst, &c).await), "DNS-error");

        // Accepts, reads the request, then resets the connection.
        let server = FaultyServer::start(Fault::ResetBeforeResponse)
            .await
            .unwrap();
        let c = client(&mut inst, &server.url()).await;
        // Under way: what wasmtime's own sender says (src/classify.rs).
        assert_eq!(code(issue(&mut inst, &c).await), "HTTP-protocol-error");

        let rx = Receiver::start().await.unwrap();
        rx.script([Reply::status(503, "down"), Reply::Hang]);
        let c = client_with(&mut inst, &rx.url(), async |i, o| {
            i.set_timeout_ms(o, 300).await
        })
        .await;
        let err = issue(&mut inst, &c).await;
        assert!(
            matches!(err, Err(Error::Component(WitError::Rejected(ref r))) if r.status == 503),
            "{err:?}"
        );
        let err = issue(&mut inst, &c).await;
        assert!(
            matches!(err, Err(Error::Component(WitError::Timeout(300)))),
            "{sender:?}: {err:?}"
        );
        issue(&mut inst, &c).await.unwrap();
    }
}
