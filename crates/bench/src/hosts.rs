//! 8 and 9. The Python and JavaScript hosts, one event per call, against
//!    what each language does without the component, in the same process and
//!    the same rounds, to the out-of-process receiver:
//!
//! - 8: `crates/bench/python_hosts.py`, the Python original's
//!   `requests.post` against `runner_metrics.Client.issue_event`
//!   (hosts/python, wasmtime-py), in a venv of `crates/bench/requirements.txt`
//!   (made at `crates/bench/.venv` on first use);
//! - 9: `crates/bench/js_hosts.mjs`, Node's `fetch` against the JavaScript
//!   host's `Client.issueEvent` (hosts/js, jco + preview2-shim); needs
//!   `hosts/js/run-tests.sh --prepare` to have run.
//!
//! Either is skipped, with a note, when its language is not available.

use crate::report::Report;
use crate::timing::{Rounds, secs};
use std::path::Path;
use std::process::Command;

fn run(cmd: &mut Command) -> Result<std::process::Output, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ))
    }
}

/// Per case: the medians and p99s of its rounds.
fn parse(stdout: &[u8], case: &str) -> Result<(Rounds, Rounds), String> {
    let v: serde_json::Value = serde_json::from_slice(stdout).map_err(|e| e.to_string())?;
    let rounds = |key: &str| -> Result<Rounds, String> {
        let mut r = Rounds::default();
        for x in v[case][key].as_array().ok_or(format!("no {case}.{key}"))? {
            r.push(x.as_f64().ok_or("not a number")? / 1e9);
        }
        Ok(r)
    };
    Ok((rounds("median_ns")?, rounds("p99_ns")?))
}

pub fn python(root: &Path, url: &str, calls: usize, rounds: usize, report: &mut Report) {
    let result = (|| -> Result<(), String> {
        let dir = root.join("crates/bench");
        let python = dir.join(".venv/bin/python");
        if !python.exists() {
            run(Command::new("python3")
                .args(["-m", "venv"])
                .arg(dir.join(".venv")))?;
        }
        let requirements = dir.join("requirements.txt");
        let installed = dir.join(".venv/requirements.installed");
        if std::fs::read(&requirements).ok() != std::fs::read(&installed).ok() {
            run(Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(&requirements))?;
            std::fs::copy(&requirements, &installed).map_err(|e| e.to_string())?;
        }
        let out = run(Command::new(&python)
            .arg(dir.join("python_hosts.py"))
            .args([url, &calls.to_string(), &rounds.to_string()])
            .env("RUNNER_METRICS_WASM", runner_metrics_host::built::COMPONENT))?;
        let (orig, orig_p99) = parse(&out.stdout, "original")?;
        let (host, host_p99) = parse(&out.stdout, "host")?;
        let r = host.ratio_to(&orig);
        report
            .row(
                "8 python",
                "Python host (wasmtime-py), Client.issue_event: median (p99)",
                format!("{} (p99 {})", host.show_time(), secs(host_p99.median())),
            )
            .against_rounds(
                format!(
                    "original requests.post {} (p99 {})",
                    orig.show_time(),
                    secs(orig_p99.median())
                ),
                &r,
            )
            .target("faster than the original (< 1×)", r.median() < 1.0);
        Ok(())
    })();
    if let Err(why) = result {
        report.note(format!("section 8 skipped: {why}"));
    }
}

pub fn javascript(root: &Path, url: &str, calls: usize, rounds: usize, report: &mut Report) {
    let result = (|| -> Result<(), String> {
        let js = root.join("hosts/js");
        if !js.join("node_modules").exists() || !js.join("generated").exists() {
            return Err("hosts/js is not prepared: run hosts/js/run-tests.sh --prepare".into());
        }
        // The transpiled component must be this one: transpile again (offline,
        // with the jco hosts/js has installed) when the component is newer.
        let component = Path::new(runner_metrics_host::built::COMPONENT);
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        if modified(component) > modified(&js.join("generated/runner-metrics.core.wasm")) {
            run(Command::new("npm")
                .current_dir(&js)
                .args(["run", "--silent", "transpile", "--"])
                .arg(component))?;
        }
        let out = run(Command::new("node")
            .arg(root.join("crates/bench/js_hosts.mjs"))
            .args([url, &calls.to_string(), &rounds.to_string()]))?;
        let (fetch, fetch_p99) = parse(&out.stdout, "fetch")?;
        let (host, host_p99) = parse(&out.stdout, "host")?;
        let r = host.ratio_to(&fetch);
        report
            .row(
                "9 javascript",
                "JavaScript host (jco + preview2-shim), Client.issueEvent: median (p99)",
                format!("{} (p99 {})", host.show_time(), secs(host_p99.median())),
            )
            .against_rounds(
                format!(
                    "Node fetch {} (p99 {})",
                    fetch.show_time(),
                    secs(fetch_p99.median())
                ),
                &r,
            )
            .target("≤ 1.5× fetch", r.median() <= 1.5);
        Ok(())
    })();
    if let Err(why) = result {
        report.note(format!("section 9 skipped: {why}"));
    }
}
