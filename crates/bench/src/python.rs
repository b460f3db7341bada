//! 6. The Python original's approach: `requests.post` of the same JSON, one
//!    event per request (a new connection each), in a venv with pinned
//!    `requests`. Skipped, with a note, when Python is not available.

use crate::report::Report;
use crate::timing::show;
use metrics_host::receiver::Receiver;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub async fn run(root: &Path, n: usize, component_median: Duration, report: &mut Report) {
    match measure(root, n).await {
        Ok((median, p99)) => {
            let r = component_median.as_secs_f64() / median.as_secs_f64();
            report
                .row(
                    "6 python",
                    "Python requests.post, one event per request: median (p99)",
                    format!("{} ({})", show(median), show(p99)),
                )
                .against(format!("component {}", show(component_median)), 1.0 / r);
        }
        Err(why) => report.note(format!("section 6 skipped: {why}")),
    }
}

async fn measure(root: &Path, n: usize) -> Result<(Duration, Duration), String> {
    let dir = root.join("benches");
    let venv_python = dir.join(".venv/bin/python");
    let run = |cmd: &mut Command| -> Result<std::process::Output, String> {
        let out = cmd.output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    };
    if !venv_python.exists() {
        run(Command::new("python3")
            .args(["-m", "venv"])
            .arg(dir.join(".venv")))?;
    }
    run(Command::new(&venv_python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(dir.join("requirements.txt")))?;
    let rx = Receiver::start_null().await.map_err(|e| e.to_string())?;
    let script = dir.join("python_requests.py");
    let url = rx.url();
    let n_arg = n.to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(venv_python)
            .arg(script)
            .arg(url)
            .arg(n_arg)
            .output()
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let ns = |k: &str| {
        v[k].as_u64()
            .map(Duration::from_nanos)
            .ok_or(format!("no {k}"))
    };
    Ok((ns("median_ns")?, ns("p99_ns")?))
}
