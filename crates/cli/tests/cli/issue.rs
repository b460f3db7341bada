//! `issue` from flags and from JSON, the file sink, the spool, exit codes,
//! `--version` and the component cache.

use crate::common::{Cli, INSTALLED, cli, closed_url, issue, lines, s};
use runner_metrics_testkit::{Receiver, Reply};

#[tokio::test]
async fn issue_from_flags_reaches_the_receiver() {
    let rx = Receiver::start().await.unwrap();
    cli(&[
        "issue",
        "runner_stop",
        "--endpoint",
        &rx.url(),
        "--label",
        "juju_unit=gh/0",
        "timestamp=1700000000",
        "flavor=small",
        "workflow=CI",
        "repo=octo/hello",
        "github_event=push",
        "status=normal",
        "status_info.code=403",
        "job_duration=61",
    ])
    .run()
    .await
    .assert_ok();
    let s = &rx.streams()[0];
    assert_eq!(s.label("juju_unit"), Some("gh/0"));
    assert_eq!(s.label("event"), Some("runner_stop"));
    assert_eq!(
        s.entries[0].line,
        r#"{"timestamp":1700000000.0,"event":"runner_stop","flavor":"small","workflow":"CI","repo":"octo/hello","github_event":"push","status":"normal","status_info":{"code":403},"job_duration":61.0}"#
    );
}

#[tokio::test]
async fn issue_from_json_defaults_the_timestamp_to_now() {
    let rx = Receiver::start().await.unwrap();
    let json = r#"{"event":"runner_installed","flavor":"large","duration":12}"#;
    cli(&["issue", "--endpoint", &rx.url(), "--json", json])
        .run()
        .await
        .assert_ok();
    // `-` reads the object from stdin.
    cli(&["issue", "--endpoint", &rx.url(), "--json", "-"])
        .stdin(json.as_bytes())
        .run()
        .await
        .assert_ok();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let lines = lines(&rx);
    assert_eq!(lines.len(), 2);
    for line in lines {
        let line: serde_json::Value = serde_json::from_str(&line).unwrap();
        let ts = line["timestamp"].as_f64().unwrap();
        assert!((now - ts).abs() < 60.0, "{ts} is about now");
        assert_eq!(line["duration"], 12.0);
    }
}

#[tokio::test]
async fn custom_fields_keep_their_order() {
    let rx = Receiver::start().await.unwrap();
    let url = rx.url();
    let json = r#"{"z":1,"event":"hook","a":"x","timestamp":5,"m":true}"#;
    cli(&["issue", "--custom", "--endpoint", &url, "--json", json])
        .run()
        .await
        .assert_ok();
    let pairs = ["hook", "z=1", "timestamp=5", "a=x", "m=true"];
    let mut args = vec!["issue", "--custom", "--endpoint", &url];
    args.extend(pairs);
    cli(&args).run().await.assert_ok();
    let expected = r#"{"timestamp":5.0,"event":"hook","z":1,"a":"x","m":true}"#;
    assert_eq!(lines(&rx), [expected, expected]);
}

#[tokio::test]
async fn failures_map_to_exit_codes() {
    let rx = Receiver::start().await.unwrap();
    let url = rx.url();
    let one = ["--endpoint", &url, "--max-attempts", "1"];

    let invalid = cli(&["issue", "runner_installed", "--endpoint", &url, "flavor=s"])
        .args(["duration=-1"])
        .run()
        .await;
    invalid.assert_code(2);
    assert!(
        invalid.stderr.contains("duration: must be finite"),
        "{invalid:?}"
    );

    let missing = cli(&["issue", "runner_installed", "--endpoint", &url, "flavor=s"])
        .run()
        .await;
    missing.assert_code(2);
    assert!(
        missing.stderr.contains("duration: is missing"),
        "{missing:?}"
    );

    let bad_config = issue(&["--endpoint", "ftp://x"]).run().await;
    bad_config.assert_code(2);
    assert!(
        bad_config.stderr.contains("invalid config: endpoint"),
        "{bad_config:?}"
    );

    let usage = cli(&["issue", "--no-such-flag"]).run().await;
    usage.assert_code(2);

    let mut refused_args = vec!["--endpoint".to_string(), closed_url()];
    refused_args.extend(["--max-attempts".into(), "1".into()]);
    let refused = issue(&refused_args.iter().map(String::as_str).collect::<Vec<_>>())
        .run()
        .await;
    refused.assert_code(3);
    assert!(refused.stderr.contains("connection-refused"), "{refused:?}");

    rx.script([Reply::status(400, "bad labels")]);
    let rejected = issue(&one).run().await;
    rejected.assert_code(5);
    assert!(
        rejected.stderr.contains("answered 400: bad labels"),
        "{rejected:?}"
    );

    rx.script([Reply::Hang]);
    let timeout = issue(&[&one[..], &["--timeout-ms", "300"]].concat())
        .run()
        .await;
    timeout.assert_code(4);
    assert!(
        timeout.stderr.contains("no answer within 300 ms"),
        "{timeout:?}"
    );

    let denied = issue(&[&one[..], &["--allow", "example.com"]].concat())
        .run()
        .await;
    denied.assert_code(3);
    assert!(denied.stderr.contains("HTTP-request-denied"), "{denied:?}");

    let file_and_push = issue(&["--file", "m.log", "--endpoint", &url]).run().await;
    file_and_push.assert_code(2);
    assert!(
        file_and_push.stderr.contains("cannot be used with"),
        "{file_and_push:?}"
    );

    let no_component = issue(&["--endpoint", &url])
        .args(["--component", "/nonexistent/runner-metrics.wasm"])
        .run()
        .await;
    no_component.assert_code(1);
    assert!(
        no_component
            .stderr
            .contains("/nonexistent/runner-metrics.wasm")
    );

    assert_eq!(rx.push_count(), 0);
}

