//! Without `--endpoint`, events go to Promtail's push API on this machine.
//! The only test that needs a fixed port: it skips, saying why, when
//! 127.0.0.1:3100 is taken (Reliability §19).

use crate::common::issue;
use runner_metrics_testkit::Receiver;
use tokio::sync::Mutex;

/// Promtail's port is one: the tests that take it take turns.
static PROMTAIL_PORT: Mutex<()> = Mutex::const_new(());

#[tokio::test]
async fn without_endpoint_events_go_to_promtail_on_this_machine() {
    let _port = PROMTAIL_PORT.lock().await;
    let rx = match Receiver::start_on(([127, 0, 0, 1], 3100).into()).await {
        Ok(rx) => rx,
        Err(e) => {
            eprintln!(
                "SKIPPED without_endpoint_events_go_to_promtail_on_this_machine: \
                 127.0.0.1:3100, Promtail's port, cannot be bound ({e})"
            );
            return;
        }
    };
    issue(&[]).run().await.assert_ok();
    assert_eq!(rx.push_count(), 1);
}

/// The README's hook line, as it stands there, goes to Promtail's port, and
/// its event arrives (its spool directory moved to a temporary one).
#[tokio::test]
async fn the_readme_hook_line_issues_its_event() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("the README");
    let line = readme
        .lines()
        .find(|l| l.starts_with("runner-metrics issue "))
        .expect("the README has a hook line");
    let _port = PROMTAIL_PORT.lock().await;
    let rx = match Receiver::start_on(([127, 0, 0, 1], 3100).into()).await {
        Ok(rx) => rx,
        Err(e) => {
            eprintln!(
                "SKIPPED the_readme_hook_line_issues_its_event: 127.0.0.1:3100, Promtail's \
                 port, cannot be bound ({e})"
            );
            return;
        }
    };
    let spool = tempfile::tempdir().unwrap();
    let line = line.replace("/var/spool/runner-metrics", spool.path().to_str().unwrap());
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    crate::common::cli(&args).run().await.assert_ok();
    let lines = crate::common::lines(&rx);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(r#""event":"runner_start""#),
        "{}",
        lines[0]
    );
}
