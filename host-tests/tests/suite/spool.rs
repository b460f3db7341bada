//! The spool: nothing is lost while the receiver is down, replays come
//! oldest-first and exactly once, and the bounds are kept and counted.

use crate::common::*;
use metrics_host::bindings::WitError;
use metrics_host::receiver::{Receiver, Reply};
use metrics_host::{ClientConfig, ClientHandle, Error, Instance, RetryPolicy, SpoolConfig};
use std::net::SocketAddr;

fn spool_config(port: u16, max_bytes: Option<u64>, max_age_ms: Option<u64>) -> ClientConfig {
    ClientConfig {
        spool: Some(SpoolConfig {
            dir: "/data/spool".into(),
            max_bytes,
            max_age_ms,
        }),
        ..config(&format!("http://127.0.0.1:{port}/loki/api/v1/push"))
    }
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A client whose spool holds three batches of one event (seq 0, 1, 2) in
/// stream `s`, sent while nothing listened on `port`.
struct Spooled3 {
    dir: tempfile::TempDir,
    port: u16,
    inst: Instance,
    c: ClientHandle,
}

async fn spooled_3() -> Spooled3 {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = inst.client(&spool_config(port, None, None)).await.unwrap();
    for i in 0..3 {
        assert_spooled(inst.client_issue_event(c, &numbered("s", i, 1.0)).await, 1);
    }
    Spooled3 { dir, port, inst, c }
}

/// The spool's batch files under the preopened `dir`, oldest first.
fn spool_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("spool"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// `(stream, seq)` of every line the receiver got, in arrival order.
fn arrived(rx: &Receiver) -> Vec<(String, i64)> {
    rx.streams()
        .iter()
        .flat_map(|s| {
            s.entries
                .iter()
                .map(|e| (s.label("event").unwrap().to_string(), seq_of(&e.line)))
        })
        .collect()
}

fn assert_spooled(r: Result<(), Error>, events: u32) {
    match r {
        Err(Error::Component(WitError::Spooled(n))) => {
            assert_eq!(n.events, events);
            assert!(n.cause.contains("connection-refused"), "{}", n.cause);
        }
        other => panic!("expected spooled, got {other:?}"),
    }
}

#[tokio::test]
async fn down_for_1000_events_then_up_delivers_each_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = inst.client(&spool_config(port, None, None)).await.unwrap();
    for i in 0..1000 {
        let e = numbered(&format!("s{}", i % 3), i, 1.0);
        assert_spooled(inst.client_issue_event(c, &e).await, 1);
    }
    let stats = inst.stats(c).await.unwrap();
    assert_eq!(
        (stats.spooled_events, stats.spool_events, stats.sent_events),
        (1000, 1000, 0)
    );
    assert!(stats.spool_bytes > 0);

    // Still down: flushing says the events wait in the spool.
    match inst.flush(c).await {
        Err(Error::Component(WitError::Spooled(n))) => {
            assert_eq!(n.events, 0);
            assert!(n.cause.contains("connection-refused"), "{}", n.cause);
        }
        other => panic!("{other:?}"),
    }

    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(c).await.unwrap();
    let got = arrived(&rx);
    assert_eq!(got.len(), 1000, "every event arrived exactly once");
    for stream in ["s0", "s1", "s2"] {
        let seqs: Vec<i64> = got
            .iter()
            .filter(|(s, _)| s == stream)
            .map(|(_, n)| *n)
            .collect();
        let want: Vec<i64> = (0..1000)
            .filter(|i| format!("s{}", i % 3) == stream)
            .collect();
        assert_eq!(seqs, want, "{stream} in order");
    }
    let stats = inst.stats(c).await.unwrap();
    assert_eq!(
        (
            stats.replayed_events,
            stats.sent_events,
            stats.spool_events,
            stats.spool_bytes
        ),
        (1000, 1000, 0, 0)
    );
    // Issued = sent + spooled - replayed.
    assert_eq!(
        stats.sent_events + stats.spooled_events - stats.replayed_events,
        1000
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("spool")).unwrap().count(),
        0
    );
}

