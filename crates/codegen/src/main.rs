//! `runner-metrics-codegen [--check]`: writes the host code that mirrors
//! `wit/` (the one source of truth), or with `--check` fails when a written
//! file is not what `wit/` gives, so a WIT change that was not regenerated
//! fails CI. Either way it fails when the crates or the npm package have
//! another version than the WIT package.
//!
//! | file | what |
//! | --- | --- |
//! | `crates/host/src/options.rs` | the Rust host's `Instance::set_*`, one per `options` setter |
//! | `crates/host/src/builtin_events.rs` | the built-in events by JSON name, read by serde |
//! | `crates/host/src/call_limits.rs` | what one call may hold, checked before it |
//! | `crates/host/wit/metrics.wit` | the WIT the host's `bindgen!` reads: `wit/` without test-only items |
//! | `hosts/python/runner_metrics/_generated.py` | Python classes, the type table the conversions walk, the call limits |
//! | `hosts/js/lib/wit.js`, `hosts/js/lib/wit.d.ts` | the JavaScript type table and call limits, and the TypeScript types |

mod js;
mod python;
mod rust;
mod wit;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A file to write: its path under the repository, and its text.
pub struct Output {
    pub path: &'static str,
    pub text: String,
}

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("usage: runner-metrics-codegen [--check]   (unknown argument {other:?})");
            return ExitCode::from(2);
        }
    };
    let root = repo_root();
    let wit = match wit::Wit::load(&root.join("wit")) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("runner-metrics-codegen: reading wit/: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut outputs = rust::generate(&wit);
    outputs.extend(python::generate(&wit));
    outputs.extend(js::generate(&wit));
    let mut stale = Vec::new();
    for out in &outputs {
        let path = root.join(out.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == out.text {
            continue;
        }
        if check {
            stale.push(out.path);
        } else if let Err(e) = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &out.text))
        {
            eprintln!("runner-metrics-codegen: {}: {e}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote {}", out.path);
        }
    }
    let versions = mismatched_versions(&root, &wit.version());
    if !versions.is_empty() {
        eprintln!(
            "runner-metrics-codegen: one version everywhere: wit/ says {}, but {}",
            wit.version(),
            versions.join(", ")
        );
        return ExitCode::FAILURE;
    }
    if !stale.is_empty() {
        eprintln!(
            "runner-metrics-codegen: not what wit/ gives: {}\nRun `cargo run -p runner-metrics-codegen` and commit the result.",
            stale.join(", ")
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Where a version that must be the WIT package's is not: the crates'
/// (`Cargo.toml`, which the CLI reports) and the npm package's. (The Python
/// package's comes from the generated module.)
fn mismatched_versions(root: &Path, version: &str) -> Vec<String> {
    let read = |file: &str| std::fs::read_to_string(root.join(file)).unwrap_or_default();
    let cargo = read("Cargo.toml").lines().find_map(|l| {
        l.strip_prefix("version = \"")?
            .strip_suffix('"')
            .map(str::to_string)
    });
    let npm = serde_json::from_str::<serde_json::Value>(&read("hosts/js/package.json"))
        .ok()
        .and_then(|v| v["version"].as_str().map(str::to_string));
    [("Cargo.toml", cargo), ("hosts/js/package.json", npm)]
        .into_iter()
        .filter(|(_, found)| found.as_deref() != Some(version))
        .map(|(file, found)| format!("{file} says {}", found.unwrap_or_else(|| "nothing".into())))
        .collect()
}

/// The repository: two levels above this crate.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}
