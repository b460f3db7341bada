//! Only the built-in events, unless `--custom`: a misspelt name must not
//! become a custom event that no dashboard shows (Reliability §15).

use crate::common::cli;
use runner_metrics_testkit::Receiver;

#[tokio::test]
async fn other_names_need_custom() {
    let rx = Receiver::start().await.unwrap();
    let url = rx.url();
    let pairs = [
        "issue",
        "--endpoint",
        &url,
        "runner_instaled",
        "flavor=s",
        "duration=1",
    ];
    let json = r#"{"event":"hook","seq":1}"#;
    let refused = [
        cli(&pairs).run().await,
        cli(&["issue", "--endpoint", &url, "hook", "seq=1"])
            .run()
            .await,
        cli(&["issue", "--endpoint", &url, "--json", json])
            .run()
            .await,
    ];
    for out in &refused {
        out.assert_code(2);
        assert!(out.stderr.contains("not a built-in event"), "{out:?}");
        assert!(out.stderr.contains("--custom"), "{out:?}");
        // The built-in events are listed.
        assert!(
            out.stderr.contains("runner_installed, runner_start"),
            "{out:?}"
        );
    }
    assert_eq!(rx.requests(), 0);

    cli(&["issue", "--custom", "--endpoint", &url, "hook", "seq=1"])
        .run()
        .await
        .assert_ok();
    cli(&["issue", "--custom", "--endpoint", &url, "--json", json])
        .run()
        .await
        .assert_ok();
    // A built-in name stays built in with --custom: its fields are checked.
    let out = cli(&[
        "issue",
        "--custom",
        "--endpoint",
        &url,
        "runner_installed",
        "seq=1",
    ])
    .run()
    .await;
    out.assert_code(2);
    let events: Vec<_> = rx
        .streams()
        .iter()
        .map(|s| s.label("event").unwrap().to_string())
        .collect();
    assert_eq!(events, ["hook", "hook"]);
}
