//! The defaults the WIT states for `batch-max-bytes`, `max-line-bytes`,
//! `timeout-ms`, `max-attempts`, `min-backoff-ms`, `deadline-ms`,
//! `spool-max-age-ms` and `spool-max-bytes`, pinned by what a client left at
//! them does: a change of default shows here. (`batch-max-events`: every
//! other test of a plain client; the endpoint: tests/suite/defaults.rs;
//! `max-backoff-ms`: tests/suite/validation.rs.)

use crate::common::*;
use runner_metrics::deliver::spool::file::{self, Name, State};
use runner_metrics_host::{Client, Event, Instance, WitError};
use runner_metrics_testkit::{Push, Receiver, Reply};
use std::time::{Duration, Instant};

/// A client with every default but its endpoint (and `more`).
async fn default_client(
    inst: &mut Instance,
    url: &str,
    more: impl AsyncFnOnce(
        &mut Instance,
        &runner_metrics_host::Options,
    ) -> Result<(), runner_metrics_host::Error>,
) -> Client {
    let o = inst.options().await.unwrap();
    inst.set_endpoint(&o, url).await.unwrap();
    more(inst, &o).await.unwrap();
    let c = inst.client(&o).await.unwrap();
    inst.drop_options(o).await.unwrap();
    c
}

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
    let c = default_client(&mut inst, &rx.url(), async |_, _| Ok(())).await;
    // 9 lines of ~100 KiB, 0.9 MiB: one request.
    let nine: Vec<_> = (0..9).map(large).collect();
    issue_all(&mut inst, &c, &nine).await.unwrap();
    assert_eq!(rx.pushes().iter().map(entries).collect::<Vec<_>>(), [9]);
    // 15 of them, 1.5 MiB: two requests, neither over 1 MiB of lines.
    let fifteen: Vec<_> = (0..15).map(large).collect();
    issue_all(&mut inst, &c, &fifteen).await.unwrap();
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
    let c = default_client(&mut inst, &rx.url(), async |_, _| Ok(())).await;
    let err = issue(&mut inst, &c, &one_of_each()[0]).await;
    assert!(
        matches!(component_error(err), WitError::Rejected(r) if r.status == 503),
        "the last answer is the error"
    );
    assert_eq!(rx.requests(), 10);
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!((stats.requests, stats.retries), (10, 9));
}

#[tokio::test]
async fn min_backoff_is_500_ms_with_jitter() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = default_client(&mut inst, &rx.url(), async |_, _| Ok(())).await;
    // Rounds of one 503 (no `Retry-After`), then the default 204: enough
    // that a 1 s minimum (0.5 to 1 s) would show in one of them.
    let rounds = 4;
    for _ in 0..rounds {
        rx.script([Reply::status(503, "ring unhealthy")]);
        issue(&mut inst, &c, &one_of_each()[0]).await.unwrap();
    }
    let arrivals = rx.arrivals();
    assert_eq!(arrivals.len(), 2 * rounds);
    // The first retry waits the minimum backoff with "equal jitter"
    // (crates/guest/src/deliver/retry.rs): between half of it and all of it, 250 to 500 ms. The
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

#[tokio::test]
async fn max_line_bytes_is_256_kib() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = default_client(&mut inst, &rx.url(), async |_, _| Ok(())).await;
    // A line of exactly 262144 bytes goes; one byte more is refused.
    issue(&mut inst, &c, &padded(0, 0)).await.unwrap();
    let overhead = lines(&rx)[0].len();
    let exact = padded(0, 256 * 1024 - overhead);
    issue(&mut inst, &c, &exact).await.unwrap();
    assert_eq!(lines(&rx)[1].len(), 256 * 1024);
    let over = padded(0, 256 * 1024 - overhead + 1);
    let err = invalid_event(issue(&mut inst, &c, &over).await);
    assert!(err.field.starts_with("entries[0]."), "{}", err.field);
    assert_eq!(rx.push_count(), 2, "the long line was not sent");
}

#[tokio::test]
async fn timeout_is_5_s() {
    let rx = Receiver::start().await.unwrap();
    rx.set_default(Reply::Hang);
    let mut inst = instance().await;
    // One attempt, so that only the timeout can end it.
    let c = default_client(&mut inst, &rx.url(), async |i, o| {
        i.set_max_attempts(o, 1).await
    })
    .await;
    let started = Instant::now();
    let err = component_error(issue(&mut inst, &c, &one_of_each()[0]).await);
    let took = started.elapsed();
    assert_eq!(err, WitError::Timeout(5000));
    assert!(
        took >= Duration::from_millis(4900) && took < Duration::from_secs(8),
        "{took:?}"
    );
}

