//! `runner-metrics demo`: a Loki push receiver on loopback (the testkit's),
//! one event of each kind issued to it through the component, and what it
//! received, printed as Loki streams.

use crate::args::Cli;
use crate::events::{self, now};
use crate::exit::Failure;
use crate::load::{self, Host};
use runner_metrics_host::Entry;
use runner_metrics_host::json::Names;
use runner_metrics_testkit::Receiver;
use serde_json::{Value, json};
use std::time::Instant;

pub async fn run(cli: &Cli) -> Result<(), Failure> {
    let mut instance = load::instance(cli, Host::default()).await?;
    let rx = Receiver::start()
        .await
        .map_err(|e| Failure::other(format!("starting the receiver: {e}")))?;
    println!("Loki push receiver listening on {}", rx.url());
    let options = instance.options().await?;
    instance.set_endpoint(&options, &rx.url()).await?;
    let unit = [("juju_unit".to_string(), "github-runner/0".to_string())];
    instance.set_labels(&options, &unit).await?;
    let client = instance.client(&options).await?;
    for line in lines() {
        let name = line["event"].as_str().unwrap_or_default().to_string();
        let event = events::from_json(line, Names::Custom)
            .map_err(|e| Failure::other(format!("the demo's {name}: {e}")))?;
        let started = Instant::now();
        instance
            .issue(
                &client,
                &[Entry {
                    event,
                    metadata: Vec::new(),
                }],
            )
            .await
            .map_err(|e| Failure::from(e).context(&format!("issuing {name}")))?;
        println!("issued {name:<17} ok in {:.1?}", started.elapsed());
    }
    println!("\nThe receiver got {} pushes:", rx.push_count());
    for stream in rx.streams() {
        let labels: Vec<String> = stream
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        println!("{{{}}}", labels.join(", "));
        for entry in &stream.entries {
            println!("  {}  {}", entry.ts_ns, entry.line);
        }
    }
    Ok(())
}

/// One event of each kind, in the shape of its line.
fn lines() -> Vec<Value> {
    let now = now();
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
