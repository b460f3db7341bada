//! Invalid events and configs: a typed error naming the field, nothing
//! sent, and the instance keeps working.

use crate::common::*;
use metrics_host::bindings::{InvalidInput, WitError};
use metrics_host::receiver::Receiver;
use metrics_host::{ClientConfig as Config, CustomEvent, Error, Event, FieldValue, Reconciliation};
use metrics_host::{RunnerInstalled, RunnerStart, RunnerStop};

fn invalid_field(r: Result<(), Error>) -> InvalidInput {
    match r {
        Err(Error::Component(WitError::InvalidEvent(i))) => i,
        other => panic!("expected invalid-event, got {other:?}"),
    }
}

/// Each event with one float field set to `bad`, and that field's name.
fn with_bad_float(bad: f64) -> Vec<(Event, &'static str)> {
    let [installed, start, stop, recon, custom] = one_of_each().try_into().unwrap();
    let mut out = Vec::new();
    let Event::RunnerInstalled(i) = installed else {
        unreachable!()
    };
    out.push((
        Event::RunnerInstalled(RunnerInstalled {
            timestamp: bad,
            ..i.clone()
        }),
        "timestamp",
    ));
    out.push((
        Event::RunnerInstalled(RunnerInstalled { duration: bad, ..i }),
        "duration",
    ));
    let Event::RunnerStart(s) = start else {
        unreachable!()
    };
    out.push((
        Event::RunnerStart(RunnerStart {
            timestamp: bad,
            ..s.clone()
        }),
        "timestamp",
    ));
    out.push((
        Event::RunnerStart(RunnerStart {
            idle: bad,
            ..s.clone()
        }),
        "idle",
    ));
    out.push((
        Event::RunnerStart(RunnerStart {
            queue_duration: Some(bad),
            ..s
        }),
        "queue_duration",
    ));
    let Event::RunnerStop(s) = stop else {
        unreachable!()
    };
    out.push((
        Event::RunnerStop(RunnerStop {
            timestamp: bad,
            ..s.clone()
        }),
        "timestamp",
    ));
    out.push((
        Event::RunnerStop(RunnerStop {
            job_duration: bad,
            ..s
        }),
        "job_duration",
    ));
    let Event::Reconciliation(r) = recon else {
        unreachable!()
    };
    out.push((
        Event::Reconciliation(Reconciliation {
            timestamp: bad,
            ..r.clone()
        }),
        "timestamp",
    ));
    out.push((
        Event::Reconciliation(Reconciliation { duration: bad, ..r }),
        "duration",
    ));
    let Event::Custom(c) = custom else {
        unreachable!()
    };
    out.push((
        Event::Custom(CustomEvent {
            timestamp: bad,
            ..c
        }),
        "timestamp",
    ));
    out
}

#[tokio::test]
async fn negative_nan_and_infinite_seconds_are_refused() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = inst.client(&config(&rx.url())).await.unwrap();
    for bad in [-1.0, -1e-300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for (event, field) in with_bad_float(bad) {
            let err = invalid_field(inst.client_issue_event(c, &event).await);
            assert_eq!(err.field, field, "{bad}");
            assert!(err.reason.contains(">= 0"), "{}", err.reason);
            // The module-level function validates the same way, before any I/O.
            let err = invalid_field(inst.issue_event(&event).await);
            assert_eq!(err.field, field);
        }
    }
    assert_eq!(rx.requests(), 0, "nothing was sent");
    // Zero and negative zero are fine.
    for ok in [0.0, -0.0] {
        for (event, _) in with_bad_float(ok) {
            inst.client_issue_event(c, &event).await.unwrap();
        }
    }
}

#[tokio::test]
async fn negative_runner_counts_are_refused() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = inst.client(&config(&rx.url())).await.unwrap();
    let Event::Reconciliation(r) = one_of_each().remove(3) else {
        unreachable!()
    };
    let cases = [
        (
            Reconciliation {
                crashed_runners: -1,
                ..r.clone()
            },
            "crashed_runners",
        ),
        (
            Reconciliation {
                idle_runners: -1,
                ..r.clone()
            },
            "idle_runners",
        ),
        (
            Reconciliation {
                active_runners: i64::MIN,
                ..r.clone()
            },
            "active_runners",
        ),
        (
            Reconciliation {
                expected_runners: -5,
                ..r.clone()
            },
            "expected_runners",
        ),
    ];
    for (event, field) in cases {
        let err = invalid_field(
            inst.client_issue_event(c, &Event::Reconciliation(event))
                .await,
        );
        assert_eq!(err.field, field);
    }
    assert_eq!(rx.requests(), 0);
}

fn custom(name: &str, fields: Vec<(&str, FieldValue)>) -> Event {
    Event::Custom(CustomEvent {
        name: name.into(),
        timestamp: 1.0,
        fields: fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    })
}