#[tokio::test]
async fn deadline_is_30_s() {
    // A `Retry-After` within the deadline is waited for; one beyond it
    // ends the call at once. 29 s is; 31 s is not.
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = default_client(&mut inst, &rx.url(), async |_, _| Ok(())).await;
    rx.script([Reply::status(503, "later").with_header("Retry-After", "31")]);
    let started = Instant::now();
    let err = component_error(issue(&mut inst, &c, &one_of_each()[0]).await);
    assert!(
        matches!(&err, WitError::Rejected(r) if r.retry_after_ms == Some(31_000)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    rx.script([Reply::status(503, "later").with_header("Retry-After", "29")]);
    let started = Instant::now();
    issue(&mut inst, &c, &one_of_each()[0]).await.unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(29) && took < Duration::from_secs(31),
        "{took:?}"
    );
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A client whose spool is at `/data/spool` with its bounds left at their
/// defaults, to a port with nothing listening or `rx`.
async fn default_spool(inst: &mut Instance, url: &str) -> Client {
    client_with(inst, url, async |i, o| i.set_spool(o, "/data/spool").await).await
}

/// Put a spooled batch in place as a client of an earlier run left it,
/// written by the component's own spool format (crates/guest/src/deliver/
/// spool/file.rs): what is pinned here is the age and size rule, not the
/// format. `url` is the endpoint it was for.
fn leave_batch(
    spool: &std::path::Path,
    url: &str,
    n: u64,
    created_ms: u64,
    events: u32,
    body: &[u8],
) {
    std::fs::create_dir_all(spool).unwrap();
    let name = Name {
        created_ms,
        destination: file::destination(url, None),
        writer: 0x7e57,
        n,
    };
    let bytes = file::encode(&name, runner_metrics::Encoding::Json, events, body);
    std::fs::write(spool.join(name.file(&State::Ready)), bytes).unwrap();
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
    let rx = Receiver::start().await.unwrap();
    leave_batch(
        &spool,
        &rx.url(),
        0,
        now_ms() - 24 * hour - 60_000,
        1,
        body(0).as_bytes(),
    );
    leave_batch(
        &spool,
        &rx.url(),
        1,
        now_ms() - 23 * hour,
        1,
        body(1).as_bytes(),
    );
    let mut inst = instance_with_dir(dir.path()).await;
    let c = default_spool(&mut inst, &rx.url()).await;
    inst.flush(&c).await.unwrap();
    let seqs: Vec<i64> = lines(&rx).iter().map(|l| seq_of(l)).collect();
    assert_eq!(seqs, [1], "the batch over 24 h old is dropped");
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!((stats.dropped.spool_expired, stats.replayed_events), (1, 1));
    assert_eq!(stats.spool_batches, 0);
}

#[tokio::test]
async fn spool_max_bytes_is_64_mib() {
    let dir = tempfile::tempdir().unwrap();
    let mib = 1024 * 1024;
    // An earlier run left a batch that takes 8 KiB short of 64 MiB on disk
    // (never replayed here: the receiver stays down).
    let header = file::HEADER_LEN;
    leave_batch(
        &dir.path().join("spool"),
        &closed_url(),
        0,
        now_ms(),
        7,
        &vec![b' '; 64 * mib - 8192 - header],
    );
    let mut inst = instance_with_dir(dir.path()).await;
    let c = default_spool(&mut inst, &closed_url()).await;
    let spooled = |r| matches!(component_error(r), WitError::Spooled(_));
    // A small batch (one 4 KiB block) still fits under 64 MiB...
    assert!(spooled(issue(&mut inst, &c, &one_of_each()[0]).await));
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(stats.dropped.spool_full, 0);
    assert_eq!(
        (stats.spool_batches, stats.spool_bytes),
        (2, 64 * mib as u64 - 4096)
    );
    // ...an 8 KiB one (three blocks) does not: the oldest batch goes.
    assert!(spooled(issue(&mut inst, &c, &padded(0, 8192)).await));
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!((stats.dropped.spool_full, stats.spool_batches), (7, 2));
    assert_eq!(stats.spool_bytes, 4096 + 12288);
}
