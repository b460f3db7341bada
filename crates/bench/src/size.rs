//! 5. The component's size: the release build the tests use (profile
//!    `guest`, opt-level 3), and, in a full run, the same with opt-level s and z.

use crate::report::Report;
use std::path::Path;
use std::process::Command;

const TARGET_BYTES: usize = 192 * 1024;

pub fn run(root: &Path, full: bool, report: &mut Report) -> Result<(), String> {
    let size = metrics_host::COMPONENT_BYTES.len();
    report
        .row(
            "5 size",
            "release component (profile guest: opt-level 3, LTO, 1 CGU, strip)",
            kib(size),
        )
        .target("≤ 192 KiB", size <= TARGET_BYTES);
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
                "5 size",
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
