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

/// The command lines of the README and of docs/hosts/cli.md, run by `sh`
/// as they stand there (the CLI on `PATH`; `/var/spool` and `/var/log` moved
/// to a temporary directory), each exits 0 and delivers its event: to
/// Promtail's port, or to its `--file`.
#[tokio::test]
async fn the_documented_command_lines_work() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
    let mut lines = Vec::new();
    for page in ["README.md", "docs/hosts/cli.md"] {
        let text = std::fs::read_to_string(format!("{root}{page}")).expect("the page");
        // A trailing `\` continues a command on the next line.
        let joined = text.replace("\\\n", " ");
        lines.extend(
            joined
                .lines()
                .filter(|l| l.starts_with("runner-metrics "))
                .map(|l| (page, l.to_string())),
        );
    }
    assert!(lines.len() >= 5, "{lines:?}");
    let _port = PROMTAIL_PORT.lock().await;
    let rx = match Receiver::start_on(([127, 0, 0, 1], 3100).into()).await {
        Ok(rx) => rx,
        Err(e) => {
            eprintln!(
                "SKIPPED the_documented_command_lines_work: 127.0.0.1:3100, Promtail's \
                 port, cannot be bound ({e})"
            );
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().to_str().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_runner-metrics"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut pushed = 0;
    for (page, line) in &lines {
        let line = line.replace("/var/spool", tmp).replace("/var/log", tmp);
        let mut sh = std::process::Command::new("sh");
        sh.args(["-c", &line])
            .env("PATH", &path)
            .env("RUNNER_METRICS_CACHE_DIR", dir.path().join("cache"));
        // Off the runtime's thread, which serves the receiver meanwhile.
        let out = tokio::task::spawn_blocking(move || sh.output().unwrap())
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{page}: {line}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if line.contains("--file") {
            let log = std::fs::read_to_string(format!("{tmp}/github-runner-metrics.log")).unwrap();
            assert_eq!(log.lines().count(), 1, "{page}: {line}");
        } else {
            pushed += 1;
            assert_eq!(rx.push_count(), pushed, "{page}: {line}");
        }
    }
}
