//! Invalid events and settings: a typed error naming the field (an event's
//! as in its line, prefixed `entries[i].` in a `client.issue`; a setting's
//! as its setter, checked when set and, for settings that only make sense
//! together, when the client is made), nothing sent, the setting left as it
//! was, and the instance keeps working. Every numeric setter's range, as
//! the WIT states it.

use crate::common::*;
use runner_metrics_host::{
    CustomEvent, Error, Event, FieldValue, Instance, Options, Reconciliation, RunnerInstalled,
    RunnerStart, RunnerStop, WitError,
};
use runner_metrics_testkit::{Receiver, Reply};

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
    let c = client(&mut inst, &rx.url()).await;
    for bad in [-1.0, -1e-300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for (event, field) in with_bad_float(bad) {
            let err = invalid_event(issue(&mut inst, &c, &event).await);
            assert_eq!(err.field, format!("entries[0].{field}"), "{bad}");
            assert!(err.reason.contains(">= 0"), "{}", err.reason);
            // The module-level function validates the same way, before any
            // I/O, and names the field as in the line.
            let err = invalid_event(inst.issue_event(&event).await);
            assert_eq!(err.field, field);
        }
    }
    assert_eq!(rx.requests(), 0, "nothing was sent");
    // Zero and negative zero are fine.
    for ok in [0.0, -0.0] {
        for (event, _) in with_bad_float(ok) {
            issue(&mut inst, &c, &event).await.unwrap();
        }
    }
}

#[tokio::test]
async fn negative_runner_counts_are_refused() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client(&mut inst, &rx.url()).await;
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
        let event = Event::Reconciliation(event);
        let err = invalid_event(issue(&mut inst, &c, &event).await);
        assert_eq!(err.field, format!("entries[0].{field}"));
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
    let c = client(&mut inst, &rx.url()).await;
    let t = || FieldValue::Text("v".into());
    let long = "a".repeat(129);
    let too_many: Vec<(String, FieldValue)> = (0..1025).map(|i| (format!("f{i}"), t())).collect();
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
        (custom("ok", vec![(&long, t())]), "fields[0]"),
        (
            custom("ok", vec![("x", FieldValue::Number(f64::NAN))]),
            "fields[0].x",
        ),
        (
            custom("ok", vec![("x", FieldValue::Number(f64::INFINITY))]),
            "fields[0].x",
        ),
        (
            Event::Custom(CustomEvent {
                name: "ok".into(),
                timestamp: 1.0,
                fields: too_many,
            }),
            "fields",
        ),
    ];
    for (event, field) in cases {
        let err = invalid_event(issue(&mut inst, &c, &event).await);
        assert_eq!(
            err.field,
            format!("entries[0].{field}"),
            "{}: {}",
            format!("{event:?}").chars().take(80).collect::<String>(),
            err.reason
        );
        assert!(!err.reason.is_empty());
    }
    assert_eq!(rx.requests(), 0);
    // The longest allowed name, the most fields, and every value kind, pass.
    let ok = custom(
        &"a".repeat(128),
        vec![
            ("b", FieldValue::Boolean(false)),
            ("i", FieldValue::Integer(-7)),
            ("n", FieldValue::Number(-2.5)),
            ("s", t()),
        ],
    );
    issue(&mut inst, &c, &ok).await.unwrap();
    let line = &rx.streams()[0].entries[0].line;
    let tail = r#""b":false,"i":-7,"n":-2.5,"s":"v"}"#;
    assert!(line.ends_with(tail), "{line}");
    let most = Event::Custom(CustomEvent {
        name: "most".into(),
        timestamp: 1.0,
        fields: (0..1024).map(|i| (format!("f{i}"), t())).collect(),
    });
    issue(&mut inst, &c, &most).await.unwrap();
}

/// `set` on a fresh `options`: its refusal's field.
async fn refused(
    inst: &mut Instance,
    set: impl AsyncFnOnce(&mut Instance, &Options) -> Result<(), Error>,
) -> String {
    let o = inst.options().await.unwrap();
    let r = set(inst, &o).await;
    inst.drop_options(o).await.unwrap();
    invalid_config(r).field
}