/// A hook's stderr may be a full disk or a closed pipe: the exit code still
/// tells the outcome (printing must not panic, which exits 101).
#[tokio::test]
async fn exit_codes_hold_when_stderr_cannot_be_written() {
    let full = std::path::Path::new("/dev/full");
    let invalid = issue(&["--endpoint", "ftp://x"])
        .stderr_to(full)
        .run()
        .await;
    invalid.assert_code(2);
    let refused = issue(&["--endpoint", &closed_url(), "--max-attempts", "1"])
        .stderr_to(full)
        .run()
        .await;
    refused.assert_code(3);
    // Help or the version that could not be written is a failure.
    cli(&["--version"])
        .stdout_to(full)
        .run()
        .await
        .assert_code(1);
    cli(&["issue", "--help"])
        .stdout_to(full)
        .run()
        .await
        .assert_code(1);
    // A closed stdout too, which Rust's runtime reopens on /dev/null
    // before `main`: the help would be lost with exit 0.
    let closed_stdout = ["sh", "-c", "exec \"$@\" >&-", "sh"];
    for args in [&["--version"][..], &["--help"], &["issue", "--help"]] {
        let out = cli(args).wrapped(&closed_stdout).run().await;
        out.assert_code(1);
        assert!(
            out.stderr
                .contains("writing the output: Bad file descriptor"),
            "{args:?}: {out:?}"
        );
    }
    cli(&["--no-such-flag"])
        .stderr_to(full)
        .run()
        .await
        .assert_code(2);
    // A warning (a spool entry that is not a spool file) on a success.
    let spool = tempfile::tempdir().unwrap();
    std::fs::create_dir(spool.path().join("not-a-batch")).unwrap();
    let rx = Receiver::start().await.unwrap();
    let warned = issue(&["--endpoint", &rx.url(), "--spool", s(spool.path())])
        .stderr_to(full)
        .run()
        .await;
    warned.assert_ok();
    assert_eq!(rx.push_count(), 1);
    // The outcome's own code, not 1 (docs/hosts/cli.md).
    rx.script([Reply::status(503, "down")]);
    issue(&["--endpoint", &rx.url(), "--max-attempts", "1"])
        .stderr_to(full)
        .run()
        .await
        .assert_code(5);
}

/// A file that is not a component is named, with why, on one line:
/// wasmtime's parser states the bytes it expected as a debug list, one
/// byte a line.
#[tokio::test]
async fn a_component_that_is_not_one_is_named_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, "garbage, not WebAssembly").unwrap();
    let out = issue(&["--endpoint", &closed_url()])
        .args(["--component", s(&garbage)])
        .run()
        .await;
    out.assert_code(1);
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    assert!(
        out.stderr.starts_with(&format!(
            "runner-metrics: loading --component {}: ",
            garbage.display()
        )),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("expected=[0x0, 0x61, 0x73, 0x6d]"),
        "{out:?}"
    );
}

#[tokio::test]
async fn file_sink_appends_lines() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("metrics.log");
    for _ in 0..2 {
        cli(&["issue", "--file", s(&log)])
            .args(INSTALLED)
            .run()
            .await
            .assert_ok();
    }
    let line =
        r#"{"timestamp":1700000000.0,"event":"runner_installed","flavor":"small","duration":5.0}"#;
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("{line}\n{line}\n")
    );
}

/// A closed port, and a hook that issues a `hook` event numbered `seq` to
/// it (one attempt), spooling in `spool`.
fn spooling_to_a_closed_port(spool: &std::path::Path) -> (u16, impl Fn(&str) -> Cli + '_) {
    let url = closed_url();
    let port: u16 = url.split([':', '/']).nth(4).unwrap().parse().unwrap();
    let issue = move |seq: &str| {
        cli(&["issue", "--endpoint", &url, "--spool", s(spool)])
            .args(["--max-attempts", "1", "--custom", "hook"])
            .args([format!("seq={seq}").as_str()])
    };
    (port, issue)
}

