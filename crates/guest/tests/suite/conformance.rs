//! Every conformance case, through the built component and real HTTP: the
//! line must equal the Python runner manager's line byte for byte, with the
//! labels `job` and `event`, the time of the call and no metadata; the
//! cases' lines carry their input values; and floats Python writes with an
//! exponent parse back equal.

use crate::common::*;
use runner_metrics_host::{CustomEvent, Event, FieldValue, RunnerInstalled};
use runner_metrics_testkit::Receiver;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64
}

#[tokio::test]
async fn every_case_matches_the_python_line() {
    let cases = conformance_cases();
    assert!(cases.len() >= 20, "only {} cases", cases.len());
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let client = client(&mut inst, &rx.url()).await;
    for (i, case) in cases.iter().enumerate() {
        let before = now_ns();
        issue(&mut inst, &client, &case.event)
            .await
            .unwrap_or_else(|e| panic!("case {i} ({}): {e}", case.name));
        let after = now_ns();
        let pushes = rx.pushes();
        assert_eq!(pushes.len(), i + 1);
        assert_framed(&pushes[i]);
        let streams = &pushes[i].streams;
        assert_eq!(streams.len(), 1);
        let s = &streams[0];
        assert_eq!(
            s.labels,
            vec![
                ("job".into(), "metrics".into()),
                ("event".into(), case.name.clone())
            ]
        );
        assert_eq!(s.entries.len(), 1);
        assert_eq!(s.entries[0].line, case.line, "case {i}");
        assert!(
            (before..=after).contains(&s.entries[0].ts_ns),
            "entry time is now"
        );
        assert!(s.entries[0].metadata.is_empty());
    }
}

/// Independent of the expected line: the line's values are the inputs.
#[test]
fn case_lines_carry_the_input_values() {
    for case in conformance_cases() {
        let line: Value = serde_json::from_str(&case.line).unwrap();
        let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
        assert_eq!(keys[0], "timestamp");
        assert_eq!(keys[1], "event");
        assert_eq!(line["event"], case.name.as_str());
        for (k, v) in case.fields.as_object().unwrap() {
            if v.is_null() {
                assert!(line.get(k).is_none(), "{k} is left out when null");
            } else if v.is_number() {
                assert_eq!(line[k].as_f64(), v.as_f64(), "{k}");
            } else {
                assert_eq!(&line[k], v, "{k}");
            }
        }
    }
}

/// The copy in this repository is the shared conformance file, unchanged.
#[test]
fn conformance_copy_is_current() {
    assert_copy_is_current(
        "conformance/runner-events.jsonl",
        "conformance/runner-events.jsonl",
    );
}

/// Floats Python writes with an exponent (`1e+20`) may differ only in
/// exponent style; the parsed value must be equal.
#[tokio::test]
async fn exponent_floats_parse_back_equal() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let client = client(&mut inst, &rx.url()).await;
    let values = [
        1e20,
        1e16,
        1.5e-7,
        5e-324,
        1.7976931348623157e308,
        0.1,
        123456789.12345679,
    ];
    for v in values {
        let event = Event::Custom(CustomEvent {
            name: "floats".into(),
            timestamp: v,
            fields: vec![("x".into(), FieldValue::Number(v))],
        });
        issue(&mut inst, &client, &event).await.unwrap();
        let installed = Event::RunnerInstalled(RunnerInstalled {
            timestamp: v,
            flavor: "f".into(),
            duration: v,
        });
        issue(&mut inst, &client, &installed).await.unwrap();
    }
    let streams = rx.streams();
    assert_eq!(streams.len(), values.len() * 2);
    for (i, v) in values.iter().enumerate() {
        let custom: Value = serde_json::from_str(&streams[2 * i].entries[0].line).unwrap();
        assert_eq!(custom["timestamp"].as_f64(), Some(*v));
        assert_eq!(custom["x"].as_f64(), Some(*v));
        let installed: Value = serde_json::from_str(&streams[2 * i + 1].entries[0].line).unwrap();
        assert_eq!(installed["duration"].as_f64(), Some(*v));
        // A float is never written as a bare integer: `12.0`, not `12`.
        let raw = &streams[2 * i + 1].entries[0].line;
        let dur = raw
            .split("\"duration\":")
            .nth(1)
            .unwrap()
            .trim_end_matches('}');
        assert!(
            dur.contains(['.', 'e']),
            "{dur} keeps a fraction or exponent"
        );
    }
}
