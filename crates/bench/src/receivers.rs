//! The receivers the benchmarks push to: the test kit's null receiver in this
//! process (a tokio task on the same runtime), or its binary
//! `runner-metrics-receiver --null` in a process of its own, so that the
//! receiver's work does not share this process's threads.

use runner_metrics_testkit::Receiver;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Where a benchmark pushes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Where {
    InProcess,
    OutOfProcess,
}

impl Where {
    pub fn name(self) -> &'static str {
        match self {
            Where::InProcess => "in-process receiver",
            Where::OutOfProcess => "out-of-process receiver",
        }
    }
}

/// `runner-metrics-receiver --null` in its own process; killed when dropped.
pub struct External {
    child: Child,
    url: String,
}

impl External {
    /// Start the binary (built by [`build_receiver`]).
    pub fn start(binary: &Path) -> Result<External, String> {
        let mut child = Command::new(binary)
            .arg("--null")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped");
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let ready: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("receiver said {line:?}: {e}"))?;
        let url = ready["push"]
            .as_str()
            .ok_or_else(|| format!("receiver said {line:?}"))?
            .to_string();
        Ok(External { child, url })
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for External {
    fn drop(&mut self) {
        // Closing its stdin stops it; kill it in case it does not.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Build the receiver binary (release) and return its path.
pub fn build_receiver(root: &Path) -> Result<PathBuf, String> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "runner-metrics-testkit",
            "--bin",
            "runner-metrics-receiver",
        ])
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("building runner-metrics-receiver failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release/runner-metrics-receiver"))
}

/// Either receiver, kept alive for as long as it is used.
pub enum Running {
    In(Receiver),
    Out(External),
}

impl Running {
    pub async fn start(place: Where, binary: &Path) -> Result<Running, String> {
        match place {
            Where::InProcess => Receiver::start_null()
                .await
                .map(Running::In)
                .map_err(|e| e.to_string()),
            Where::OutOfProcess => External::start(binary).map(Running::Out),
        }
    }

    pub fn url(&self) -> String {
        match self {
            Running::In(r) => r.url(),
            Running::Out(r) => r.url().to_string(),
        }
    }
}
