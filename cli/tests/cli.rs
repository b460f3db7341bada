//! The CLI binary, run as a hook script would run it.

use metrics_host::receiver::{Receiver, Reply};
use std::process::{Command, Output};

async fn run(args: Vec<String>) -> Output {
    run_cached(args, cache_dir()).await
}

async fn run_cached(args: Vec<String>, cache: std::path::PathBuf) -> Output {
    run_with(args, cache, Vec::new()).await
}

async fn run_with(
    args: Vec<String>,
    cache: std::path::PathBuf,
    env: Vec<(&'static str, &'static str)>,
) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_runner-metrics"))
            .env("RUNNER_METRICS_CACHE_DIR", cache)
            .envs(env)
            .args(args)
            .output()
            .expect("run the CLI")
    })
    .await
    .unwrap()
}

/// Shared by every run, so only the first one compiles the component.
fn cache_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-cache")
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn issue_from_flags_reaches_the_receiver() {
    let rx = Receiver::start().await.unwrap();
    let out = run(args(&[
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
        "status_info=403",
        "job_duration=61",
    ]))
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = &rx.streams()[0];
    assert_eq!(s.label("juju_unit"), Some("gh/0"));
    assert_eq!(
        s.entries[0].line,
        r#"{"timestamp":1700000000.0,"event":"runner_stop","flavor":"small","workflow":"CI","repo":"octo/hello","github_event":"push","status":"normal","status_info":{"code":403},"job_duration":61.0}"#
    );
}

#[tokio::test]
async fn issue_from_json_defaults_the_timestamp_to_now() {
    let rx = Receiver::start().await.unwrap();
    let json = r#"{"event":"runner_installed","flavor":"large","duration":12}"#;
    let out = run(args(&["issue", "--endpoint", &rx.url(), "--json", json])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_str(&rx.streams()[0].entries[0].line).unwrap();
    let ts = line["timestamp"].as_f64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - ts).abs() < 60.0, "{ts} is about now");
    assert_eq!(line["duration"], 12.0);
}

#[tokio::test]
async fn failures_map_to_exit_codes() {
    let rx = Receiver::start().await.unwrap();
    let url = rx.url();
    let ok = ["flavor=s", "duration=1", "--max-attempts", "1"];
    let invalid = run(args(&[
        "issue",
        "runner_installed",
        "--endpoint",
        &url,
        "flavor=s",
        "duration=-1",
    ]))
    .await;
    assert_eq!(invalid.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&invalid.stderr).contains("invalid event: duration"));

    let bad_config = run(args(&[
        "issue",
        "runner_installed",
        "--endpoint",
        "ftp://x",
        ok[0],
        ok[1],
        ok[2],
        ok[3],
    ]))
    .await;
    assert_eq!(bad_config.status.code(), Some(2));

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let refused_url = format!("http://{closed}/loki/api/v1/push");
    let refused = run(args(&[
        "issue",
        "runner_installed",
        "--endpoint",
        &refused_url,
        ok[0],
        ok[1],
        ok[2],
        ok[3],
    ]))
    .await;
    assert_eq!(refused.status.code(), Some(3));

    rx.script([Reply::status(400, "bad labels")]);
    let rejected = run(args(&[
        "issue",
        "runner_installed",
        "--endpoint",
        &url,
        ok[0],
        ok[1],
        ok[2],
        ok[3],
    ]))
    .await;
    assert_eq!(rejected.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&rejected.stderr).contains("400: bad labels"));

    rx.script([Reply::Hang]);
    let timeout = run(args(&[
        "issue",
        "runner_installed",
        "--endpoint",
        &url,
        "--timeout-ms",
        "300",
        ok[0],
        ok[1],
        ok[2],
        ok[3],
    ]))
    .await;
    assert_eq!(timeout.status.code(), Some(4));

    let denied = run(args(&[
        "issue",
        "runner_installed",
        "--endpoint",
        &url,
        "--allow",
        "example.com",
        ok[0],
        ok[1],
        ok[2],
        ok[3],
    ]))
    .await;
    assert_eq!(denied.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&denied.stderr).contains("http-request-denied"));
    assert_eq!(rx.pushes().len(), 0);
}

