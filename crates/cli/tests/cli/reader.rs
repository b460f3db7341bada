//! The event as the command line gives it, read with the component's
//! naming (`entries[0].<field>` when pushed, `events[0].<field>` with
//! `--file`): a key given twice is refused in `--json` as in `KEY=VALUE`, a
//! custom integer past 64 bits is refused rather than rounded to a float
//! (a built-in one states the range, as every host does), and a missing
//! field of a nested record is named inside it.

use crate::common::{cli, s};

fn log() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = s(&dir.path().join("m.log")).to_string();
    (dir, path)
}

#[tokio::test]
async fn the_reader_refuses_what_it_would_otherwise_change() {
    let (_dir, log) = log();
    let json = r#"{"event":"runner_installed","flavor":"small","duration":62.5,"flavor":"big"}"#;
    for (args, said) in [
        (
            vec!["--json", json],
            "invalid event: events[0].flavor: is given twice",
        ),
        (
            vec!["runner_installed", "flavor=a", "flavor=b", "duration=1"],
            "invalid event: events[0].flavor: is given twice",
        ),
        (
            vec!["--custom", "image_built", "big=99999999999999999999"],
            "invalid event: events[0].big: does not fit a 64-bit integer",
        ),
        (
            vec!["--custom", "image_built", "x=-9223372036854775809"],
            "invalid event: events[0].x: does not fit a 64-bit integer",
        ),
        (
            vec![
                "reconciliation",
                "flavor=s",
                "duration=1",
                "crashed_runners=0",
            ],
            "invalid event: events[0].idle_runners: is missing",
        ),
        (
            vec![
                "reconciliation",
                "flavor=s",
                "duration=1",
                "crashed_runners=99999999999999999999",
            ],
            "invalid event: events[0].crashed_runners: must be an integer from \
             -9223372036854775808 to 9223372036854775807, got 99999999999999999999",
        ),
    ] {
        let out = cli(&["issue", "--file", &log]).args(args).run().await;
        out.assert_code(2);
        assert!(out.stderr.contains(said), "{said:?} in {out:?}");
    }
    assert!(!std::path::Path::new(&log).exists(), "nothing was written");

    // A nested record's missing field is named in it, pushed or not.
    let out = cli(&["issue", "--endpoint", "http://127.0.0.1:9/x"])
        .args(["runner_stop", "flavor=s", "workflow=w", "repo=r"])
        .args(["github_event=p", "job_duration=1", "status=ok"])
        .args(["status_info.message=m"])
        .run()
        .await;
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("invalid event: entries[0].status_info.code: is missing"),
        "{out:?}"
    );

    // `-0` is the integer 0, as written; an integer that fits stays one.
    let out = cli(&["issue", "--file", &log, "--custom", "image_built"])
        .args(["x=-0", "timestamp=1"])
        .run()
        .await;
    out.assert_ok();
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "{\"timestamp\":1.0,\"event\":\"image_built\",\"x\":0}\n"
    );
}

/// An integer past 64 bits reads the same from `--json` as from
/// `KEY=VALUE`: serde_json makes a float of it, which a custom field would
/// take (its last digits lost) and a built-in integer field would refuse
/// in serde's words rather than with its range.
#[tokio::test]
async fn integers_past_64_bits_read_alike_from_json_and_pairs() {
    let (_dir, log) = log();
    let range = |got: &str| {
        format!("must be an integer from -9223372036854775808 to 9223372036854775807, got {got}")
    };
    let reconciliation = |crashed: &str| {
        format!(
            r#"{{"event":"reconciliation","flavor":"s","duration":1,"crashed_runners":{crashed},
                "idle_runners":1,"active_runners":1,"expected_runners":1}}"#
        )
    };
    let stop = r#"{"event":"runner_stop","flavor":"s","workflow":"w","repo":"r",
        "github_event":"p","job_duration":1,"status":"ok",
        "status_info":{"code":-9223372036854775809}}"#;
    let pairs = |field: &str| {
        vec![
            "reconciliation".to_string(),
            "flavor=s".into(),
            "duration=1".into(),
            "idle_runners=1".into(),
            "active_runners=1".into(),
            "expected_runners=1".into(),
            field.to_string(),
        ]
    };
    let json = |text: &str| vec!["--json".to_string(), text.to_string()];
    for (args, said) in [
        (
            json(r#"{"event":"probe","x":18446744073709551616}"#),
            "events[0].x: does not fit a 64-bit integer".to_string(),
        ),
        (
            json(r#"{"event":"probe","n":1,"x":-9223372036854775809}"#),
            "events[0].x: does not fit a 64-bit integer".to_string(),
        ),
        (
            json(&reconciliation("18446744073709551616")),
            format!(
                "events[0].crashed_runners: {}",
                range("18446744073709551616")
            ),
        ),
        (
            json(&reconciliation("9223372036854775808")),
            format!(
                "events[0].crashed_runners: {}",
                range("9223372036854775808")
            ),
        ),
        (
            json(stop),
            format!(
                "events[0].status_info.code: {}",
                range("-9223372036854775809")
            ),
        ),
        (
            pairs("crashed_runners=9223372036854775808"),
            format!(
                "events[0].crashed_runners: {}",
                range("9223372036854775808")
            ),
        ),
        (
            pairs("crashed_runners=18446744073709551615"),
            format!(
                "events[0].crashed_runners: {}",
                range("18446744073709551615")
            ),
        ),
    ] {
        let out = cli(&["issue", "--custom", "--file", &log])
            .args(args.iter().map(String::as_str))
            .run()
            .await;
        out.assert_code(2);
        let said = format!("invalid event: {said}\n");
        assert!(out.stderr.ends_with(&said), "{said:?} in {out:?}");
    }
    assert!(!std::path::Path::new(&log).exists(), "nothing was written");

    // A float of any size is a number, and an integer that fits is one.
    let json = r#"{"event":"probe","timestamp":1,"x":1e30,"y":9223372036854775807,
        "z":-9223372036854775808}"#;
    let out = cli(&["issue", "--custom", "--file", &log, "--json", json])
        .run()
        .await;
    out.assert_ok();
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "{\"timestamp\":1.0,\"event\":\"probe\",\"x\":1e+30,\"y\":9223372036854775807,\
         \"z\":-9223372036854775808}\n"
    );
}
