//! Batches: one request per `client.issue`, streams grouped by label set
//! and sorted by timestamp, client-side buffering (pushed when full, on
//! `flush` and on drop), splitting by size and on 413, and structured
//! metadata from the settings then the entry.

use crate::common::*;
use runner_metrics_host::{Encoding, Entry, Event, Instance};
use runner_metrics_testkit::{Push, Receiver};

#[tokio::test]
async fn issue_events_is_one_request_grouped_into_sorted_streams() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_use_event_timestamp(o, true).await
    })
    .await;
    let base = now_s() - 60.0;
    // Interleaved streams, timestamps out of order within each.
    let events = vec![
        numbered("alpha", 1, base + 3.0),
        numbered("beta", 2, base + 1.0),
        numbered("alpha", 3, base + 1.0),
        numbered("beta", 4, base + 2.0),
        numbered("alpha", 5, base + 2.0),
        numbered("alpha", 6, base + 2.0),
    ];
    issue_all(&mut inst, &c, &events).await.unwrap();
    let pushes = rx.pushes();
    assert_eq!(pushes.len(), 1, "one request for the whole list");
    assert_framed(&pushes[0]);
    let streams = &pushes[0].streams;
    let shape: Vec<(String, Vec<i64>)> = streams
        .iter()
        .map(|s| {
            let seqs = s.entries.iter().map(|e| seq_of(&e.line)).collect();
            (s.label("event").unwrap().to_string(), seqs)
        })
        .collect();
    // Sorted by timestamp; equal timestamps keep issue order (5 before 6).
    assert_eq!(
        shape,
        vec![
            ("alpha".into(), vec![3, 5, 6, 1]),
            ("beta".into(), vec![2, 4])
        ]
    );
    for s in streams {
        let ts: Vec<i64> = s.entries.iter().map(|e| e.ts_ns).collect();
        assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
    }
    // The entry timestamp is the event's own.
    assert_eq!(streams[0].entries[0].ts_ns, ((base + 1.0) * 1e9) as i64);
}

#[tokio::test]
async fn a_stream_split_over_requests_goes_out_in_time_order() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_use_event_timestamp(o, true).await?;
        i.set_batch_max_bytes(o, 1024).await
    })
    .await;
    let base = now_s() - 60.0;
    // Two interleaved streams, each issued newest first, over ~60 lines of
    // ~60 bytes: several requests.
    let events: Vec<Event> = (0..60)
        .map(|i| numbered(["alpha", "beta"][i % 2], i as i64, base - i as f64))
        .collect();
    issue_all(&mut inst, &c, &events).await.unwrap();
    let pushes = rx.pushes();
    assert!(pushes.len() >= 3, "{} requests", pushes.len());
    pushes.iter().for_each(assert_framed);
    for name in ["alpha", "beta"] {
        // Across requests, in the order they arrived.
        let ts: Vec<i64> = pushes
            .iter()
            .flat_map(|p| p.streams.iter())
            .filter(|s| s.label("event") == Some(name))
            .flat_map(|s| s.entries.iter().map(|e| e.ts_ns))
            .collect();
        assert_eq!(ts.len(), 30);
        assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{name}: {ts:?}");
    }
}

#[tokio::test]
async fn entries_issued_now_get_distinct_increasing_timestamps() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client(&mut inst, &rx.url()).await;
    // Identical events: Loki would drop a repeat with the same timestamp.
    let events = vec![numbered("same", 1, 1.0); 50];
    issue_all(&mut inst, &c, &events).await.unwrap();
    let s = &rx.streams()[0];
    assert_eq!(s.entries.len(), 50);
    assert!(s.entries.windows(2).all(|w| w[0].ts_ns < w[1].ts_ns));
}

#[tokio::test]
async fn issue_with_default_settings_sends_one_request() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    // A client with every default but the endpoint; the module-level
    // `issue-event` goes to localhost:3100 (tests/suite/defaults.rs).
    let o = inst.options().await.unwrap();
    inst.set_endpoint(&o, &rx.url()).await.unwrap();
    let c = inst.client(&o).await.unwrap();
    issue_all(&mut inst, &c, &one_of_each()).await.unwrap();
    assert_eq!(rx.pushes().len(), 1);
    assert_eq!(rx.streams().len(), 5);
}

#[tokio::test]
async fn an_invalid_event_fails_the_whole_batch() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_batch_max_events(o, 100).await
    })
    .await;
    issue(&mut inst, &c, &numbered("kept", 0, 1.0))
        .await
        .unwrap();
    let mut events = one_of_each();
    events.push(numbered("Bad", 1, 1.0));
    let err = invalid_event(issue_all(&mut inst, &c, &events).await);
    assert_eq!(err.field, "entries[5].name", "{}", err.reason);
    assert_eq!(rx.requests(), 0);
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(
        stats.buffered_events, 1,
        "none of the call's events was kept"
    );
    inst.flush(&c).await.unwrap();
    let seqs: Vec<i64> = lines(&rx).iter().map(|l| seq_of(l)).collect();
    assert_eq!(seqs, [0], "the buffer is as it was before the call");
}