#[tokio::test]
async fn a_later_send_replays_the_spool_first() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = inst.client(&spool_config(port, None, None)).await.unwrap();
    for i in 0..10 {
        assert_spooled(inst.client_issue_event(c, &numbered("s", i, 1.0)).await, 1);
    }
    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.client_issue_event(c, &numbered("s", 10, 1.0))
        .await
        .unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, (0..=10).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_replay_after_a_lost_answer_resends_the_same_bytes() {
    // The receiver stores the push but its 204 never comes back: the client
    // times out and spools. The replay must be byte-identical (same entry
    // timestamps), so that Loki drops it as a duplicate.
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start().await.unwrap();
    rx.script([Reply::LostAnswer]);
    let mut inst = instance_with_dir(dir.path()).await;
    let mut cfg = spool_config(rx.addr().port(), None, None);
    cfg.timeout_ms = Some(300);
    let c = inst.client(&cfg).await.unwrap();
    match inst.client_issue_event(c, &numbered("s", 0, 1.0)).await {
        Err(Error::Component(WitError::Spooled(n))) => assert_eq!(n.events, 1),
        other => panic!("expected spooled, got {other:?}"),
    }
    inst.client_issue_event(c, &numbered("s", 1, 1.0))
        .await
        .unwrap();
    let pushes = rx.pushes();
    assert_eq!(pushes.len(), 3, "the lost one, its replay, the new one");
    assert_eq!(
        pushes[1].body, pushes[0].body,
        "the replay is the same bytes"
    );
    assert_eq!(pushes[1].streams, pushes[0].streams);
    assert_eq!(seq_of(&pushes[2].streams[0].entries[0].line), 1);
}

#[tokio::test]
async fn the_spool_outlives_the_client_and_a_dropped_client_spools_its_buffer() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let mut cfg = spool_config(port, None, None);
    cfg.batch_max_events = Some(100);
    let c = inst.client(&cfg).await.unwrap();
    for i in 0..5 {
        inst.client_issue_event(c, &numbered("s", i, 1.0))
            .await
            .unwrap();
    }
    inst.drop_client(c).await.unwrap();
    assert_eq!(
        std::fs::read_dir(dir.path().join("spool")).unwrap().count(),
        1,
        "one batch on disk"
    );

    // A new instance and client over the same directory replays it.
    let rx = Receiver::start_on(addr(port)).await.unwrap();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = inst.client(&cfg).await.unwrap();
    assert_eq!(inst.stats(c).await.unwrap().spool_events, 5);
    inst.flush(c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, (0..5).collect::<Vec<_>>());
}

#[tokio::test]
async fn past_max_bytes_the_oldest_batches_are_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = inst
        .client(&spool_config(port, Some(2048), None))
        .await
        .unwrap();
    for i in 0..40 {
        assert_spooled(inst.client_issue_event(c, &numbered("s", i, 1.0)).await, 1);
    }
    let stats = inst.stats(c).await.unwrap();
    assert!(stats.spool_bytes <= 2048, "{}", stats.spool_bytes);
    let kept = stats.spool_events;
    assert!(kept > 0 && kept < 40);
    assert_eq!(stats.dropped.spool_full, 40 - kept);
    let on_disk: u64 = std::fs::read_dir(dir.path().join("spool"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert_eq!(on_disk, stats.spool_bytes);

    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    let newest: Vec<i64> = (40 - kept as i64..40).collect();
    assert_eq!(seqs, newest, "the newest were kept");
}

#[tokio::test]
async fn batches_older_than_max_age_are_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = inst
        .client(&spool_config(port, None, Some(300)))
        .await
        .unwrap();
    for i in 0..5 {
        assert_spooled(inst.client_issue_event(c, &numbered("s", i, 1.0)).await, 1);
    }
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.client_issue_event(c, &numbered("s", 5, 1.0))
        .await
        .unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, vec![5]);
    let stats = inst.stats(c).await.unwrap();
    assert_eq!((stats.dropped.spool_expired, stats.spool_events), (5, 0));
}

#[tokio::test]
async fn a_replay_refused_for_good_is_dropped_and_the_rest_continue() {
    let Spooled3 {
        // Kept alive: the spool lives in it.
        dir: _dir,
        port,
        mut inst,
        c,
    } = spooled_3().await;
    let rx = Receiver::start_on(addr(port)).await.unwrap();
    rx.script([Reply::status(400, "entry out of order")]);
    inst.flush(c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, vec![1, 2]);
    let stats = inst.stats(c).await.unwrap();
    assert_eq!(
        (
            stats.dropped.rejected,
            stats.replayed_events,
            stats.spool_events
        ),
        (1, 2, 0)
    );
    assert!(stats.last_error.unwrap().contains("400"));
}