#[tokio::test]
async fn bad_endpoints_and_labels_are_refused_when_set() {
    let mut inst = instance().await;
    let endpoints = [
        "localhost:3100/loki/api/v1/push",
        "",
        "ftp://host/x",
        "http:///path",
        "http://",
        "http://user:pw@host/x",
        "http://host/a b",
        "http://host/x#frag",
        "http://hé/x",
        // Bad ports and authorities: never guessed at.
        "http://host:31OO/x",
        "http://host:99999/x",
        "http://host:/x",
        "http://host:-1/x",
        "http://host:0/x",
        "http://[::1/x",
        "http://:3100/x",
    ];
    for url in endpoints {
        let field = refused(&mut inst, async |i, o| i.set_endpoint(o, url).await).await;
        assert_eq!(field, "endpoint", "{url:?}");
    }
    for ok in [
        "http://host:65535/x",
        "https://[::1]:8443/loki/api/v1/push",
        "HTTP://loki?tenant=a",
        "http://10.0.0.1:1",
    ] {
        let o = inst.options().await.unwrap();
        inst.set_endpoint(&o, ok).await.unwrap();
    }
    let label = |k: &str, v: &str| (k.to_string(), v.to_string());
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (vec![label("9x", "v")], "labels[0].name"),
        (vec![label("a-b", "v")], "labels[0].name"),
        (vec![label("__name__", "v")], "labels[0].name"),
        (
            vec![label("ok", "v"), label("event", "v")],
            "labels[1].name",
        ),
        (vec![label("ok", "")], "labels[0].value"),
        (vec![label("ok", &"v".repeat(2049))], "labels[0].value"),
        (vec![label(&"n".repeat(1025), "v")], "labels[0].name"),
        (vec![label("a", "1"), label("a", "2")], "labels[1].name"),
        (
            (0..14).map(|i| label(&format!("l{i}"), "v")).collect(),
            "labels",
        ),
    ];
    for (labels, field) in cases {
        let got = refused(&mut inst, async |i, o| i.set_labels(o, &labels).await).await;
        assert_eq!(got, field, "{labels:?}");
    }
    // Limits themselves are fine: 13 extra labels + job + event = 15, and
    // `job` replaces the default rather than adding one.
    let mut max: Vec<_> = (0..13)
        .map(|i| label(&format!("l{i}"), &"v".repeat(2048)))
        .collect();
    max.push(label("job", "runners"));
    max.push(label(&"n".repeat(1024), "v"));
    max.remove(0);
    let o = inst.options().await.unwrap();
    inst.set_labels(&o, &max).await.unwrap();
    inst.set_timeout_ms(&o, 600_000).await.unwrap();
    let c = inst.client(&o).await.unwrap();
    inst.close(c).await.unwrap();
}

/// Label names are unique: `job` too, though it replaces the default.
#[tokio::test]
async fn job_given_twice_is_refused() {
    let mut inst = instance().await;
    let labels = [
        ("job".to_string(), "a".to_string()),
        ("job".to_string(), "b".to_string()),
    ];
    let field = refused(&mut inst, async |i, o| i.set_labels(o, &labels).await).await;
    assert_eq!(field, "labels[1].name");
}

/// A `/` in the password ends the authority early, so the `@` is in the
/// path; the password must still not be shown, whatever else is wrong
/// with the URL (here a space).
#[tokio::test]
async fn a_password_with_a_slash_is_never_shown() {
    let mut inst = instance().await;
    let o = inst.options().await.unwrap();
    let err = inst
        .set_endpoint(&o, "http://admin:pa/s3cr3t-pw x@loki/push")
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("s3cr3t-pw"), "{text}");
}

#[tokio::test]
async fn a_password_in_the_endpoint_is_refused_and_never_shown() {
    let mut inst = instance().await;
    let o = inst.options().await.unwrap();
    for url in [
        "http://admin:s3cr3t-pw@loki:3100/push",
        "https://s3cr3t-pw@loki/push",
        "http://admin:s3cr3t-pw@loki:31OO/push",
    ] {
        let err = inst.set_endpoint(&o, url).await.unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("s3cr3t-pw"), "{text}");
        assert_eq!(invalid_config(Err::<(), _>(err)).field, "endpoint");
    }
}

/// Each numeric setter, its smallest and largest value, as the WIT states
/// them (`None`: no largest).
const RANGES: [(&str, i64, Option<i64>); 10] = [
    ("timeout-ms", 1, Some(600_000)),
    ("batch-max-events", 1, Some(1_000_000)),
    ("batch-max-bytes", 1024, Some(104_857_600)),
    ("max-line-bytes", 1024, Some(104_857_600)),
    ("max-attempts", 1, Some(1000)),
    ("min-backoff-ms", 1, Some(3_600_000)),
    ("max-backoff-ms", 1, Some(3_600_000)),
    ("deadline-ms", 1, Some(86_400_000)),
    ("spool-max-bytes", 65_536, None),
    ("spool-max-age-ms", 1, None),
];