#[tokio::test]
async fn a_buffering_client_pushes_when_full_on_flush_and_on_drop() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_batch_max_events(o, 3).await
    })
    .await;
    for i in 0..2 {
        issue(&mut inst, &c, &numbered("buf", i, 1.0))
            .await
            .unwrap();
    }
    assert_eq!(rx.requests(), 0, "buffered");
    assert_eq!(inst.stats(&c).await.unwrap().buffered_events, 2);
    issue(&mut inst, &c, &numbered("buf", 2, 1.0))
        .await
        .unwrap();
    assert_eq!(rx.pushes().len(), 1, "the third event filled the batch");
    assert_eq!(rx.streams()[0].entries.len(), 3);
    assert_eq!(inst.stats(&c).await.unwrap().buffered_events, 0);

    issue(&mut inst, &c, &numbered("buf", 3, 1.0))
        .await
        .unwrap();
    inst.flush(&c).await.unwrap();
    assert_eq!(rx.pushes().len(), 2);
    inst.flush(&c).await.unwrap();
    assert_eq!(rx.requests(), 2, "flushing nothing sends nothing");

    issue(&mut inst, &c, &numbered("buf", 4, 1.0))
        .await
        .unwrap();
    inst.close(c).await.unwrap();
    assert_eq!(
        rx.pushes().len(),
        3,
        "dropping the client flushed its buffer"
    );
    let seqs: Vec<i64> = rx
        .streams()
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| seq_of(&e.line)))
        .collect();
    assert_eq!(seqs, vec![0, 1, 2, 3, 4]);
}

#[tokio::test]
async fn a_buffering_client_pushes_when_the_byte_limit_is_reached() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_batch_max_events(o, 1000).await?;
        i.set_batch_max_bytes(o, 4096).await
    })
    .await;
    let mut issued = 0;
    while rx.requests() == 0 {
        issue(&mut inst, &c, &numbered("bytes", issued, 1.0))
            .await
            .unwrap();
        issued += 1;
        assert!(issued < 1000);
    }
    // The push came with the first event that brought the buffered line
    // bytes to 4 KiB.
    let lines: Vec<usize> = rx
        .streams()
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| e.line.len()))
        .collect();
    assert_eq!(lines.len() as i64, issued);
    let total: usize = lines.iter().sum();
    assert!(
        total >= 4096 && total - lines[lines.len() - 1] < 4096,
        "{total}"
    );
    for p in rx.pushes() {
        let bytes: usize = p
            .streams
            .iter()
            .flat_map(|s| s.entries.iter().map(|e| e.line.len()))
            .sum();
        assert!(
            bytes <= 4096,
            "a request carries at most batch-max-bytes of lines"
        );
    }
}

#[tokio::test]
async fn large_batches_are_split_under_batch_max_bytes() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_batch_max_bytes(o, 8 * 1024).await
    })
    .await;
    let events: Vec<_> = (0..1000).map(|i| numbered("split", i, 1.0)).collect();
    issue_all(&mut inst, &c, &events).await.unwrap();
    let pushes = rx.pushes();
    pushes.iter().for_each(assert_framed);
    // ~41 KiB of lines in 8 KiB requests.
    let line_bytes = |p: &Push| -> usize {
        p.streams
            .iter()
            .flat_map(|s| s.entries.iter().map(|e| e.line.len()))
            .sum()
    };
    let total: usize = pushes.iter().map(line_bytes).sum();
    // Greedy: each request is filled to within one line of the limit.
    let fewest = total.div_ceil(8 * 1024);
    assert!(
        (fewest..=fewest + 1).contains(&pushes.len()),
        "{} requests",
        pushes.len()
    );
    assert!(
        pushes.iter().all(|p| line_bytes(p) <= 8 * 1024),
        "every request is within the limit"
    );
    let seqs: Vec<i64> = rx
        .streams()
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| seq_of(&e.line)))
        .collect();
    assert_eq!(
        seqs,
        (0..1000).collect::<Vec<_>>(),
        "every event once, in order"
    );
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(stats.sent_events, 1000);
    assert_eq!(stats.requests, pushes.len() as u64);
    let wire: usize = pushes.iter().map(|p| p.wire_bytes).sum();
    assert_eq!(stats.sent_bytes, wire as u64, "body bytes as sent");
}