#[tokio::test]
async fn a_replay_is_retried_before_the_call_spools_its_own_events() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let cfg = ClientConfig {
        retry: Some(RetryPolicy {
            max_attempts: Some(3),
            min_backoff_ms: Some(10),
            max_backoff_ms: Some(20),
            deadline_ms: None,
        }),
        ..spool_config(port, None, None)
    };
    let c = inst.client(&cfg).await.unwrap();
    assert_spooled(inst.client_issue_event(c, &numbered("s", 0, 1.0)).await, 1);
    // Back up, and busy once: the replay's 503 is retried like any push's,
    // so the call delivers both instead of spooling its own event untried.
    let rx = Receiver::start_on(addr(port)).await.unwrap();
    rx.script([Reply::status(503, "busy")]);
    inst.client_issue_event(c, &numbered("s", 1, 1.0))
        .await
        .unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, vec![0, 1]);
    let stats = inst.stats(c).await.unwrap();
    assert_eq!(rx.requests(), 3, "503, the replay again, the new event");
    assert_eq!(
        (
            stats.replayed_events,
            stats.spool_events,
            stats.spooled_events
        ),
        (1, 0, 1)
    );
}

#[tokio::test]
async fn a_deleted_spool_file_is_counted_and_skipped() {
    let Spooled3 {
        dir,
        port,
        mut inst,
        c,
    } = spooled_3().await;
    // Someone deletes the oldest batch behind the client's back.
    let files = spool_files(dir.path());
    assert_eq!(files.len(), 3);
    std::fs::remove_file(&files[0]).unwrap();

    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, vec![1, 2], "the batches behind it still go");
    let stats = inst.stats(c).await.unwrap();
    assert_eq!(
        (
            stats.dropped.undeliverable,
            stats.replayed_events,
            stats.spool_events
        ),
        (1, 2, 0)
    );
    assert!(
        stats
            .last_error
            .unwrap()
            .contains("deleted before its replay")
    );
}

#[tokio::test]
async fn a_spool_file_that_cannot_be_read_now_is_kept_with_those_behind_it() {
    let Spooled3 {
        dir,
        port,
        mut inst,
        c,
    } = spooled_3().await;
    // The oldest batch's name now holds a directory: reading it fails, but
    // not because it is gone (the tests run as root, so a chmod would not do).
    let files = spool_files(dir.path());
    let aside = dir.path().join("aside");
    std::fs::rename(&files[0], &aside).unwrap();
    std::fs::create_dir(&files[0]).unwrap();

    let rx = Receiver::start_on(addr(port)).await.unwrap();
    match inst.flush(c).await {
        Err(Error::Component(WitError::Spooled(n))) => assert_eq!(n.events, 0),
        other => panic!("expected the events kept in the spool, got {other:?}"),
    }
    assert_eq!(rx.push_count(), 0, "nothing jumps the queue");
    let stats = inst.stats(c).await.unwrap();
    assert_eq!((stats.spool_events, stats.dropped.undeliverable), (3, 0));

    // Readable again: everything goes, in order.
    std::fs::remove_dir(&files[0]).unwrap();
    std::fs::rename(&aside, &files[0]).unwrap();
    inst.flush(c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, vec![0, 1, 2]);
}

#[tokio::test]
async fn without_a_spool_undeliverable_events_are_counted() {
    let mut inst = instance().await;
    let c = inst
        .client(&config(&format!("http://127.0.0.1:{}/x", closed_port())))
        .await
        .unwrap();
    let err = inst
        .client_issue_events(c, &one_of_each())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Component(WitError::Transport(_))),
        "{err:?}"
    );
    assert_eq!(inst.stats(c).await.unwrap().dropped.undeliverable, 5);
}

#[tokio::test]
async fn a_spool_outside_every_preopen_fails_at_construction() {
    let mut inst = instance().await;
    let cfg = ClientConfig {
        spool: Some(SpoolConfig {
            dir: "/spool".into(),
            max_bytes: None,
            max_age_ms: None,
        }),
        ..ClientConfig::default()
    };
    let err = inst.client(&cfg).await.unwrap_err();
    assert!(
        matches!(err, Error::Component(WitError::Storage(_))),
        "{err:?}"
    );
}
