//! Builds the component (the workspace root crate) for `wasm32-wasip2`, so
//! that one `cargo test` at the root builds and tests everything. The path of
//! the built `.wasm` reaches the crate as `METRICS_COMPONENT`.
//!
//! The nested cargo uses its own target dir below the workspace's, because
//! the outer cargo holds the lock on the main one.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "guest";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    for watched in ["src", "wit", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=METRICS_COMPONENT_OVERRIDE");

    // A prebuilt component (CI artefact, or a size experiment) can stand in.
    if let Some(path) = env::var_os("METRICS_COMPONENT_OVERRIDE") {
        println!(
            "cargo:rustc-env=METRICS_COMPONENT={}",
            Path::new(&path).display()
        );
        return;
    }

    let target_dir = guest_target_dir();
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root)
        .args(["build", "--package", "runner-metrics", "--lib"])
        .args(["--target", TARGET, "--profile", PROFILE])
        .arg("--target-dir")
        .arg(&target_dir);
    // The outer build's flags and wrappers (clippy's, coverage's) are for
    // the host; the guest gets a plain build.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_PROFILE_RELEASE_DEBUG",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo to build the component: {e}"));
    if !status.success() {
        panic!(
            "building the component failed. Is the target installed? \
             Run `rustup target add {TARGET}`."
        );
    }
    let wasm = target_dir
        .join(TARGET)
        .join(PROFILE)
        .join("runner_metrics.wasm");
    assert!(wasm.exists(), "{} was not produced", wasm.display());
    println!("cargo:rustc-env=METRICS_COMPONENT={}", wasm.display());
}

/// `<target dir>/guest`: found from OUT_DIR (`<target>/<profile>/build/<pkg>/out`),
/// so it follows `CARGO_TARGET_DIR` and shares one cache across runs.
fn guest_target_dir() -> PathBuf {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let target = out
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|build| build.parent()?.parent())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| out.join("guest-target"));
    target.join("guest")
}