#[tokio::test]
async fn demo_prints_one_stream_per_event_kind() {
    let out = run(args(&["demo"])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for name in [
        "runner_installed",
        "runner_start",
        "runner_stop",
        "reconciliation",
        "image_built",
    ] {
        assert!(
            text.contains(&format!("event=\"{name}\"}}")),
            "{name} in:\n{text}"
        );
    }
    assert!(text.contains("The receiver got 5 pushes"));
}

#[tokio::test]
async fn file_sink_and_spool_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("logs/metrics.log");
    let out = run(args(&[
        "issue",
        "--file",
        log.to_str().unwrap(),
        "runner_installed",
        "timestamp=1700000000.25",
        "flavor=small",
        "duration=0",
    ]))
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "{\"timestamp\":1700000000.25,\"event\":\"runner_installed\",\"flavor\":\"small\",\"duration\":0.0}\n"
    );

    // Down: the event is spooled (exit 6). Up: the next call replays it first.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/loki/api/v1/push");
    let spool = dir.path().join("spool");
    let issue = |seq: &str| {
        args(&[
            "issue",
            "--endpoint",
            &url,
            "--spool",
            spool.to_str().unwrap(),
            "--max-attempts",
            "1",
            "hook",
            &format!("seq={seq}"),
        ])
    };
    let down = run(issue("1")).await;
    assert_eq!(
        down.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    let rx = Receiver::start_on(([127, 0, 0, 1], port).into())
        .await
        .unwrap();
    let up = run(issue("2")).await;
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let lines: Vec<String> = rx
        .streams()
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| e.line.clone()))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].ends_with("\"seq\":1}") && lines[1].ends_with("\"seq\":2}"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn the_compiled_component_is_cached() {
    let cache = tempfile::tempdir().unwrap();
    let artefacts = || -> Vec<String> {
        std::fs::read_dir(cache.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".cwasm"))
            .collect()
    };
    // The artefact's inode: a run that compiled again would write a new
    // file and rename it over the old one.
    let inode = || {
        use std::os::unix::fs::MetadataExt;
        let name = artefacts().pop().expect("one artefact");
        std::fs::metadata(cache.path().join(name)).unwrap().ino()
    };
    let mut seen = Vec::new();
    for round in 0..2 {
        let out = run_cached(args(&["demo"]), cache.path().to_path_buf()).await;
        assert!(out.status.success(), "round {round}");
        assert_eq!(artefacts().len(), 1, "compiled once, then loaded");
        seen.push(inode());
    }
    assert_eq!(
        seen[0], seen[1],
        "the second run loaded the first run's artefact"
    );
    // A cache directory other users can write is not trusted: compiled again.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(cache.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let out = run_cached(args(&["demo"]), cache.path().to_path_buf()).await;
    assert!(out.status.success());
    assert_ne!(inode(), seen[1], "a world-writable cache was not loaded");
    let uncached = run_cached(args(&["--no-cache", "demo"]), cache.path().to_path_buf()).await;
    assert!(uncached.status.success());
}

#[tokio::test]
async fn credentials_come_from_the_environment_and_stay_out_of_its_output() {
    const TOKEN: &str = "cli-Secret-tok-6";
    const PASSWORD: &str = "cli-Secret-pw-5";
    // base64("hook:cli-Secret-pw-5"), computed outside this project.
    const BASIC: &str = "aG9vazpjbGktU2VjcmV0LXB3LTU=";
    let rx = Receiver::start().await.unwrap();
    let issue = || {
        args(&[
            "issue",
            "runner_installed",
            "--endpoint",
            &rx.url(),
            "timestamp=1700000000",
            "flavor=small",
            "duration=5",
        ])
    };
    let bearer = vec![("RUNNER_METRICS_BEARER_TOKEN", TOKEN)];
    let basic = vec![
        ("RUNNER_METRICS_BASIC_USER", "hook"),
        ("RUNNER_METRICS_BASIC_PASSWORD", PASSWORD),
    ];
    // Accepted: the credentials were sent.
    for (env, expected) in [
        (bearer.clone(), format!("Bearer {TOKEN}")),
        (basic.clone(), format!("Basic {BASIC}")),
    ] {
        let out = run_with(issue(), cache_dir(), env).await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pushes = rx.pushes();
        assert_eq!(pushes.last().unwrap().headers["authorization"], expected);
    }
    // Rejected: the message names the answer, never the secret.
    rx.script([
        Reply::status(401, "bad credentials"),
        Reply::status(403, "forbidden"),
    ]);
    for (env, status) in [(bearer, 401), (basic, 403)] {
        let out = run_with(issue(), cache_dir(), env).await;
        assert_eq!(out.status.code(), Some(5));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains(&format!("answered {status}")), "{text}");
        for secret in [TOKEN, PASSWORD, BASIC] {
            assert!(!text.contains(secret), "a secret leaked into: {text}");
        }
    }
}
