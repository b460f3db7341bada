//! The spool: nothing is lost while the receiver is down, replays come
//! oldest-first and exactly once (the same bytes again after a lost
//! answer), a dropped client spools its buffer, the bounds are kept (on
//! disk, in 4 KiB blocks) and counted, a corrupt file is quarantined and an
//! entry that is not a regular file skipped, each counted; without a spool
//! undeliverable events are counted; and a spool outside every preopen is
//! a `storage` error of the client.

use crate::common::*;
use runner_metrics_host::{Client, Error, Instance, Options, WitError};
use runner_metrics_testkit::{Receiver, Reply};
use std::net::SocketAddr;

/// A client to `port` whose spool is `/data/spool`, with these bounds (or
/// the defaults), after `more` changed more settings.
async fn spool_client_with(
    inst: &mut Instance,
    port: u16,
    max_bytes: Option<i64>,
    max_age_ms: Option<i64>,
    more: impl AsyncFnOnce(&mut Instance, &Options) -> Result<(), Error>,
) -> Client {
    client_with(inst, &local_url(port), async |i, o| {
        i.set_spool(o, "/data/spool").await?;
        if let Some(b) = max_bytes {
            i.set_spool_max_bytes(o, b).await?;
        }
        if let Some(a) = max_age_ms {
            i.set_spool_max_age_ms(o, a).await?;
        }
        more(i, o).await
    })
    .await
}

async fn spool_client(
    inst: &mut Instance,
    port: u16,
    max_bytes: Option<i64>,
    max_age_ms: Option<i64>,
) -> Client {
    spool_client_with(inst, port, max_bytes, max_age_ms, async |_, _| Ok(())).await
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
    c: Client,
}

async fn spooled_3() -> Spooled3 {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = spool_client(&mut inst, port, None, None).await;
    for i in 0..3 {
        assert_spooled(issue(&mut inst, &c, &numbered("s", i, 1.0)).await, 1);
    }
    Spooled3 { dir, port, inst, c }
}

/// The spool's files under the preopened `dir`, oldest first.
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

/// What the spool's files take on disk, as `spool-max-bytes` counts it:
/// each file's size rounded up to 4 KiB.
fn on_disk(dir: &std::path::Path) -> u64 {
    spool_files(dir)
        .iter()
        .map(|f| f.metadata().unwrap().len().div_ceil(4096).max(1) * 4096)
        .sum()
}

#[tokio::test]
async fn down_for_1000_events_then_up_delivers_each_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = spool_client(&mut inst, port, None, None).await;
    // In calls of 10 events, each spooled as one batch. (One event a call
    // is what the tests below do; 1000 such calls take minutes, as each
    // call with the receiver down looks at the whole spool and syncs its
    // new file.)
    for call in 0..100 {
        let events: Vec<_> = (call * 10..call * 10 + 10)
            .map(|i| numbered(&format!("s{}", i % 3), i, 1.0))
            .collect();
        assert_spooled(issue_all(&mut inst, &c, &events).await, 10);
    }
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(
        (stats.spooled_events, stats.spool_batches, stats.sent_events),
        (1000, 100, 0)
    );
    assert_eq!(stats.spool_bytes, on_disk(dir.path()));
    assert_eq!(stats.dropped.undeliverable, 0);

    // Still down: flushing says the events wait in the spool.
    match inst.flush(&c).await {
        Err(Error::Component(WitError::Spooled(n))) => {
            assert_eq!(n.events, 0);
            assert!(n.cause.contains("connection-refused"), "{}", n.cause);
        }
        other => panic!("{other:?}"),
    }

    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(&c).await.unwrap();
    rx.pushes().iter().for_each(assert_framed);
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
    let stats = inst.stats(&c).await.unwrap();
    // (`spool-bytes` after a replay: `the_spool_gauges_follow_replays`.)
    assert_eq!(
        (
            stats.replayed_events,
            stats.sent_events,
            stats.spool_batches
        ),
        (1000, 1000, 0)
    );
    // Issued = sent + spooled - replayed.
    assert_eq!(
        stats.sent_events + stats.spooled_events - stats.replayed_events,
        1000
    );
    assert_eq!(spool_files(dir.path()).len(), 0);
}

