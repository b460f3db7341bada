//! The module-level `issue-event` uses the original's defaults: Promtail at
//! `http://localhost:3100/loki/api/v1/push`, `job="metrics"`, JSON with a
//! `Content-Length`, one attempt, a 5 s timeout; and it validates before
//! any I/O (tests/suite/validation.rs).
//!
//! One test, because it needs port 3100 for itself; skipped (with a
//! SKIPPED line) where the port is taken. The README's minimal embedding,
//! which makes the same call, is run by the host crate's tests.

use crate::common::*;
use runner_metrics_host::WitError;
use runner_metrics_testkit::{Receiver, Reply};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[tokio::test]
async fn issue_event_uses_the_promtail_defaults() {
    if !default_port_free() {
        return;
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], 3100));
    let rx = Receiver::start_on(addr)
        .await
        .expect("port 3100 must be free for this test (is a Promtail running?)");
    let mut inst = instance().await;
    for e in one_of_each() {
        // The receiver answers 404 on any path but /loki/api/v1/push.
        inst.issue_event(&e).await.unwrap();
    }
    let streams = rx.streams();
    assert_eq!(streams.len(), 5, "one request each");
    for (s, e) in streams.iter().zip(one_of_each()) {
        assert_eq!(s.labels[0], ("job".to_string(), "metrics".to_string()));
        assert_eq!(s.labels.len(), 2, "job and event only");
        let line: serde_json::Value = serde_json::from_str(&s.entries[0].line).unwrap();
        assert_eq!(s.label("event"), line["event"].as_str(), "{e:?}");
        assert!(s.entries[0].metadata.is_empty());
    }
    for push in rx.pushes() {
        assert_eq!(push.headers["content-type"], "application/json");
        assert_eq!(push.content_encoding(), None);
        assert_eq!(push.header("authorization"), None);
        assert_eq!(push.header("x-scope-orgid"), None);
        assert_framed(&push);
    }

    // One attempt: a 503 is the answer, not retried.
    rx.script([Reply::status(503, "ring unhealthy")]);
    let err = component_error(inst.issue_event(&one_of_each()[0]).await);
    assert!(
        matches!(&err, WitError::Rejected(r) if r.status == 503),
        "{err:?}"
    );
    assert_eq!(rx.requests(), 6, "no retry");

    // The default timeout is 5 s.
    rx.set_default(Reply::Hang);
    let started = Instant::now();
    let err = component_error(inst.issue_event(&one_of_each()[0]).await);
    let took = started.elapsed();
    assert_eq!(err, WitError::Timeout(5000));
    assert!(
        took >= Duration::from_millis(4900) && took < Duration::from_secs(8),
        "{took:?}"
    );
    assert_eq!(rx.requests(), 7, "one attempt");
}