#[tokio::test]
async fn bad_custom_events_are_refused() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = inst.client(&config(&rx.url())).await.unwrap();
    let t = || FieldValue::Text("v".into());
    let long = "a".repeat(129);
    let cases = vec![
        (custom("", vec![]), "name"),
        (custom("Upper", vec![]), "name"),
        (custom("1st", vec![]), "name"),
        (custom("_lead", vec![]), "name"),
        (custom("has-dash", vec![]), "name"),
        (custom("has space", vec![]), "name"),
        (custom("ünïcode", vec![]), "name"),
        (custom(&long, vec![]), "name"),
        (custom("runner_start", vec![]), "name"),
        (custom("ok", vec![("timestamp", t())]), "fields[0]"),
        (custom("ok", vec![("a", t()), ("event", t())]), "fields[1]"),
        (
            custom("ok", vec![("a", t()), ("b", t()), ("a", t())]),
            "fields[2]",
        ),
        (custom("ok", vec![("Bad", t())]), "fields[0]"),
        (custom("ok", vec![("", t())]), "fields[0]"),
        (
            custom("ok", vec![("x", FieldValue::Number(f64::NAN))]),
            "fields[0].x",
        ),
        (
            custom("ok", vec![("x", FieldValue::Number(f64::INFINITY))]),
            "fields[0].x",
        ),
    ];
    for (event, field) in cases {
        let err = invalid_field(inst.client_issue_event(c, &event).await);
        assert_eq!(err.field, field, "{event:?}: {}", err.reason);
        assert!(!err.reason.is_empty());
    }
    assert_eq!(rx.requests(), 0);
    // The longest allowed name, and every value kind, pass.
    let ok = custom(
        &"a".repeat(128),
        vec![
            ("b", FieldValue::Boolean(false)),
            ("i", FieldValue::Integer(-7)),
            ("n", FieldValue::Number(-2.5)),
            ("s", t()),
        ],
    );
    inst.client_issue_event(c, &ok).await.unwrap();
    let line = &rx.streams()[0].entries[0].line;
    let tail = r#""b":false,"i":-7,"n":-2.5,"s":"v"}"#;
    assert!(line.ends_with(tail), "{line}");
}

fn invalid_config(r: Result<metrics_host::ClientHandle, Error>) -> InvalidInput {
    match r {
        Err(Error::Component(WitError::InvalidConfig(i))) => i,
        other => panic!("expected invalid-config, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_configs_are_refused_at_construction() {
    let mut inst = instance().await;
    let base = config("http://127.0.0.1:1/loki/api/v1/push");
    let with = |f: &dyn Fn(&mut Config)| {
        let mut c = base.clone();
        f(&mut c);
        c
    };
    let label = |k: &str, v: &str| (k.to_string(), v.to_string());
    let cases: Vec<(Config, &str)> = vec![
        (
            with(&|c| c.endpoint = Some("localhost:3100/loki/api/v1/push".into())),
            "endpoint",
        ),
        (
            with(&|c| c.endpoint = Some("ftp://host/x".into())),
            "endpoint",
        ),
        (
            with(&|c| c.endpoint = Some("http:///path".into())),
            "endpoint",
        ),
        (
            with(&|c| c.endpoint = Some("http://user:pw@host/x".into())),
            "endpoint",
        ),
        (
            with(&|c| c.endpoint = Some("http://host/a b".into())),
            "endpoint",
        ),
        (
            with(&|c| c.endpoint = Some("http://host/x#frag".into())),
            "endpoint",
        ),
        (with(&|c| c.timeout_ms = Some(0)), "timeout_ms"),
        (with(&|c| c.timeout_ms = Some(600_001)), "timeout_ms"),
        (
            with(&|c| c.labels = vec![label("9x", "v")]),
            "labels[0].name",
        ),
        (
            with(&|c| c.labels = vec![label("a-b", "v")]),
            "labels[0].name",
        ),
        (
            with(&|c| c.labels = vec![label("__name__", "v")]),
            "labels[0].name",
        ),
        (
            with(&|c| c.labels = vec![label("ok", "v"), label("event", "v")]),
            "labels[1].name",
        ),
        (
            with(&|c| c.labels = vec![label("ok", "")]),
            "labels[0].value",
        ),
        (
            with(&|c| c.labels = vec![label("ok", &"v".repeat(2049))]),
            "labels[0].value",
        ),
        (
            with(&|c| c.labels = vec![label("a", "1"), label("a", "2")]),
            "labels[1].name",
        ),
        (
            with(&|c| c.labels = (0..14).map(|i| label(&format!("l{i}"), "v")).collect()),
            "labels",
        ),
    ];
    for (cfg, field) in cases {
        let err = invalid_config(inst.client(&cfg).await);
        assert_eq!(err.field, field, "{cfg:?}: {}", err.reason);
    }
    // Limits themselves are fine: 13 extra labels + job + event = 15.
    let max = with(&|c| {
        c.labels = (0..13)
            .map(|i| label(&format!("l{i}"), &"v".repeat(2048)))
            .collect();
        c.timeout_ms = Some(600_000);
    });
    inst.client(&max).await.unwrap();
}