#[tokio::test]
async fn a_later_send_replays_the_spool_first() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = spool_client(&mut inst, port, None, None).await;
    for i in 0..10 {
        assert_spooled(issue(&mut inst, &c, &numbered("s", i, 1.0)).await, 1);
    }
    let rx = Receiver::start_on(addr(port)).await.unwrap();
    issue(&mut inst, &c, &numbered("s", 10, 1.0)).await.unwrap();
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
    let c = spool_client_with(&mut inst, rx.addr().port(), None, None, async |i, o| {
        i.set_timeout_ms(o, 300).await
    })
    .await;
    match issue(&mut inst, &c, &numbered("s", 0, 1.0)).await {
        Err(Error::Component(WitError::Spooled(n))) => {
            assert_eq!(n.events, 1);
            assert_eq!(n.cause, "no answer within 300 ms");
        }
        other => panic!("expected spooled, got {other:?}"),
    }
    issue(&mut inst, &c, &numbered("s", 1, 1.0)).await.unwrap();
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
    let buffering = async |i: &mut Instance, o: &Options| i.set_batch_max_events(o, 100).await;
    let c = spool_client_with(&mut inst, port, None, None, buffering).await;
    for i in 0..5 {
        issue(&mut inst, &c, &numbered("s", i, 1.0)).await.unwrap();
    }
    assert_eq!(inst.stats(&c).await.unwrap().buffered_events, 5);
    // `close` flushes first, and says where the buffer went.
    match inst.close(c).await {
        Err(Error::Component(WitError::Spooled(n))) => assert_eq!(n.events, 5),
        other => panic!("expected the buffer spooled, got {other:?}"),
    }
    assert_eq!(spool_files(dir.path()).len(), 1, "one batch on disk");

    // A new instance and client over the same directory find it, and
    // replay it once the receiver is up.
    let mut inst = instance_with_dir(dir.path()).await;
    let c = spool_client_with(&mut inst, port, None, None, buffering).await;
    match inst.flush(&c).await {
        Err(Error::Component(WitError::Spooled(n))) => assert_eq!(n.events, 0),
        other => panic!("expected the batch still waiting, got {other:?}"),
    }
    assert_eq!(inst.stats(&c).await.unwrap().spool_batches, 1);
    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(&c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, (0..5).collect::<Vec<_>>());
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!((stats.replayed_events, stats.spooled_events), (5, 0));
}

#[tokio::test]
async fn past_max_bytes_the_oldest_batches_are_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    // The least the spool may be: 16 blocks, so 16 small batches.
    let c = spool_client(&mut inst, port, Some(65_536), None).await;
    for i in 0..40 {
        assert_spooled(issue(&mut inst, &c, &numbered("s", i, 1.0)).await, 1);
    }
    let stats = inst.stats(&c).await.unwrap();
    assert!(stats.spool_bytes <= 65_536, "{}", stats.spool_bytes);
    assert_eq!(stats.spool_bytes, on_disk(dir.path()));
    let kept = stats.spool_batches;
    assert_eq!(kept, 16, "each small batch takes one 4 KiB block");
    assert_eq!(stats.dropped.spool_full, 40 - kept);

    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(&c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    let newest: Vec<i64> = (40 - kept as i64..40).collect();
    assert_eq!(seqs, newest, "the newest were kept");
}

#[tokio::test]
async fn a_batch_larger_than_the_whole_spool_is_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = spool_client(&mut inst, port, Some(65_536), None).await;
    assert_spooled(issue(&mut inst, &c, &numbered("s", 0, 1.0)).await, 1);
    let err = issue(&mut inst, &c, &padded(1, 100 * 1024)).await;
    // Not `spooled`: it is not safe on disk. The error is what lost it.
    match component_error(err) {
        WitError::Transport(t) => assert_eq!(t.code, "connection-refused"),
        other => panic!("{other:?}"),
    }
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!((stats.dropped.spool_full, stats.spool_batches), (1, 1));
}

#[tokio::test]
async fn batches_older_than_max_age_are_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let c = spool_client(&mut inst, port, None, Some(300)).await;
    for i in 0..5 {
        assert_spooled(issue(&mut inst, &c, &numbered("s", i, 1.0)).await, 1);
    }
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let rx = Receiver::start_on(addr(port)).await.unwrap();
    issue(&mut inst, &c, &numbered("s", 5, 1.0)).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, vec![5]);
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!((stats.dropped.spool_expired, stats.spool_batches), (5, 0));
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
    inst.flush(&c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, vec![1, 2]);
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(
        (
            stats.dropped.rejected,
            stats.replayed_events,
            stats.spool_batches
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
    let c = spool_client_with(&mut inst, port, None, None, async |i, o| {
        i.set_max_attempts(o, 3).await?;
        i.set_min_backoff_ms(o, 10).await?;
        i.set_max_backoff_ms(o, 20).await
    })
    .await;
    assert_spooled(issue(&mut inst, &c, &numbered("s", 0, 1.0)).await, 1);
    // Back up, and busy once: the replay's 503 is retried like any push's,
    // so the call delivers both instead of spooling its own event untried.
    let rx = Receiver::start_on(addr(port)).await.unwrap();
    rx.script([Reply::status(503, "busy")]);
    issue(&mut inst, &c, &numbered("s", 1, 1.0)).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, vec![0, 1]);
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(rx.requests(), 3, "503, the replay again, the new event");
    assert_eq!(
        (
            stats.replayed_events,
            stats.spool_batches,
            stats.spooled_events
        ),
        (1, 0, 1)
    );
}

