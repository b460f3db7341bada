//! The module-level `issue-event` uses the original's defaults: Promtail at
//! `http://localhost:3100/loki/api/v1/push`, `job="metrics"`, 5 s timeout.
//!
//! One test, because it needs port 3100 for itself.

/// The README's minimal embedding, run for real below.
#[path = "../../examples/minimal.rs"]
#[allow(dead_code)]
mod minimal;

use crate::common::*;
use metrics_host::bindings::WitError;
use metrics_host::receiver::{Receiver, Reply};
use metrics_host::{Entry, Error};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[tokio::test]
async fn issue_event_uses_the_promtail_defaults() {
    let addr = SocketAddr::from(([127, 0, 0, 1], 3100));
    let rx = Receiver::start_on(addr)
        .await
        .expect("port 3100 must be free for this test (is a Promtail running?)");
    let mut inst = instance().await;
    for e in one_of_each() {
        // The receiver answers 404 on any path but /loki/api/v1/push.
        inst.issue_event(&e).await.unwrap();
    }
    // The minimal embedding from examples/minimal.rs, with its own linker.
    let event = one_of_each().remove(0);
    let minimal_event = minimal::exports::github_runner::metrics::events::Event::RunnerInstalled(
        minimal::exports::github_runner::metrics::events::RunnerInstalled {
            timestamp: 1.5,
            flavor: "small".into(),
            duration: 2.0,
        },
    );
    assert!(matches!(event, metrics_host::Event::RunnerInstalled(_)));
    minimal::issue(metrics_host::COMPONENT_PATH, &minimal_event)
        .await
        .unwrap()
        .unwrap();

    let streams = rx.streams();
    assert_eq!(streams.len(), 6);
    assert_eq!(
        streams[5].entries[0].line, streams[0].entries[0].line,
        "the same line"
    );
    assert!(streams.iter().all(|s| s.label("job") == Some("metrics")));
    let push = &rx.pushes()[0];
    assert_eq!(push.headers["content-type"], "application/json");

    // The module-level batch calls: one request each, to the same defaults.
    let before = rx.pushes().len();
    inst.issue_events(&one_of_each()).await.unwrap();
    let entries = [Entry {
        event: numbered("module_entries", 1, 1.0),
        metadata: Some(vec![("trace_id".into(), "t-1".into())]),
    }];
    inst.issue_entries(&entries).await.unwrap();
    let pushes = rx.pushes();
    assert_eq!(pushes.len(), before + 2, "one request per call");
    let lines: usize = pushes[before].streams.iter().map(|s| s.entries.len()).sum();
    assert_eq!(lines, one_of_each().len());
    let with_metadata = &pushes[before + 1].streams[0];
    assert_eq!(with_metadata.label("event"), Some("module_entries"));
    assert_eq!(
        with_metadata.entries[0].metadata,
        vec![("trace_id".to_string(), "t-1".to_string())]
    );

    // The default timeout is 5 s.
    rx.set_default(Reply::Hang);
    let started = Instant::now();
    let err = inst.issue_event(&one_of_each()[0]).await;
    let took = started.elapsed();
    assert!(
        matches!(err, Err(Error::Component(WitError::Timeout(5000)))),
        "{err:?}"
    );
    assert!(
        took >= Duration::from_millis(4900) && took < Duration::from_secs(8),
        "{took:?}"
    );
}
