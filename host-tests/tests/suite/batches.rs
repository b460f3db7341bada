//! Batches: one request per `issue-events`, streams grouped by label set and
//! sorted by timestamp, client-side buffering, and splitting by size and 413.

use crate::common::*;
use metrics_host::receiver::Receiver;
use metrics_host::{ClientConfig, Entry, Event};

#[tokio::test]
async fn issue_events_is_one_request_grouped_into_sorted_streams() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let mut cfg = config(&rx.url());
    cfg.use_event_timestamp = true;
    let c = inst.client(&cfg).await.unwrap();
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
    inst.client_issue_events(c, &events).await.unwrap();
    let pushes = rx.pushes();
    assert_eq!(pushes.len(), 1, "one request for the whole list");
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
    let cfg = ClientConfig {
        use_event_timestamp: true,
        batch_max_bytes: Some(1024),
        ..config(&rx.url())
    };
    let c = inst.client(&cfg).await.unwrap();
    let base = now_s() - 60.0;
    // Two interleaved streams, each issued newest first, over ~60 lines of
    // ~60 bytes: several requests.
    let events: Vec<Event> = (0..60)
        .map(|i| numbered(["alpha", "beta"][i % 2], i as i64, base - i as f64))
        .collect();
    inst.client_issue_events(c, &events).await.unwrap();
    let pushes = rx.pushes();
    assert!(pushes.len() >= 3, "{} requests", pushes.len());
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
    let c = inst.client(&config(&rx.url())).await.unwrap();
    // Identical events: Loki would drop a repeat with the same timestamp.
    let events = vec![numbered("same", 1, 1.0); 50];
    inst.client_issue_events(c, &events).await.unwrap();
    let s = &rx.streams()[0];
    assert_eq!(s.entries.len(), 50);
    assert!(s.entries.windows(2).all(|w| w[0].ts_ns < w[1].ts_ns));
}

#[tokio::test]
async fn issue_events_with_default_settings_sends_one_request() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    // A client with every default but the endpoint; the module-level
    // functions themselves go to localhost:3100 (tests/suite/defaults.rs).
    let c = inst.client(&ClientConfig::new(rx.url())).await.unwrap();
    inst.client_issue_events(c, &one_of_each()).await.unwrap();
    assert_eq!(rx.pushes().len(), 1);
    assert_eq!(rx.streams().len(), 5);
}

#[tokio::test]
async fn an_invalid_event_fails_the_whole_batch() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = inst.client(&config(&rx.url())).await.unwrap();
    let mut events = one_of_each();
    events.push(numbered("Bad", 1, 1.0));
    let err = inst.client_issue_events(c, &events).await.unwrap_err();
    assert!(err.to_string().contains("events[5].name"), "{err}");
    assert_eq!(rx.requests(), 0);
    let stats = inst.stats(c).await.unwrap();
    assert_eq!(stats.buffered_events, 0, "nothing was kept");
}

#[tokio::test]
async fn a_buffering_client_pushes_when_full_on_flush_and_on_drop() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let mut cfg = config(&rx.url());
    cfg.batch_max_events = Some(3);
    let c = inst.client(&cfg).await.unwrap();
    for i in 0..2 {
        inst.client_issue_event(c, &numbered("buf", i, 1.0))
            .await
            .unwrap();
    }
    assert_eq!(rx.requests(), 0, "buffered");
    assert_eq!(inst.stats(c).await.unwrap().buffered_events, 2);
    inst.client_issue_event(c, &numbered("buf", 2, 1.0))
        .await
        .unwrap();
    assert_eq!(rx.pushes().len(), 1, "the third event filled the batch");
    assert_eq!(rx.streams()[0].entries.len(), 3);

    inst.client_issue_event(c, &numbered("buf", 3, 1.0))
        .await
        .unwrap();
    inst.flush(c).await.unwrap();
    assert_eq!(rx.pushes().len(), 2);
    inst.flush(c).await.unwrap();
    assert_eq!(rx.requests(), 2, "flushing nothing sends nothing");

    inst.client_issue_event(c, &numbered("buf", 4, 1.0))
        .await
        .unwrap();
    inst.drop_client(c).await.unwrap();
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
    let mut cfg = config(&rx.url());
    cfg.batch_max_events = Some(1000);
    cfg.batch_max_bytes = Some(4096);
    let c = inst.client(&cfg).await.unwrap();
    let mut issued = 0;
    while rx.requests() == 0 {
        inst.client_issue_event(c, &numbered("bytes", issued, 1.0))
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
    let mut cfg = config(&rx.url());
    cfg.batch_max_bytes = Some(8 * 1024);
    let c = inst.client(&cfg).await.unwrap();
    let events: Vec<_> = (0..1000).map(|i| numbered("split", i, 1.0)).collect();
    inst.client_issue_events(c, &events).await.unwrap();
    let pushes = rx.pushes();
    // ~41 KiB of lines in 8 KiB requests.
    let line_bytes = |p: &metrics_host::receiver::Push| -> usize {
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
    let stats = inst.stats(c).await.unwrap();
    assert_eq!(stats.sent_events, 1000);
    assert_eq!(stats.requests, pushes.len() as u64);
}

#[tokio::test]
async fn a_413_splits_the_batch_in_two_and_retries_the_halves() {
    let rx = Receiver::start().await.unwrap();
    // Each line carries 1000 bytes of padding, so a JSON body of k events is
    // a little over 1000·k bytes: 3000 takes 2 events, never 4.
    rx.set_max_body(3000);
    let mut inst = instance().await;
    let c = inst.client(&config(&rx.url())).await.unwrap();
    let events: Vec<_> = (0..8).map(|i| padded(i, 1000)).collect();
    inst.client_issue_events(c, &events).await.unwrap();
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
    let stats = inst.stats(c).await.unwrap();
    assert_eq!((stats.requests, stats.sent_events), (7, 8));
}

#[tokio::test]
async fn a_single_event_too_large_for_the_receiver_is_rejected() {
    let rx = Receiver::start().await.unwrap();
    rx.set_max_body(100);
    let mut inst = instance().await;
    let c = inst.client(&config(&rx.url())).await.unwrap();
    let err = inst
        .client_issue_event(c, &numbered("big", 1, 1.0))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("413"), "{err}");
    assert_eq!(inst.stats(c).await.unwrap().dropped.rejected, 1);
}

#[tokio::test]
async fn structured_metadata_comes_from_config_then_entry() {
    for encoding in [
        metrics_host::Encoding::Json,
        metrics_host::Encoding::Protobuf,
    ] {
        let rx = Receiver::start().await.unwrap();
        let mut inst = instance().await;
        let mut cfg = config(&rx.url());
        cfg.encoding = Some(encoding);
        cfg.structured_metadata = vec![("host".into(), "runner-7".into())];
        let c = inst.client(&cfg).await.unwrap();
        let entries = vec![
            Entry {
                event: numbered("meta", 1, 1.0),
                metadata: Some(vec![("trace_id".into(), "abc".into())]),
            },
            Entry {
                event: numbered("meta", 2, 1.0),
                metadata: None,
            },
        ];
        inst.client_issue_entries(c, &entries).await.unwrap();
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
        let bad = vec![Entry {
            event: numbered("meta", 3, 1.0),
            metadata: Some(vec![("bad-name".into(), "x".into())]),
        }];
        let err = inst.client_issue_entries(c, &bad).await.unwrap_err();
        assert!(
            err.to_string().contains("events[0].metadata[0].name"),
            "{err}"
        );
        assert_eq!(rx.requests(), 1);
    }
}
