//! The defaults of `batch-max-bytes` and `retry-policy`, pinned by what a
//! client left at them does: a change of default shows here.

use crate::common::*;
use metrics_host::bindings::WitError;
use metrics_host::receiver::{Push, Receiver, Reply};
use metrics_host::{ClientConfig, Event};
use std::time::Duration;

/// A custom event whose line is a little over 100 KiB (Loki takes lines up
/// to 256 KiB).
fn large(seq: i64) -> Event {
    padded(seq, 100 * 1024)
}

fn entries(p: &Push) -> usize {
    p.streams.iter().map(|s| s.entries.len()).sum()
}

#[tokio::test]
async fn batch_max_bytes_is_1_mib() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = inst.client(&ClientConfig::new(rx.url())).await.unwrap();
    // 9 lines of ~100 KiB, 0.9 MiB: one request.
    let nine: Vec<_> = (0..9).map(large).collect();
    inst.client_issue_events(c, &nine).await.unwrap();
    assert_eq!(rx.pushes().iter().map(entries).collect::<Vec<_>>(), [9]);
    // 15 of them, 1.5 MiB: two requests, neither over 1 MiB of lines.
    let fifteen: Vec<_> = (0..15).map(large).collect();
    inst.client_issue_events(c, &fifteen).await.unwrap();
    let pushes = rx.pushes();
    assert_eq!(pushes.len(), 3, "9 in one request, then 15 in two");
    assert_eq!(entries(&pushes[1]) + entries(&pushes[2]), 15);
    for p in &pushes[1..] {
        let lines: usize = p
            .streams
            .iter()
            .flat_map(|s| s.entries.iter().map(|e| e.line.len()))
            .sum();
        assert!(lines <= 1024 * 1024, "{lines} bytes of lines in a request");
    }
}

#[tokio::test]
async fn max_attempts_is_10() {
    let rx = Receiver::start().await.unwrap();
    // `Retry-After` sets the next delay: 0 retries at once, so the default
    // deadline (30 s) cannot be what ends the call.
    rx.set_default(Reply::status(503, "down").with_header("Retry-After", "0"));
    let mut inst = instance().await;
    let c = inst.client(&ClientConfig::new(rx.url())).await.unwrap();
    let err = inst.client_issue_event(c, &one_of_each()[0]).await;
    assert!(
        matches!(component_error(err), WitError::Rejected(r) if r.status == 503),
        "the last answer is the error"
    );
    assert_eq!(rx.requests(), 10);
    let stats = inst.stats(c).await.unwrap();
    assert_eq!((stats.requests, stats.retries), (10, 9));
}

#[tokio::test]
async fn min_backoff_is_500_ms_with_jitter() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = inst.client(&ClientConfig::new(rx.url())).await.unwrap();
    // Rounds of one 503 (no `Retry-After`), then the default 204: enough
    // that a 1 s minimum (0.5 to 1 s) would show in one of them.
    let rounds = 4;
    for _ in 0..rounds {
        rx.script([Reply::status(503, "ring unhealthy")]);
        inst.client_issue_event(c, &one_of_each()[0]).await.unwrap();
    }
    let arrivals = rx.arrivals();
    assert_eq!(arrivals.len(), 2 * rounds);
    // The first retry waits the minimum backoff with "equal jitter"
    // (src/retry.rs): between half of it and all of it, 250 to 500 ms. The
    // gap adds the answer's and the retry's way over loopback to that wait,
    // hence slack above only.
    for pair in arrivals.chunks(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(250) && gap < Duration::from_millis(650),
            "retried after {gap:?}"
        );
    }
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A spool config with its bounds left at their defaults.
fn default_spool(port: u16) -> ClientConfig {
    ClientConfig {
        spool: Some(metrics_host::SpoolConfig {
            dir: "/data/spool".into(),
            max_bytes: None,
            max_age_ms: None,
        }),
        ..config(&format!("http://127.0.0.1:{port}/loki/api/v1/push"))
    }
}

/// Put a spooled batch in place as a client of an earlier run left it
/// (`<seq>.<created ms>.<events>.<kind>.batch`, src/spool.rs).
fn leave_batch(spool: &std::path::Path, seq: u64, created_ms: u64, events: u32, body: &[u8]) {
    std::fs::create_dir_all(spool).unwrap();
    let name = format!("{seq:020}.{created_ms}.{events}.json.batch");
    std::fs::write(spool.join(name), body).unwrap();
}

#[tokio::test]
async fn spool_max_age_is_24_h() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let hour = 3_600_000;
    let body = |seq: i64| {
        let line = format!("{{\"timestamp\":1.0,\"event\":\"s\",\"seq\":{seq}}}");
        serde_json::json!({"streams": [{"stream": {"job": "metrics", "event": "s"},
            "values": [[(now_ms() * 1_000_000).to_string(), line]]}]})
        .to_string()
    };
    // A minute past 24 h, and an hour short of it.
    leave_batch(
        &spool,
        0,
        now_ms() - 24 * hour - 60_000,
        1,
        body(0).as_bytes(),
    );
    leave_batch(&spool, 1, now_ms() - 23 * hour, 1, body(1).as_bytes());
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = inst.client(&default_spool(rx.addr().port())).await.unwrap();
    inst.flush(c).await.unwrap();
    let seqs: Vec<i64> = rx
        .streams()
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| seq_of(&e.line)))
        .collect();
    assert_eq!(seqs, [1], "the batch over 24 h old is dropped");
    let stats = inst.stats(c).await.unwrap();
    assert_eq!((stats.dropped.spool_expired, stats.replayed_events), (1, 1));
}

#[tokio::test]
async fn spool_max_bytes_is_64_mib() {
    let dir = tempfile::tempdir().unwrap();
    let mib = 1024 * 1024;
    // An earlier run left a batch 4 KiB short of 64 MiB (never replayed
    // here: the receiver stays down).
    leave_batch(
        &dir.path().join("spool"),
        0,
        now_ms(),
        7,
        &vec![b' '; 64 * mib - 4096],
    );
    let mut inst = instance_with_dir(dir.path()).await;
    let c = inst.client(&default_spool(closed_port())).await.unwrap();
    let spooled = |r| matches!(component_error(r), WitError::Spooled(_));
    // A small batch still fits under 64 MiB...
    assert!(spooled(inst.client_issue_event(c, &one_of_each()[0]).await));
    assert_eq!(inst.stats(c).await.unwrap().dropped.spool_full, 0);
    // ...an 8 KiB one does not: the oldest batch goes.
    assert!(spooled(inst.client_issue_event(c, &padded(0, 8192)).await));
    let stats = inst.stats(c).await.unwrap();
    assert_eq!((stats.dropped.spool_full, stats.spool_events), (7, 2));
}