/// Call the numeric setter `name` with `value`.
async fn set_number(inst: &mut Instance, o: &Options, name: &str, value: i64) -> Result<(), Error> {
    match name {
        "timeout-ms" => inst.set_timeout_ms(o, value).await,
        "batch-max-events" => inst.set_batch_max_events(o, value).await,
        "batch-max-bytes" => inst.set_batch_max_bytes(o, value).await,
        "max-line-bytes" => inst.set_max_line_bytes(o, value).await,
        "max-attempts" => inst.set_max_attempts(o, value).await,
        "min-backoff-ms" => inst.set_min_backoff_ms(o, value).await,
        "max-backoff-ms" => inst.set_max_backoff_ms(o, value).await,
        "deadline-ms" => inst.set_deadline_ms(o, value).await,
        "spool-max-bytes" => inst.set_spool_max_bytes(o, value).await,
        "spool-max-age-ms" => inst.set_spool_max_age_ms(o, value).await,
        other => panic!("no setter {other}"),
    }
}

#[tokio::test]
async fn every_number_is_checked_against_its_range_when_set() {
    let mut inst = instance().await;
    let o = inst.options().await.unwrap();
    for (name, min, max) in RANGES {
        let mut bad = vec![min - 1, -1, i64::MIN, 0];
        bad.retain(|v| *v < min);
        if let Some(max) = max {
            bad.extend([max + 1, i64::MAX]);
        }
        for v in bad {
            let err = invalid_config(set_number(&mut inst, &o, name, v).await);
            assert_eq!(err.field, name, "{v}");
            assert!(err.reason.contains(&v.to_string()), "{}", err.reason);
        }
        set_number(&mut inst, &o, name, min).await.unwrap();
        set_number(&mut inst, &o, name, max.unwrap_or(i64::MAX))
            .await
            .unwrap();
    }
    let err = invalid_config(inst.set_spool(&o, "").await);
    assert_eq!(err.field, "spool");
}

#[tokio::test]
async fn a_refused_value_leaves_the_setting_as_it_was() {
    let rx = Receiver::start().await.unwrap();
    rx.set_default(Reply::Hang);
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_timeout_ms(o, 300).await?;
        assert!(i.set_timeout_ms(o, 0).await.is_err());
        assert!(i.set_endpoint(o, "http://elsewhere:31OO/x").await.is_err());
        assert!(
            i.set_labels(o, &[("bad-name".into(), "v".into())])
                .await
                .is_err()
        );
        Ok(())
    })
    .await;
    let err = component_error(issue(&mut inst, &c, &one_of_each()[0]).await);
    assert_eq!(err, WitError::Timeout(300), "the timeout set before");
    assert_eq!(rx.requests(), 1, "to the endpoint set before");
}

#[tokio::test]
async fn settings_that_only_make_sense_together_are_checked_by_the_client() {
    let mut inst = instance().await;
    let url = "http://127.0.0.1:1/x";
    // A spool bound without a spool.
    let r = try_client(&mut inst, url, async |i, o| {
        i.set_spool_max_bytes(o, 1 << 20).await
    })
    .await;
    assert_eq!(invalid_config(r).field, "spool-max-bytes");
    let r = try_client(&mut inst, url, async |i, o| {
        i.set_spool_max_age_ms(o, 1000).await
    })
    .await;
    assert_eq!(invalid_config(r).field, "spool-max-age-ms");
    // The longest backoff below the first one: each is fine alone.
    let r = try_client(&mut inst, url, async |i, o| {
        i.set_min_backoff_ms(o, 2000).await?;
        i.set_max_backoff_ms(o, 1000).await
    })
    .await;
    let err = invalid_config(r);
    assert_eq!(err.field, "max-backoff-ms");
    assert!(err.reason.contains("min-backoff-ms"), "{}", err.reason);
    // A min of 6000 is above the default max (5000): the min, which the
    // caller wrote, is named; 5000 itself is fine.
    let r = try_client(&mut inst, url, async |i, o| {
        i.set_min_backoff_ms(o, 6000).await
    })
    .await;
    let err = invalid_config(r);
    assert_eq!(err.field, "min-backoff-ms");
    assert!(err.reason.contains("(5000, its default)"), "{}", err.reason);
    let r = try_client(&mut inst, url, async |i, o| {
        i.set_min_backoff_ms(o, 5000).await
    })
    .await;
    assert!(r.is_ok(), "{r:?}");
    // Equal is fine.
    let r = try_client(&mut inst, url, async |i, o| {
        i.set_min_backoff_ms(o, 1000).await?;
        i.set_max_backoff_ms(o, 1000).await
    })
    .await;
    assert!(r.is_ok(), "{r:?}");
    still_works(&mut inst).await;
}

