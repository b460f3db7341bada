//! The in-process receiver, over real HTTP: each encoding decodes as Loki
//! decodes it, what an HTTP-level test needs is recorded, malformed bodies
//! are refused with the reason, and scripts and the null mode behave.

mod common;

use common::{Answer, Framing, json_body, now_ns};
use prost::Message;
use runner_metrics_logproto::{
    CONTENT_TYPE, EntryAdapter, LabelPairAdapter, PushRequest, StreamAdapter, Timestamp,
};
use runner_metrics_testkit::{Receiver, Rejection, Reply};
use std::io::Write;

/// Send a request from a blocking thread (the raw client is blocking).
async fn send(url: &str, headers: &[(&str, &str)], body: Vec<u8>, framing: Framing) -> Answer {
    let url = url.to_string();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        common::request("POST", &url, &headers, &body, framing).unwrap()
    })
    .await
    .unwrap()
}

async fn send_json(rx: &Receiver, body: Vec<u8>) -> Answer {
    let json = [("content-type", "application/json")];
    send(&rx.url(), &json, body, Framing::Length).await
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// What `json_body(ts)` holds, as the receiver must record it.
fn assert_json_body_streams(rx: &Receiver, ts: i64) {
    let streams = rx.streams();
    assert_eq!(streams.len(), 1);
    let s = &streams[0];
    assert_eq!(
        s.labels,
        pairs(&[("job", "runner-metrics"), ("event", "start")])
    );
    assert_eq!(s.label("event"), Some("start"));
    assert_eq!(s.entries.len(), 2);
    assert_eq!(s.entries[0].ts_ns, ts);
    assert_eq!(s.entries[0].line, "first line");
    assert!(s.entries[0].metadata.is_empty());
    assert_eq!(s.entries[1].ts_ns, ts + 1);
    assert_eq!(s.entries[1].line, "second line");
    assert_eq!(
        s.entries[1].metadata,
        pairs(&[("run_id", "42"), ("repo", "o/r")])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_body_decodes_and_its_framing_is_recorded() {
    let rx = Receiver::start().await.unwrap();
    let ts = now_ns();
    let body = json_body(ts);
    let len = body.len();
    let headers = [
        ("content-type", "application/json; charset=utf-8"),
        ("X-Scope-OrgID", "tenant-1"),
    ];
    let answer = send(&rx.url(), &headers, body.clone(), Framing::Length).await;
    assert_eq!(answer.status, 204, "{}", answer.text());
    assert_json_body_streams(&rx, ts);

    let push = rx.last_push().unwrap();
    assert_eq!(push.content_length, Some(len as u64));
    assert!(!push.chunked);
    assert_eq!(push.wire_bytes, len);
    assert_eq!(push.body, body);
    assert_eq!(push.content_type(), "application/json; charset=utf-8");
    assert_eq!(push.content_encoding(), None);
    assert_eq!(push.header("x-scope-orgid").as_deref(), Some("tenant-1"));
    let names: Vec<String> = push.header_pairs().into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"x-scope-orgid".to_string()), "{names:?}");
    assert_eq!(
        (rx.requests(), rx.connections(), rx.push_count()),
        (1, 1, 1)
    );
    assert_eq!(rx.wire_bytes(), len as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_body_is_recorded_as_chunked_without_length() {
    let rx = Receiver::start().await.unwrap();
    let ts = now_ns();
    let body = json_body(ts);
    let json = [("content-type", "application/json")];
    let answer = send(&rx.url(), &json, body.clone(), Framing::Chunked).await;
    assert_eq!(answer.status, 204, "{}", answer.text());
    assert_json_body_streams(&rx, ts);
    let push = rx.last_push().unwrap();
    assert!(push.chunked);
    assert_eq!(push.content_length, None);
    assert_eq!(push.body, body, "the chunks joined");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_json_body_decodes() {
    let rx = Receiver::start().await.unwrap();
    let ts = now_ns();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&json_body(ts)).unwrap();
    let body = gz.finish().unwrap();
    let headers = [
        ("content-type", "application/json"),
        ("content-encoding", "gzip"),
    ];
    let answer = send(&rx.url(), &headers, body.clone(), Framing::Length).await;
    assert_eq!(answer.status, 204, "{}", answer.text());
    assert_json_body_streams(&rx, ts);
    let push = rx.last_push().unwrap();
    assert_eq!(push.content_encoding().as_deref(), Some("gzip"));
    assert_eq!(push.wire_bytes, body.len(), "counted as compressed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snappy_protobuf_body_decodes_with_structured_metadata() {
    let rx = Receiver::start().await.unwrap();
    let ts = now_ns() as u64;
    let request = PushRequest {
        streams: vec![StreamAdapter {
            labels: r#"{job="runner-metrics", note="a \"quoted\"\\ value\n"}"#.into(),
            entries: vec![
                EntryAdapter {
                    timestamp: Some(Timestamp::from_unix_ns(ts)),
                    line: "plain".into(),
                    structured_metadata: vec![],
                    parsed: vec![],
                },
                EntryAdapter {
                    timestamp: Some(Timestamp::from_unix_ns(ts + 5)),
                    line: "with metadata".into(),
                    structured_metadata: vec![
                        LabelPairAdapter {
                            name: "trace_id".into(),
                            value: "abc".into(),
                        },
                        LabelPairAdapter {
                            name: "attempt".into(),
                            value: "2".into(),
                        },
                    ],
                    parsed: vec![],
                },
            ],
            hash: 0,
        }],
    };
    let body = snap::raw::Encoder::new()
        .compress_vec(&request.encode_to_vec())
        .unwrap();
    let headers = [("content-type", CONTENT_TYPE)];
    let answer = send(&rx.url(), &headers, body, Framing::Length).await;
    assert_eq!(answer.status, 204, "{}", answer.text());
    let streams = rx.streams();
    assert_eq!(streams.len(), 1);
    assert_eq!(
        streams[0].labels,
        pairs(&[
            ("job", "runner-metrics"),
            ("note", "a \"quoted\"\\ value\n")
        ])
    );
    let e = &streams[0].entries;
    assert_eq!((e[0].ts_ns, e[0].line.as_str()), (ts as i64, "plain"));
    assert!(e[0].metadata.is_empty());
    assert_eq!(
        (e[1].ts_ns, e[1].line.as_str()),
        (ts as i64 + 5, "with metadata")
    );
    assert_eq!(
        e[1].metadata,
        pairs(&[("trace_id", "abc"), ("attempt", "2")])
    );
    assert_eq!(rx.last_push().unwrap().content_type(), CONTENT_TYPE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_get_400_with_the_reason_and_are_not_stored() {
    let rx = Receiver::start().await.unwrap();
    let ts = now_ns();
    let json = "application/json";
    let old = ts - 8 * 24 * 3600 * 1_000_000_000;
    // (content type, content encoding, body, what the reason says)
    let cases = [
        (json, "", b"{not json".to_vec(), "invalid JSON"),
        (json, "gzip", json_body(ts), "not gzip"),
        (CONTENT_TYPE, "", b"not snappy at all".to_vec(), "snappy"),
        (
            json,
            "",
            br#"{"streams":[{"stream":{},"values":[]}]}"#.to_vec(),
            "at least one label pair",
        ),
        (
            json,
            "",
            format!(r#"{{"streams":[{{"stream":{{"job":"x"}},"values":[["{old}","old"]]}}]}}"#)
                .into_bytes(),
            "too far behind",
        ),
    ];
    for (content_type, encoding, body, why) in &cases {
        let mut headers = vec![("content-type", *content_type)];
        if !encoding.is_empty() {
            headers.push(("content-encoding", *encoding));
        }
        let answer = send(&rx.url(), &headers, body.clone(), Framing::Length).await;
        assert_eq!(answer.status, 400, "{why}: {}", answer.text());
        assert!(answer.text().contains(why), "{why}: {}", answer.text());
    }
    let rejected = rx.rejected();
    assert_eq!(rejected.len(), cases.len());
    for (r, (_, _, _, why)) in rejected.iter().zip(&cases) {
        assert_eq!(r.status, 400);
        assert!(r.reason.contains(why), "{r:?}");
    }
    assert_eq!(rx.push_count(), 0);
    assert_eq!(rx.requests(), cases.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_size_limit_is_413_and_another_path_404() {
    let rx = Receiver::start().await.unwrap();
    rx.set_max_body(10);
    let answer = send_json(&rx, json_body(now_ns())).await;
    assert_eq!(answer.status, 413);
    let elsewhere = rx.url().replace("/loki/api/v1/push", "/loki/api/v1/other");
    let answer = send(&elsewhere, &[], b"{}".to_vec(), Framing::Length).await;
    assert_eq!(answer.status, 404);
    let statuses: Vec<u16> = rx.rejected().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [413, 404]);
    assert_eq!(
        rx.rejected()[0],
        Rejection {
            status: 413,
            reason: "request body too large".into()
        }
    );
    assert_eq!(rx.push_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_answers_come_in_order_then_the_default() {
    let rx = Receiver::start().await.unwrap();
    rx.script([
        Reply::status(503, "busy").with_header("Retry-After", "1"),
        Reply::status(429, "slow down"),
    ]);
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(send_json(&rx, json_body(now_ns())).await);
    }
    assert_eq!(got[0].status, 503);
    assert_eq!(got[0].header("retry-after"), Some("1"));
    assert_eq!(got[0].text(), "busy");
    assert_eq!(got[1].status, 429);
    assert_eq!(got[2].status, 204);
    assert_eq!(rx.push_count(), 1, "only the 2xx answer stores the push");
    assert_eq!(rx.requests(), 3);

    rx.set_default(Reply::status(500, "down"));
    assert_eq!(send_json(&rx, json_body(now_ns())).await.status, 500);
    rx.reset();
    assert_eq!(send_json(&rx, json_body(now_ns())).await.status, 204);
    assert_eq!((rx.push_count(), rx.requests()), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_receiver_answers_204_and_keeps_only_counts() {
    let rx = Receiver::start_null().await.unwrap();
    rx.script([Reply::status(503, "ignored")]);
    let answer = send_json(&rx, b"not even json".to_vec()).await;
    assert_eq!(answer.status, 204);
    assert_eq!(rx.push_count(), 0);
    assert_eq!(rx.requests(), 1);
    assert_eq!(rx.wire_bytes(), 13);
    assert!(rx.arrivals().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_returns_the_pushes() {
    let rx = Receiver::start().await.unwrap();
    send_json(&rx, json_body(now_ns())).await;
    let url = rx.url();
    assert_eq!(rx.stop().await.len(), 1);
    let (authority, _) = common::split_url(&url);
    assert!(
        std::net::TcpStream::connect(authority).is_err(),
        "still listening"
    );
}