#[tokio::test]
async fn a_spool_file_deleted_behind_the_clients_back_is_no_error() {
    let Spooled3 {
        dir,
        port,
        mut inst,
        c,
    } = spooled_3().await;
    // Another process took the oldest batch (or someone deleted it).
    let files = spool_files(dir.path());
    assert_eq!(files.len(), 3);
    std::fs::remove_file(&files[0]).unwrap();

    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(&c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, vec![1, 2], "the batches behind it still go");
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(
        (
            stats.dropped.undeliverable,
            stats.replayed_events,
            stats.spool_batches,
            stats.spool_skipped,
            stats.spool_quarantined,
        ),
        (0, 2, 0, 0, 0)
    );
}

#[tokio::test]
async fn an_entry_that_is_not_a_regular_file_is_skipped_counted_once_and_left() {
    let Spooled3 {
        dir,
        port,
        mut inst,
        c,
    } = spooled_3().await;
    // The oldest batch's name now holds a directory, and a symbolic link
    // points at the next one: neither is read.
    let files = spool_files(dir.path());
    let aside = dir.path().join("aside");
    std::fs::rename(&files[0], &aside).unwrap();
    std::fs::create_dir(&files[0]).unwrap();
    let link = dir.path().join("spool").join("0000000000000000-link.batch");
    std::os::unix::fs::symlink(&files[1], &link).unwrap();

    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(&c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, vec![1, 2], "the regular files go, once each");
    inst.flush(&c).await.unwrap();
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(
        (
            stats.spool_skipped,
            stats.replayed_events,
            stats.spool_batches
        ),
        (2, 2, 0),
        "each entry counted once, over two looks"
    );
    assert!(files[0].is_dir(), "the directory was left alone");
    assert!(link.symlink_metadata().is_ok(), "the link was left alone");
}

#[tokio::test]
async fn a_corrupt_spool_file_is_quarantined_never_sent_and_counted() {
    let Spooled3 {
        dir,
        port,
        mut inst,
        c,
    } = spooled_3().await;
    // A bit flips in the middle batch's body.
    let files = spool_files(dir.path());
    let mut bytes = std::fs::read(&files[1]).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    std::fs::write(&files[1], bytes).unwrap();

    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(&c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(seqs, vec![0, 2], "the corrupt batch is not sent");
    let stats = inst.stats(&c).await.unwrap();
    // (`spool-batches` after a quarantine: `the_spool_gauges_follow_replays`.)
    assert_eq!((stats.spool_quarantined, stats.replayed_events), (1, 2));
    let left: Vec<String> = spool_files(dir.path())
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].ends_with(".bad"), "set aside as *.bad: {left:?}");
    assert!(stats.last_error.unwrap().contains("checksum"));
}

/// `spool-batches` and `spool-bytes` say what waits in the spool (as last
/// looked at): a batch replayed, or set aside as corrupt, no longer waits,
/// and a replayed one no longer takes its bytes.
#[tokio::test]
async fn the_spool_gauges_follow_replays() {
    // Every batch replayed: nothing waits, nothing is taken.
    let Spooled3 {
        dir: _dir,
        port,
        mut inst,
        c,
    } = spooled_3().await;
    let before = inst.stats(&c).await.unwrap();
    assert_eq!((before.spool_batches, before.spool_bytes), (3, 3 * 4096));
    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(&c).await.unwrap();
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(stats.replayed_events, 3);
    assert_eq!((stats.spool_batches, stats.spool_bytes), (0, 0));
    drop(rx);

    // One batch corrupt: set aside, it is no batch waiting.
    let Spooled3 {
        dir,
        port,
        mut inst,
        c,
    } = spooled_3().await;
    let files = spool_files(dir.path());
    let mut bytes = std::fs::read(&files[1]).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    std::fs::write(&files[1], bytes).unwrap();
    let _rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(&c).await.unwrap();
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!((stats.replayed_events, stats.spool_quarantined), (2, 1));
    assert_eq!(stats.spool_batches, 0, "nothing waits");
}

