//! Finds the component this crate embeds, and in the workspace builds it:
//! the one place the guests are built (as wasmtime's test-programs artifacts
//! crate builds its guests), so one `cargo build` or `cargo test` at the
//! root builds and tests everything.
//!
//! - `RUNNER_METRICS_COMPONENT` set: that file is embedded.
//! - In the workspace (`../guest` exists): the guest is built for
//!   `wasm32-wasip2` with the `guest` profile, and so are its test build
//!   with the extra setter (`test-extra-option`) and the component that
//!   imports `promtail` for the `wac` composition (`../caller`), in target
//!   dirs below the workspace's (the outer cargo holds the lock on the main
//!   one; the two builds of the guest differ in features, so each has its
//!   own).
//! - In the packaged crate: `component/runner-metrics.wasm`, which
//!   `scripts/dist` puts into the package, is embedded.
//!
//! The paths reach the crate as `RUNNER_METRICS_COMPONENT` (embedded) and,
//! in the workspace, `RUNNER_METRICS_TEST_EXTRA_OPTION` and
//! `RUNNER_METRICS_CALLER` (for tests and `scripts/dist`).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "guest";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=RUNNER_METRICS_COMPONENT");
    println!("cargo:rustc-check-cfg=cfg(workspace_guests)");

    if let Some(path) = env::var_os("RUNNER_METRICS_COMPONENT") {
        emit("RUNNER_METRICS_COMPONENT", Path::new(&path));
        return;
    }
    let crates = manifest_dir.parent().unwrap();
    let guest = crates.join("guest");
    if is_our_guest(&guest.join("Cargo.toml")) {
        let root = crates.parent().unwrap();
        for watched in [
            guest.join("src"),
            guest.join("Cargo.toml"),
            crates.join("logproto"),
            crates.join("caller"),
            root.join("wit"),
            root.join("Cargo.toml"),
            root.join("Cargo.lock"),
        ] {
            println!("cargo:rerun-if-changed={}", watched.display());
        }
        let target = guest_target_dir();
        let guests = target.join("guest");
        let component = build_guest(root, &guests, Guest::Component, None);
        emit("RUNNER_METRICS_COMPONENT", &component);
        let extra = build_guest(
            root,
            &target.join("guest-test-extra-option"),
            Guest::Component,
            Some("test-extra-option"),
        );
        emit("RUNNER_METRICS_TEST_EXTRA_OPTION", &extra);
        let caller = build_guest(root, &guests, Guest::Caller, None);
        emit("RUNNER_METRICS_CALLER", &caller);
        println!("cargo:rustc-cfg=workspace_guests");
        return;
    }
    let bundled = manifest_dir.join("component/runner-metrics.wasm");
    println!("cargo:rerun-if-changed={}", bundled.display());
    assert!(
        bundled.exists(),
        "no component: {} is missing. Set RUNNER_METRICS_COMPONENT to a built \
         runner-metrics component, or build from the repository.",
        bundled.display()
    );
    emit("RUNNER_METRICS_COMPONENT", &bundled);
}

/// Whether `manifest` is this repository's guest (not some other crate
/// named `guest` beside an unpacked copy of this one).
fn is_our_guest(manifest: &Path) -> bool {
    std::fs::read_to_string(manifest).is_ok_and(|text| {
        text.lines()
            .any(|l| l.trim() == r#"name = "runner-metrics""#)
    })
}

fn emit(name: &str, path: &Path) {
    println!("cargo:rustc-env={name}={}", path.display());
}

/// The guests of the workspace.
#[derive(Clone, Copy)]
enum Guest {
    /// `crates/guest`, the component (a library).
    Component,
    /// `crates/caller`, the command that imports `promtail`.
    Caller,
}

/// Build a guest for the component target; the path of the `.wasm`.
fn build_guest(root: &Path, target_dir: &Path, guest: Guest, feature: Option<&str>) -> PathBuf {
    let (package, kind, file) = match guest {
        Guest::Component => ("runner-metrics", "--lib", "runner_metrics.wasm"),
        Guest::Caller => (
            "runner-metrics-caller",
            "--bins",
            "runner-metrics-caller.wasm",
        ),
    };
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--locked", "--package", package, kind])
        .args(["--target", TARGET, "--profile", PROFILE])
        .arg("--target-dir")
        .arg(target_dir);
    if let Some(feature) = feature {
        cmd.args(["--features", feature]);
    }
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
    assert!(
        status.success(),
        "building the component failed. Is the target installed? \
         Run `rustup target add {TARGET}`."
    );
    let wasm = target_dir.join(TARGET).join(PROFILE).join(file);
    assert!(wasm.exists(), "{} was not produced", wasm.display());
    wasm
}

/// `<target dir>`: found from OUT_DIR (`<target>/<profile>/build/<pkg>/out`),
/// so it follows `CARGO_TARGET_DIR` and shares one cache across runs.
fn guest_target_dir() -> PathBuf {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    out.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|build| build.parent()?.parent())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| out.join("guest-target"))
}
