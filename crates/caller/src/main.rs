//! `runner-metrics-caller <push URL>`: issue one `runner_installed` event to
//! `<push URL>` through the imported `promtail` interface, and exit 0 when
//! the receiver accepted it (else print the error and exit 1).
//!
//! Built as a `wasm32-wasip2` command, then composed with the runner-metrics
//! component by `wac plug`, it runs in any WASI host.

wit_bindgen::generate!({
    path: ["../../wit", "wit"],
    world: "runner-metrics:caller/caller",
    generate_all,
});

use github_runner::metrics::events::{Event, RunnerInstalled};
use github_runner::metrics::promtail::{Client, Entry, Options};

fn main() {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: runner-metrics-caller <push URL>");
        std::process::exit(2);
    };
    let options = Options::new();
    let sent = options
        .set_endpoint(&url)
        .and_then(|()| Client::new(&options))
        .and_then(|client| {
            client.issue(&[Entry {
                event: Event::RunnerInstalled(RunnerInstalled {
                    timestamp: 1_764_000_000.0,
                    flavor: "composed".into(),
                    duration: 1.0,
                }),
                metadata: Vec::new(),
            }])
        });
    match sent {
        Ok(()) => println!("sent through the composed component"),
        Err(e) => {
            eprintln!("not sent: {e:?}");
            std::process::exit(1);
        }
    }
}
