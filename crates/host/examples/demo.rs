//! The demo (`./scripts/demo`): a Loki push receiver on loopback (the test
//! kit's), one event of each kind issued to it through the component, and
//! what it received, printed as Loki streams.
//! `cargo run --release -p runner-metrics-host --example demo`.

use runner_metrics_host::json::{self, Names};
use runner_metrics_host::{Entry, MetricsHost, cache};
use runner_metrics_testkit::Receiver;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Run the demo; what it shows.
pub async fn run() -> Result<String, Box<dyn std::error::Error>> {
    let mut builder = MetricsHost::builder();
    if let Some(dir) = cache::default_dir() {
        builder = builder.cache_dir(dir);
    }
    let host = builder.build()?;
    let mut instance = host.instantiate().await?;
    let rx = Receiver::start().await?;
    let mut out = format!("Loki push receiver listening on {}\n", rx.url());
    let options = instance.options().await?;
    instance.set_endpoint(&options, &rx.url()).await?;
    let unit = [("juju_unit".to_string(), "github-runner/0".to_string())];
    instance.set_labels(&options, &unit).await?;
    let client = instance.client(&options).await?;
    for line in lines() {
        let name = line["event"].as_str().unwrap_or_default().to_string();
        let event = json::event_from_json(&line, Names::Custom)
            .map_err(|e| format!("the demo's {name}: {e}"))?;
        let started = Instant::now();
        instance
            .issue(&client, &[Entry::from(event)])
            .await
            .map_err(|e| format!("issuing {name}: {e}"))?;
        writeln!(out, "issued {name:<17} ok in {:.1?}", started.elapsed())?;
    }
    writeln!(out, "\nThe receiver got {} pushes:", rx.push_count())?;
    for stream in rx.streams() {
        let labels: Vec<String> = stream
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        writeln!(out, "{{{}}}", labels.join(", "))?;
        for entry in &stream.entries {
            writeln!(out, "  {}  {}", entry.ts_ns, entry.line)?;
        }
    }
    Ok(out)
}

/// One event of each kind, in the shape of its line.
fn lines() -> Vec<Value> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let (flavor, repo, workflow) = ("small", "canonical/github-runner-operator", "CI");
    vec![
        json!({"event": "runner_installed", "timestamp": now, "flavor": flavor, "duration": 62.5}),
        json!({"event": "runner_start", "timestamp": now, "flavor": flavor,
               "workflow": workflow, "repo": repo, "github_event": "pull_request",
               "idle": 3.5, "queue_duration": 12.0}),
        json!({"event": "runner_stop", "timestamp": now, "flavor": flavor,
               "workflow": workflow, "repo": repo, "github_event": "pull_request",
               "status": "normal", "status_info": {"code": 0}, "job_duration": 421.25,
               "job_conclusion": "success"}),
        json!({"event": "reconciliation", "timestamp": now, "flavor": flavor,
               "crashed_runners": 0, "idle_runners": 2, "active_runners": 1,
               "expected_runners": 3, "duration": 1.5}),
        json!({"event": "image_built", "timestamp": now, "base": "noble", "size_mb": 2048,
               "cached": false}),
    ]
}

#[tokio::main]
async fn main() {
    match run().await {
        Ok(shown) => print!("{shown}"),
        Err(e) => {
            eprintln!("demo: {e}");
            std::process::exit(1);
        }
    }
}