#[tokio::test]
async fn a_client_copies_its_options() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let o = inst.options().await.unwrap();
    inst.set_endpoint(&o, &rx.url()).await.unwrap();
    inst.set_labels(&o, &[("team".into(), "a".into())])
        .await
        .unwrap();
    let first = inst.client(&o).await.unwrap();
    inst.set_labels(&o, &[("team".into(), "b".into())])
        .await
        .unwrap();
    let second = inst.client(&o).await.unwrap();
    inst.drop_options(o).await.unwrap();
    issue(&mut inst, &first, &one_of_each()[0]).await.unwrap();
    issue(&mut inst, &second, &one_of_each()[0]).await.unwrap();
    let teams: Vec<_> = rx
        .streams()
        .iter()
        .map(|s| s.label("team").unwrap().to_string())
        .collect();
    assert_eq!(teams, ["a", "b"], "later changes do not reach a client");
}

#[tokio::test]
async fn max_line_bytes_bounds_an_events_line() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_max_line_bytes(o, 1024).await
    })
    .await;
    issue(&mut inst, &c, &padded(0, 900)).await.unwrap();
    let err = invalid_event(issue(&mut inst, &c, &padded(1, 2000)).await);
    assert!(err.field.starts_with("entries[0]."), "{}", err.field);
    assert!(err.reason.contains("1024"), "{}", err.reason);
    assert_eq!(rx.push_count(), 1);
    // Larger than Loki's default, when the receiver takes it.
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_max_line_bytes(o, 1 << 20).await
    })
    .await;
    issue(&mut inst, &c, &padded(2, 300 * 1024)).await.err();
    assert_eq!(rx.requests(), 2, "a 300 KiB line is sent");
}

/// No input traps: a huge flavor (1.1 GiB once made the guest's line
/// buffer overflow its capacity, and so trap; the host now refuses more
/// than 256 MiB of text before the call) is refused as an event over
/// `max-line-bytes` before its line is written, and the instance goes on.
#[tokio::test]
async fn a_huge_field_is_refused_without_a_trap() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client(&mut inst, &rx.url()).await;
    let huge = Event::RunnerInstalled(runner_metrics_host::RunnerInstalled {
        timestamp: 1.0,
        flavor: "x".repeat(250 << 20),
        duration: 1.0,
    });
    let err = invalid_event(issue(&mut inst, &c, &huge).await);
    assert_eq!(err.field, "entries[0].event");
    assert!(err.reason.contains("262144"), "{}", err.reason);
    drop(huge);
    still_works(&mut inst).await;
    assert_eq!(rx.push_count(), 0);
}

/// The lines of one call are bounded too (512 MiB, the WIT's
/// `client.issue`): 8 events of 16 MiB of control characters are 128 MiB
/// of text, within what a host passes, but each line escapes them to 96 MiB
/// (within a `max-line-bytes` of 100 MiB). Without the bound the line
/// buffer passed 1 GiB, and doubling it panicked ("capacity overflow": a
/// wasm32 `Vec` stops at 2 GiB), a trap. The call is refused, nothing of it
/// is buffered or sent, and the instance goes on.
#[tokio::test]
async fn a_call_whose_lines_outgrow_the_limit_is_refused() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_max_line_bytes(o, 104_857_600).await?;
        i.set_batch_max_events(o, 1_000).await
    })
    .await;
    let entry = runner_metrics_host::Entry::from(Event::RunnerInstalled(RunnerInstalled {
        timestamp: 1.0,
        flavor: "\u{1}".repeat((16 << 20) - 1024),
        duration: 1.0,
    }));
    let err = invalid_event(inst.issue(&c, &vec![entry; 8]).await);
    assert_eq!(err.field, "entries");
    assert_eq!(
        err.reason,
        "their lines come to more than 536870912 bytes, the most one call takes"
    );
    assert_eq!(inst.stats(&c).await.unwrap().buffered_events, 0);
    still_works(&mut inst).await;
    assert_eq!(rx.push_count(), 0);
}
