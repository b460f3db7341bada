//! 1. One event per call, sequentially: the component (pooled and
//!    per-request senders) against a native keep-alive hyper client sending
//!    the same request, in the same process, to the same null receiver.

use crate::native::{NativeClient, json_body};
use crate::report::Report;
use crate::timing::{Samples, show};
use metrics_host::receiver::Receiver;
use metrics_host::{ClientConfig, Event, HostOptions, MetricsHost, RunnerStart, SenderKind};
use std::time::Instant;

/// `runtime` names the tokio runtime this runs on, for the report. Returns
/// the component's median with the pooled sender, for section 6.
pub async fn run(
    host: &MetricsHost,
    n: usize,
    runtime: &str,
    report: &mut Report,
) -> std::time::Duration {
    let rx = Receiver::start_null().await.expect("receiver");
    let event = Event::RunnerStart(RunnerStart {
        timestamp: 1_764_000_000.5,
        flavor: "small".into(),
        workflow: "CI".into(),
        repo: "canonical/github-runner-operator".into(),
        github_event: "pull_request".into(),
        idle: 3.5,
        queue_duration: Some(12.25),
    });
    let warmup = (n / 10).max(5);

    let component = |sender: SenderKind| {
        let options = HostOptions {
            sender,
            ..HostOptions::default()
        };
        let host = host.with_options(options).expect("host");
        let url = rx.url();
        let event = event.clone();
        async move {
            let mut inst = host.instantiate().await.expect("instance");
            let c = inst
                .client(&ClientConfig::new(url).single_attempt())
                .await
                .expect("client");
            let mut times = Vec::with_capacity(n);
            for i in 0..warmup + n {
                let t = Instant::now();
                inst.client_issue_event(c, &event).await.expect("issue");
                if i >= warmup {
                    times.push(t.elapsed());
                }
            }
            Samples::new(times)
        }
    };
    let pooled = component(SenderKind::Pooled).await;
    let per_request = component(SenderKind::PerRequest).await;

    let native = NativeClient::new(&rx.url());
    let guest_event = guest_event();
    let mut line = Vec::new();
    let mut times = Vec::with_capacity(n);
    for i in 0..warmup + n {
        let t = Instant::now();
        let body = json_body(
            &guest_event,
            &[("job", "metrics")],
            1_764_000_000_000_000_000,
            &mut line,
        );
        native.post(body, "application/json", None).await;
        if i >= warmup {
            times.push(t.elapsed());
        }
    }
    let native = Samples::new(times);

    let ratio = |s: &Samples| s.median().as_secs_f64() / native.median().as_secs_f64();
    let reference = format!(
        "native hyper {} (p99 {})",
        show(native.median()),
        show(native.p99())
    );
    let r = ratio(&pooled);
    report
        .row(
            "1 single event",
            format!("{runtime}: component, pooled sender: median (p99)"),
            format!("{} ({})", show(pooled.median()), show(pooled.p99())),
        )
        .against(reference.clone(), r)
        .target("≤ 1.25×", r <= 1.25);
    let r = ratio(&per_request);
    report
        .row(
            "1 single event",
            format!("{runtime}: component, per-request sender: median (p99)"),
            format!(
                "{} ({})",
                show(per_request.median()),
                show(per_request.p99())
            ),
        )
        .against(reference, r);
    pooled.median()
}

/// The same event as the guest's type, for the native encoder.
fn guest_event() -> runner_metrics::Event {
    runner_metrics::Event::RunnerStart(runner_metrics::RunnerStart {
        timestamp: 1_764_000_000.5,
        flavor: "small".into(),
        workflow: "CI".into(),
        repo: "canonical/github-runner-operator".into(),
        github_event: "pull_request".into(),
        idle: 3.5,
        queue_duration: Some(12.25),
    })
}
