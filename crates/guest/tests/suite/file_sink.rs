//! The `log-file` resource writes exactly the lines the Python runner
//! manager writes to the metrics log that Promtail tails: in call order,
//! appended to what is there, one call's events validated first (an invalid
//! one writes nothing), the file reopened per call (so rotation is
//! followed); and a path outside every preopened directory is a `storage`
//! error of the constructor.

use crate::common::*;
use runner_metrics_host::WitError;

#[tokio::test]
async fn log_file_output_is_byte_identical_to_the_conformance_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut inst = instance_with_dir(dir.path()).await;
    let file = inst
        .log_file("/data/github-runner-metrics.log")
        .await
        .unwrap();
    let cases = conformance_cases();
    // One by one, then all at once: both append. The events' own
    // timestamps (out of order in the conformance file) change nothing:
    // the file keeps call order, as Python writes it.
    for case in &cases {
        inst.write(&file, std::slice::from_ref(&case.event))
            .await
            .unwrap();
    }
    let events: Vec<_> = cases.iter().map(|c| c.event.clone()).collect();
    inst.write(&file, &events).await.unwrap();
    let written = std::fs::read_to_string(dir.path().join("github-runner-metrics.log")).unwrap();
    let one_pass: String = cases.iter().map(|c| format!("{}\n", c.line)).collect();
    assert_eq!(written, format!("{one_pass}{one_pass}"));
    // Nothing at all is a no-op.
    inst.write(&file, &[]).await.unwrap();
    let again = std::fs::read_to_string(dir.path().join("github-runner-metrics.log")).unwrap();
    assert_eq!(again, written);
    inst.close_log_file(file).await.unwrap();
}

#[tokio::test]
async fn a_log_file_appends_to_an_existing_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("metrics.log");
    std::fs::write(&log, "earlier line\n").unwrap();
    let mut inst = instance_with_dir(dir.path()).await;
    let file = inst.log_file("/data/metrics.log").await.unwrap();
    inst.write(&file, &one_of_each()[..1]).await.unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with("earlier line\n{\"timestamp\":1.5,\"event\":\"runner_installed\""),
        "{text}"
    );
    assert!(text.ends_with("}\n"), "{text}");
}

#[tokio::test]
async fn an_invalid_event_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut inst = instance_with_dir(dir.path()).await;
    let file = inst.log_file("/data/metrics.log").await.unwrap();
    let mut events = one_of_each();
    events.insert(1, numbered("Bad", 1, 1.0));
    let err = invalid_event(inst.write(&file, &events).await);
    assert_eq!(err.field, "events[1].name", "{}", err.reason);
    // A line over 256 KiB is refused too.
    let err = invalid_event(inst.write(&file, &[padded(0, 300 * 1024)]).await);
    assert!(err.field.starts_with("events[0]"), "{}", err.field);
    let text = std::fs::read_to_string(dir.path().join("metrics.log")).unwrap();
    assert_eq!(text, "", "the file was created, and nothing written");
    // The same file takes the good events.
    inst.write(&file, &one_of_each()).await.unwrap();
    let text = std::fs::read_to_string(dir.path().join("metrics.log")).unwrap();
    assert_eq!(text.lines().count(), 5);
}

#[tokio::test]
async fn a_rotated_log_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let mut inst = instance_with_dir(dir.path()).await;
    let file = inst.log_file("/data/metrics.log").await.unwrap();
    inst.write(&file, &[numbered("rot", 1, 1.0)]).await.unwrap();
    // logrotate: the file is renamed, and the writer goes on.
    std::fs::rename(
        dir.path().join("metrics.log"),
        dir.path().join("metrics.log.1"),
    )
    .unwrap();
    inst.write(&file, &[numbered("rot", 2, 1.0)]).await.unwrap();
    let seqs = |name: &str| -> Vec<i64> {
        std::fs::read_to_string(dir.path().join(name))
            .unwrap()
            .lines()
            .map(seq_of)
            .collect()
    };
    assert_eq!(seqs("metrics.log.1"), [1]);
    assert_eq!(seqs("metrics.log"), [2], "a new file at the path");
}

#[tokio::test]
async fn a_file_outside_every_preopen_fails_at_construction() {
    // The default host preopens nothing.
    let mut inst = instance().await;
    match component_error(inst.log_file("/var/log/github-runner-metrics.log").await) {
        WitError::Storage(s) => assert_eq!(s.path, "/var/log/github-runner-metrics.log"),
        other => panic!("{other:?}"),
    }
    still_works(&mut inst).await;
    let dir = tempfile::tempdir().unwrap();
    let mut inst = instance_with_dir(dir.path()).await;
    // Its directory must exist.
    match component_error(inst.log_file("/data/no-such-dir/x.log").await) {
        WitError::Storage(s) => assert_eq!(s.path, "/data/no-such-dir/x.log"),
        other => panic!("{other:?}"),
    }
    match component_error(inst.log_file("").await) {
        WitError::InvalidConfig(i) => assert_eq!((&*i.field, &*i.reason), ("path", "is empty")),
        other => panic!("{other:?}"),
    }
    let file = inst.log_file("/data/x.log").await.unwrap();
    assert!(
        dir.path().join("x.log").exists(),
        "created by the constructor"
    );
    inst.write(&file, &one_of_each()).await.unwrap();
}
