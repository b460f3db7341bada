//! The README's Rust example, as it stands there (a test checks the two
//! agree, and runs `report` against the test receiver):
//! `cargo run -p runner-metrics-host --example readme -- <push URL>`.

use runner_metrics_host::{Entry, Event, MetricsHost, RunnerStart};

/// Issue one `runner_start` event to `loki`, with up to three attempts.
pub async fn report(loki: &str) -> Result<(), runner_metrics_host::Error> {
    let host = MetricsHost::builder().build().expect("the component loads");
    let mut instance = host.instantiate().await.expect("an instance");
    let options = instance.options().await?;
    instance.set_endpoint(&options, loki).await?;
    instance.set_max_attempts(&options, 3).await?;
    let client = instance.client(&options).await?;
    let event = Event::RunnerStart(RunnerStart {
        timestamp: 1_764_000_000.0,
        flavor: "small".into(),
        workflow: "CI".into(),
        repo: "octo/hello".into(),
        github_event: "push".into(),
        idle: 3.5,
        queue_duration: None,
    });
    instance.issue(&client, &[Entry::from(event)]).await
}

#[tokio::main]
async fn main() {
    let url = std::env::args().nth(1).expect("usage: readme <push URL>");
    match report(&url).await {
        Ok(()) => println!("sent"),
        Err(e) => {
            eprintln!("not sent: {e}");
            std::process::exit(1);
        }
    }
}