#[tokio::test]
async fn spooled_while_down_then_replayed_first() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let (port, issue) = spooling_to_a_closed_port(&spool);
    let down = issue("1").run().await;
    down.assert_code(6);
    assert!(down.stderr.contains("1 events spooled after"), "{down:?}");
    let rx = Receiver::start_on(([127, 0, 0, 1], port).into())
        .await
        .unwrap();
    issue("2").run().await.assert_ok();
    let lines = lines(&rx);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].ends_with("\"seq\":1}") && lines[1].ends_with("\"seq\":2}"),
        "{lines:?}"
    );
}

/// What a call gives up on besides its own event (spooled batches that
/// expired, or were refused on replay) is said on stderr: exit 0 says the
/// event was sent, and must not hide a loss.
#[tokio::test]
async fn losses_of_spooled_events_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let (port, issue) = spooling_to_a_closed_port(&spool);
    issue("1").run().await.assert_code(6);
    issue("2").run().await.assert_code(6);
    std::thread::sleep(std::time::Duration::from_millis(10));
    let rx = Receiver::start_on(([127, 0, 0, 1], port).into())
        .await
        .unwrap();
    // Both spooled batches are past a 1 ms age: dropped, and said so.
    let out = issue("3").args(["--spool-max-age-ms", "1"]).run().await;
    out.assert_ok();
    assert!(
        out.stderr
            .contains("warning: 2 spooled events were older than --spool-max-age-ms"),
        "{out:?}"
    );
    assert_eq!(lines(&rx).len(), 1);
    // One refused for good on replay: said so, with the receiver's answer.
    rx.stop().await;
    issue("4").run().await.assert_code(6);
    let rx = Receiver::start_on(([127, 0, 0, 1], port).into())
        .await
        .unwrap();
    rx.script([Reply::status(400, "entry out of order")]);
    let out = issue("5").run().await;
    out.assert_ok();
    assert!(
        out.stderr
            .contains("1 spooled events were refused by the receiver on replay")
            && out.stderr.contains("entry out of order"),
        "{out:?}"
    );
    // The call's own event refused is the call's error, not a loss of the
    // spool's: no warning about a replay.
    rx.script([Reply::status(400, "bad labels")]);
    let out = issue("6").run().await;
    out.assert_code(5);
    assert!(out.stderr.contains("bad labels"), "{out:?}");
    assert!(!out.stderr.contains("on replay"), "{out:?}");
}

/// A spool file set aside as corrupt is reported, also when the call then
/// fails: `stats.last-error` then holds the call's own error, which is not
/// what was set aside (nor a loss), and was shown as the warning; the count
/// and the spool directory are said instead.
#[tokio::test]
async fn a_file_set_aside_is_reported_when_the_call_fails_too() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let (_port, issue) = spooling_to_a_closed_port(&spool);
    issue("1").run().await.assert_code(6);
    // Garbage under the name of the oldest batch, replayed first.
    let name = "0000000000000001-59be23c7-4e87a4ba89a126e0-00000000";
    std::fs::write(spool.join(format!("{name}.batch")), [0xa5; 300]).unwrap();
    let out = issue("2").run().await;
    out.assert_code(6);
    let bad = spool.join(format!("{name}.bad"));
    assert!(bad.exists(), "{out:?}");
    // The notice naming it was followed by the call's own error, which is
    // the call's message, not a warning: the count and the directory say it.
    assert!(
        out.stderr.contains(
            "warning: 1 spool files were corrupt or unreadable and were set aside as *.bad\n"
        ),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains(&format!("warning: they are in {}\n", spool.display())),
        "{out:?}"
    );
    assert!(
        !out.stderr.contains("warning: 1 events spooled after"),
        "{out:?}"
    );
}

#[tokio::test]
async fn version_is_the_binarys() {
    let out = cli(&["--version"]).run().await;
    out.assert_ok();
    assert_eq!(
        out.stdout.trim(),
        format!("runner-metrics {}", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn the_compiled_component_is_cached() {
    // The shared cache was filled by the first run of the suite: a run
    // that compiled again would write a new artefact and rename it over.
    let cache = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-cache");
    let inode = || {
        use std::os::unix::fs::MetadataExt;
        let artefacts: Vec<_> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
            .collect();
        assert!(!artefacts.is_empty(), "an artefact in {}", cache.display());
        artefacts
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().ino())
            .collect::<Vec<_>>()
    };
    cli(&["--version"]).run().await.assert_ok(); // fills the cache
    let before = inode();
    let rx = Receiver::start().await.unwrap();
    let issue = |extra: &[&str]| {
        cli(extra)
            .args(["issue", "--endpoint", &rx.url()])
            .args(INSTALLED)
    };
    issue(&[]).run().await.assert_ok();
    assert_eq!(inode(), before, "the run loaded the artefact");

    // --no-cache neither reads nor writes it.
    let empty = tempfile::tempdir().unwrap();
    issue(&["--no-cache"])
        .cache(empty.path())
        .run()
        .await
        .assert_ok();
    assert_eq!(lines(&rx).len(), 2);
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}
