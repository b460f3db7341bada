//! Where the compiled component is cached. A hook runs in the job's
//! workspace: a relative location, which would put the cache there, is
//! ignored, as is a `$HOME` that does not exist (a system user's
//! `/nonexistent`), which the CLI must not create. With no location the
//! component is compiled, and the event still issued.

use crate::common::{INSTALLED, cli, s};

const VARIABLES: [&str; 3] = ["RUNNER_METRICS_CACHE_DIR", "XDG_CACHE_HOME", "HOME"];

/// A write to a log in `dir`, with only the `env` of the three variables
/// set, run in `cwd`.
fn write_with(
    dir: &std::path::Path,
    cwd: &std::path::Path,
    env: &[(&str, &str)],
) -> crate::common::Cli {
    let log = dir.join("metrics.log");
    let mut run = cli(&["issue", "--file", s(&log)]).args(INSTALLED);
    for name in VARIABLES {
        run = run.env_remove(name);
    }
    for (name, value) in env {
        run = run.env(name, value);
    }
    run.current_dir(cwd)
}

/// What `dir` holds, names sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn relative_cache_locations_are_ignored() {
    let workspace = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let relative = [
        ("RUNNER_METRICS_CACHE_DIR", "rm-cache"),
        ("XDG_CACHE_HOME", "xdg"),
        ("HOME", "home"),
    ];
    for n in 0..relative.len() {
        write_with(logs.path(), workspace.path(), &relative[n..])
            .run()
            .await
            .assert_ok();
    }
    assert_eq!(listing(workspace.path()), Vec::<String>::new());
    // An absolute one after a relative one is used.
    let xdg = workspace.path().join("xdg-abs");
    write_with(
        logs.path(),
        workspace.path(),
        &[
            ("RUNNER_METRICS_CACHE_DIR", "rm-cache"),
            ("XDG_CACHE_HOME", s(&xdg)),
        ],
    )
    .run()
    .await
    .assert_ok();
    assert_eq!(listing(workspace.path()), ["xdg-abs"]);
    assert!(!listing(&xdg.join("runner-metrics")).is_empty());
}

#[tokio::test]
async fn a_missing_home_is_not_created() {
    let cwd = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let missing = cwd.path().join("nonexistent");
    write_with(logs.path(), cwd.path(), &[("HOME", s(&missing))])
        .run()
        .await
        .assert_ok();
    assert!(!missing.exists(), "{} was created", missing.display());
    // A home that exists takes the cache.
    let home = tempfile::tempdir().unwrap();
    write_with(logs.path(), cwd.path(), &[("HOME", s(home.path()))])
        .run()
        .await
        .assert_ok();
    assert!(!listing(&home.path().join(".cache/runner-metrics")).is_empty());
    assert_eq!(
        std::fs::read_to_string(logs.path().join("metrics.log"))
            .unwrap()
            .lines()
            .count(),
        2
    );
}
