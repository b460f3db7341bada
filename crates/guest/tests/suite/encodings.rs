//! The three encodings carry the same streams (labels with escapes, lines,
//! order), each with its `Content-Type`, `Content-Encoding` and a
//! `Content-Length`, and the compressed ones in fewer bytes; the receiver
//! checks that gzip and snappy really are what the headers say.

use crate::common::*;
use runner_metrics_host::Encoding;
use runner_metrics_testkit::Receiver;

#[tokio::test]
async fn every_encoding_delivers_the_same_streams() {
    let mut seen = Vec::new();
    for encoding in [Encoding::Json, Encoding::JsonGzip, Encoding::Protobuf] {
        let rx = Receiver::start().await.unwrap();
        let mut inst = instance().await;
        let c = client_with(&mut inst, &rx.url(), async |i, o| {
            i.set_encoding(o, encoding).await?;
            let note = "quote \" backslash \\ newline \n tab \t ünï \u{1}";
            i.set_labels(o, &[("note".into(), note.into())]).await
        })
        .await;
        let events: Vec<_> = conformance_cases()
            .into_iter()
            .map(|c| c.event)
            .chain((0..20).map(|i| numbered("padding", i, 1.0)))
            .collect();
        issue_all(&mut inst, &c, &events).await.unwrap();
        let pushes = rx.pushes();
        assert_eq!(pushes.len(), 1);
        assert_framed(&pushes[0]);
        let h = &pushes[0].headers;
        let header = |n: &str| h.get(n).map(|v| v.to_str().unwrap().to_string());
        match encoding {
            Encoding::Json => {
                assert_eq!(header("content-type").as_deref(), Some("application/json"));
                assert_eq!(header("content-encoding"), None);
            }
            Encoding::JsonGzip => {
                assert_eq!(header("content-type").as_deref(), Some("application/json"));
                assert_eq!(header("content-encoding").as_deref(), Some("gzip"));
            }
            Encoding::Protobuf => {
                assert_eq!(
                    header("content-type").as_deref(),
                    Some("application/x-protobuf")
                );
                assert_eq!(header("content-encoding"), None);
            }
        }
        // Entry times are the time of the call; compare the rest.
        let mut streams = pushes[0].streams.clone();
        for e in streams.iter_mut().flat_map(|s| s.entries.iter_mut()) {
            e.ts_ns = 0;
        }
        seen.push((encoding, pushes[0].wire_bytes, streams));
    }
    // Same labels (escapes undone), lines and order.
    let (_, json_bytes, json) = &seen[0];
    for (encoding, bytes, streams) in &seen[1..] {
        assert_eq!(streams, json, "{encoding:?}");
        assert!(
            bytes < json_bytes,
            "{encoding:?} is smaller than JSON: {bytes} vs {json_bytes}"
        );
    }
    // The lines are still the conformance lines.
    let lines: Vec<&str> = json
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| e.line.as_str()))
        .collect();
    for case in conformance_cases() {
        assert!(lines.contains(&case.line.as_str()));
    }
}
