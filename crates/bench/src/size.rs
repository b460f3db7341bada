//! 7. The component's size: the release build the hosts embed (profile
//!    `guest`, opt-level 3), held to the budget in `crates/bench/size-budget.txt`
//!    (what `crates/bench/size-check` checks in CI), and, in a full run, the
//!    same at opt-level s and z.

use crate::report::Report;
use std::path::Path;
use std::process::Command;

/// How much the component may grow over the recorded size.
pub const SLACK: f64 = 1.05;

/// The recorded size in `size-budget.txt`: its first line that is a number.
pub fn recorded(root: &Path) -> Result<usize, String> {
    let path = root.join("crates/bench/size-budget.txt");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| format!("{}: no size in it", path.display()))
}

pub fn run(root: &Path, full: bool, report: &mut Report) -> Result<(), String> {
    let size = runner_metrics_host::COMPONENT.len();
    let budget = recorded(root)?;
    let r = size as f64 / budget as f64;
    report
        .row(
            "7 size",
            "release component (profile guest: opt-level 3, LTO, 1 CGU, strip)",
            kib(size),
        )
        .against(format!("recorded {}", kib(budget)), r)
        .target("≤ 1.05× the recorded size", r <= SLACK);
    if !full {
        return Ok(());
    }
    for level in ["s", "z"] {
        let dir = root.join("target/bench-size").join(level);
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root)
            .args([
                "build",
                "--quiet",
                "--locked",
                "-p",
                "runner-metrics",
                "--lib",
                "--target",
                "wasm32-wasip2",
                "--profile",
                "guest",
            ])
            .arg("--target-dir")
            .arg(&dir)
            .env("CARGO_PROFILE_GUEST_OPT_LEVEL", level)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .status()
            .map_err(|e| format!("cargo: {e}"))?;
        if !status.success() {
            return Err(format!(
                "building the component at opt-level {level} failed"
            ));
        }
        let bytes = std::fs::metadata(dir.join("wasm32-wasip2/guest/runner_metrics.wasm"))
            .map_err(|e| e.to_string())?
            .len() as usize;
        let r = bytes as f64 / size as f64;
        report
            .row(
                "7 size",
                format!("the same at opt-level {level}"),
                kib(bytes),
            )
            .against(format!("opt-level 3 {}", kib(size)), r);
    }
    Ok(())
}

fn kib(bytes: usize) -> String {
    format!("{bytes} B ({:.1} KiB)", bytes as f64 / 1024.0)
}
