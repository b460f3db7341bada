//! The file sink writes exactly the lines the Python runner manager writes
//! to the metrics log that Promtail tails.

use crate::common::*;
use metrics_host::bindings::WitError;
use metrics_host::{ClientConfig, Error, Sink};

fn file_config(path: &str) -> ClientConfig {
    ClientConfig {
        sink: Some(Sink::File(path.into())),
        ..ClientConfig::default()
    }
}

#[tokio::test]
async fn file_sink_output_is_byte_identical_to_the_conformance_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut inst = instance_with_dir(dir.path()).await;
    // The events' own timestamps (out of order in the conformance file)
    // change nothing here: the file keeps issue order, as Python writes it.
    let cfg = ClientConfig {
        use_event_timestamp: true,
        ..file_config("/data/github-runner-metrics.log")
    };
    let c = inst.client(&cfg).await.unwrap();
    let cases = conformance_cases();
    // One by one, then all at once: both append.
    for case in &cases {
        inst.client_issue_event(c, &case.event).await.unwrap();
    }
    let events: Vec<_> = cases.iter().map(|c| c.event.clone()).collect();
    inst.client_issue_events(c, &events).await.unwrap();
    let written = std::fs::read_to_string(dir.path().join("github-runner-metrics.log")).unwrap();
    let one_pass: String = cases.iter().map(|c| format!("{}\n", c.line)).collect();
    assert_eq!(written, format!("{one_pass}{one_pass}"));
    let stats = inst.stats(c).await.unwrap();
    assert_eq!(stats.sent_events, 2 * cases.len() as u64);
    assert_eq!(stats.sent_bytes, written.len() as u64);
    assert_eq!(stats.requests, 0, "nothing went over the network");
}

#[tokio::test]
async fn the_file_sink_appends_to_an_existing_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("metrics.log");
    std::fs::write(&log, "earlier line\n").unwrap();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = inst
        .client(&file_config("/data/metrics.log"))
        .await
        .unwrap();
    inst.client_issue_event(c, &one_of_each()[0]).await.unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with("earlier line\n{\"timestamp\":1.5,\"event\":\"runner_installed\""),
        "{text}"
    );
}

#[tokio::test]
async fn a_file_outside_every_preopen_fails_at_construction() {
    // The default host preopens nothing.
    let mut inst = instance().await;
    match inst
        .client(&file_config("/var/log/github-runner-metrics.log"))
        .await
    {
        Err(Error::Component(WitError::Storage(s))) => {
            assert_eq!(s.path, "/var/log/github-runner-metrics.log")
        }
        other => panic!("{other:?}"),
    }
    // And the instance is fine.
    let dir = tempfile::tempdir().unwrap();
    let mut inst = instance_with_dir(dir.path()).await;
    assert!(
        inst.client(&file_config("/data/no-such-dir/x.log"))
            .await
            .is_err()
    );
    inst.client(&file_config("/data/x.log")).await.unwrap();
}