#[tokio::test]
async fn a_413_splits_the_batch_in_two_and_retries_the_halves() {
    let rx = Receiver::start().await.unwrap();
    // Each line carries 1000 bytes of padding, so a JSON body of k events is
    // a little over 1000·k bytes: 3000 takes 2 events, never 4.
    rx.set_max_body(3000);
    let mut inst = instance().await;
    let c = client(&mut inst, &rx.url()).await;
    let events: Vec<_> = (0..8).map(|i| padded(i, 1000)).collect();
    issue_all(&mut inst, &c, &events).await.unwrap();
    // 8 is refused, then its first 4, whose halves go through, then the
    // other 4 likewise: 3 refusals and 4 pushes of 2, in order.
    let pushed: Vec<Vec<i64>> = rx
        .pushes()
        .iter()
        .map(|p| {
            p.streams
                .iter()
                .flat_map(|s| s.entries.iter().map(|e| seq_of(&e.line)))
                .collect()
        })
        .collect();
    assert_eq!(pushed, [[0, 1], [2, 3], [4, 5], [6, 7]]);
    assert_eq!(rx.requests(), 7);
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!((stats.requests, stats.sent_events), (7, 8));
    assert_eq!(stats.retries, 0, "a split is not a retry");
}

#[tokio::test]
async fn a_single_event_too_large_for_the_receiver_is_rejected() {
    let rx = Receiver::start().await.unwrap();
    rx.set_max_body(100);
    let mut inst = instance().await;
    let c = client(&mut inst, &rx.url()).await;
    let err = issue(&mut inst, &c, &numbered("big", 1, 1.0))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("413"), "{err}");
    assert_eq!(inst.stats(&c).await.unwrap().dropped.rejected, 1);
}

#[tokio::test]
async fn structured_metadata_comes_from_the_settings_then_the_entry() {
    for encoding in [Encoding::Json, Encoding::Protobuf] {
        let rx = Receiver::start().await.unwrap();
        let mut inst = instance().await;
        let c = client_with(&mut inst, &rx.url(), async |i, o| {
            i.set_encoding(o, encoding).await?;
            i.set_structured_metadata(o, &[("host".into(), "runner-7".into())])
                .await
        })
        .await;
        let entries = vec![
            Entry {
                event: numbered("meta", 1, 1.0),
                metadata: vec![("trace_id".into(), "abc".into())],
            },
            Entry {
                event: numbered("meta", 2, 1.0),
                metadata: vec![],
            },
        ];
        inst.issue(&c, &entries).await.unwrap();
        let s = &rx.streams()[0];
        let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
            p.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            s.entries[0].metadata,
            pairs(&[("host", "runner-7"), ("trace_id", "abc")]),
            "{encoding:?}"
        );
        assert_eq!(s.entries[1].metadata, pairs(&[("host", "runner-7")]));
        // A bad metadata name is an invalid event, nothing sent.
        let bad = vec![
            Entry::from(numbered("meta", 3, 1.0)),
            Entry {
                event: numbered("meta", 4, 1.0),
                metadata: vec![("bad-name".into(), "x".into())],
            },
        ];
        let err = invalid_event(inst.issue(&c, &bad).await);
        assert_eq!(err.field, "entries[1].metadata[0].name", "{}", err.reason);
        assert_eq!(rx.requests(), 1);
    }
}

/// The settings' metadata follows the same rules, checked when set.
#[tokio::test]
async fn bad_structured_metadata_settings_are_refused_when_set() {
    let mut inst = instance().await;
    let o = inst.options().await.unwrap();
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (
            vec![pair("ok", "1"), pair("bad-name", "x")],
            "structured-metadata[1].name",
        ),
        (vec![pair("__reserved", "x")], "structured-metadata[0].name"),
        (
            (0..129).map(|i| pair(&format!("k{i}"), "v")).collect(),
            "structured-metadata",
        ),
        (
            vec![pair("big", &"v".repeat(64 * 1024))],
            "structured-metadata",
        ),
    ];
    for (pairs, field) in cases {
        let err = invalid_config(inst.set_structured_metadata(&o, &pairs).await);
        assert_eq!(err.field, field, "{}", err.reason);
    }
    let most: Vec<_> = (0..128).map(|i| pair(&format!("k{i}"), "v")).collect();
    inst.set_structured_metadata(&o, &most).await.unwrap();
}

/// The same events in one call or one at a time: the same lines.
#[tokio::test]
async fn one_call_or_many_send_the_same_lines() {
    let rx = Receiver::start().await.unwrap();
    let mut inst: Instance = instance().await;
    let c = client(&mut inst, &rx.url()).await;
    issue_all(&mut inst, &c, &one_of_each()).await.unwrap();
    let together = lines(&rx);
    rx.reset();
    for e in one_of_each() {
        issue(&mut inst, &c, &e).await.unwrap();
    }
    assert_eq!(lines(&rx), together);
    assert_eq!(rx.push_count(), 5);
}
