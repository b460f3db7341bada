//! The demo: a Loki push receiver on loopback, one event of each kind
//! issued to it through the component, and what it received, printed as
//! Loki streams.

use metrics_host::receiver::Receiver;
use metrics_host::{ClientConfig, CodeInformation, CustomEvent, Event, FieldValue, MetricsHost};
use metrics_host::{Reconciliation, RunnerInstalled, RunnerStart, RunnerStop};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub async fn run(host: &MetricsHost) -> Result<(), String> {
    let rx = Receiver::start()
        .await
        .map_err(|e| format!("starting the receiver: {e}"))?;
    println!("Loki push receiver listening on {}", rx.url());
    let mut instance = host.instantiate().await.map_err(|e| format!("{e:#}"))?;
    let config = ClientConfig {
        labels: vec![("juju_unit".into(), "github-runner/0".into())],
        ..ClientConfig::new(rx.url())
    };
    let client = instance.client(&config).await.map_err(|e| e.to_string())?;
    for event in events() {
        let started = Instant::now();
        let result = instance.client_issue_event(client, &event).await;
        let took = started.elapsed();
        match result {
            Ok(()) => println!("issued {:<17} ok in {took:.1?}", name(&event)),
            Err(e) => return Err(format!("issuing {}: {e}", name(&event))),
        }
    }
    println!("\nThe receiver got {} pushes:", rx.pushes().len());
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

fn name(e: &Event) -> &str {
    match e {
        Event::RunnerInstalled(_) => "runner_installed",
        Event::RunnerStart(_) => "runner_start",
        Event::RunnerStop(_) => "runner_stop",
        Event::Reconciliation(_) => "reconciliation",
        Event::Custom(c) => &c.name,
    }
}

fn events() -> Vec<Event> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let (flavor, repo, workflow) = ("small", "canonical/github-runner-operator", "CI");
    vec![
        Event::RunnerInstalled(RunnerInstalled {
            timestamp: now,
            flavor: flavor.into(),
            duration: 62.5,
        }),
        Event::RunnerStart(RunnerStart {
            timestamp: now,
            flavor: flavor.into(),
            workflow: workflow.into(),
            repo: repo.into(),
            github_event: "pull_request".into(),
            idle: 3.5,
            queue_duration: Some(12.0),
        }),
        Event::RunnerStop(RunnerStop {
            timestamp: now,
            flavor: flavor.into(),
            workflow: workflow.into(),
            repo: repo.into(),
            github_event: "pull_request".into(),
            status: "normal".into(),
            status_info: Some(CodeInformation { code: 0 }),
            job_duration: 421.25,
            job_conclusion: Some("success".into()),
        }),
        Event::Reconciliation(Reconciliation {
            timestamp: now,
            flavor: flavor.into(),
            crashed_runners: 0,
            idle_runners: 2,
            active_runners: 1,
            expected_runners: 3,
            duration: 1.5,
        }),
        Event::Custom(CustomEvent {
            name: "image_built".into(),
            timestamp: now,
            fields: vec![
                ("base".into(), FieldValue::Text("noble".into())),
                ("size_mb".into(), FieldValue::Integer(2048)),
                ("cached".into(), FieldValue::Boolean(false)),
            ],
        }),
    ]
}