#[tokio::test]
async fn without_a_spool_undeliverable_events_are_counted() {
    let mut inst = instance().await;
    let c = client(&mut inst, &format!("http://127.0.0.1:{}/x", closed_port())).await;
    let err = issue_all(&mut inst, &c, &one_of_each()).await.unwrap_err();
    assert!(
        matches!(err, Error::Component(WitError::Transport(_))),
        "{err:?}"
    );
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(stats.dropped.undeliverable, 5);
    assert_eq!((stats.spooled_events, stats.spool_batches), (0, 0));
}

#[tokio::test]
async fn a_spool_outside_every_preopen_fails_at_construction() {
    let mut inst = instance().await;
    let r = try_client(&mut inst, "http://127.0.0.1:1/x", async |i, o| {
        i.set_spool(o, "/spool").await
    })
    .await;
    match component_error(r) {
        WitError::Storage(s) => assert_eq!(s.path, "/spool"),
        other => panic!("{other:?}"),
    }
    // A spool path that names a file is no directory.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), "x").unwrap();
    let mut inst = instance_with_dir(dir.path()).await;
    let r = try_client(&mut inst, "http://127.0.0.1:1/x", async |i, o| {
        i.set_spool(o, "/data/file").await
    })
    .await;
    assert!(
        matches!(component_error(r), WitError::Storage(_)),
        "a file is no spool"
    );
    // A missing directory is made.
    let r = try_client(&mut inst, "http://127.0.0.1:1/x", async |i, o| {
        i.set_spool(o, "/data/a/b").await
    })
    .await;
    assert!(r.is_ok(), "{r:?}");
    assert!(dir.path().join("a/b").is_dir());
}

/// Counts and order never come from a name: a file named as 0.1 named its
/// batches, claiming 4294967295 events, is not a spool file at all (skipped
/// and counted, never replayed); a batch file whose name gives another time
/// than its checked header is quarantined.
#[tokio::test]
async fn names_are_not_believed() {
    let Spooled3 {
        dir,
        port,
        mut inst,
        c,
    } = spooled_3().await;
    let spool = dir.path().join("spool");
    let files = spool_files(dir.path());
    let body = std::fs::read(&files[0]).unwrap();
    std::fs::write(
        spool.join("00000000000000000001.0.4294967295.json.batch"),
        &body,
    )
    .unwrap();
    // The newest batch, renamed to claim an earlier time than it has.
    let name = files[2].file_name().unwrap().to_string_lossy().into_owned();
    let (_, rest) = name.split_once('-').unwrap();
    std::fs::rename(&files[2], spool.join(format!("0000000000000001-{rest}"))).unwrap();

    let rx = Receiver::start_on(addr(port)).await.unwrap();
    inst.flush(&c).await.unwrap();
    let seqs: Vec<i64> = arrived(&rx).into_iter().map(|(_, n)| n).collect();
    assert_eq!(
        seqs,
        vec![0, 1],
        "only the batches whose names agree are sent"
    );
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(
        (
            stats.replayed_events,
            stats.spool_skipped,
            stats.spool_quarantined
        ),
        (2, 1, 1)
    );
}

/// Clients that share a spool directory but send to different tenants (or
/// endpoints) replay only their own batches: a batch goes where its event
/// was sent, never with another client's tenant.
#[tokio::test]
async fn a_shared_spool_keeps_each_batch_to_its_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let mut inst = instance_with_dir(dir.path()).await;
    let tenant =
        |t: &'static str| async move |i: &mut Instance, o: &Options| i.set_tenant(o, t).await;
    let a = spool_client_with(&mut inst, port, None, None, tenant("team-a")).await;
    assert_spooled(issue(&mut inst, &a, &numbered("s", 1, 1.0)).await, 1);

    let rx = Receiver::start_on(addr(port)).await.unwrap();
    let b = spool_client_with(&mut inst, port, None, None, tenant("team-b")).await;
    issue(&mut inst, &b, &numbered("s", 2, 1.0)).await.unwrap();
    let got = |rx: &Receiver| -> Vec<(String, i64)> {
        rx.pushes()
            .iter()
            .map(|p| {
                (
                    p.header("x-scope-orgid").unwrap(),
                    seq_of(&p.streams[0].entries[0].line),
                )
            })
            .collect()
    };
    assert_eq!(
        got(&rx),
        [("team-b".to_string(), 2)],
        "team-a's batch waits"
    );
    inst.flush(&a).await.unwrap();
    assert_eq!(
        got(&rx),
        [("team-b".to_string(), 2), ("team-a".to_string(), 1)],
        "team-a's own client sends it, as team-a"
    );
}
