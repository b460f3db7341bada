//! Setting up the component for a benchmark: an instance and a client.

use runner_metrics_host::{Client, Encoding, Entry, Event, Instance, MetricsHost};

/// How a benchmark's client differs from the defaults.
#[derive(Clone, Copy, Debug, Default)]
pub struct Setup {
    pub encoding: Option<Encoding>,
    pub batch_max_bytes: Option<i64>,
}

/// An instance of `host` with a client of it that pushes to `url` in one
/// attempt (as the Python original), as `setup` says.
pub async fn client(host: &MetricsHost, url: &str, setup: Setup) -> (Instance, Client) {
    let mut inst = host.instantiate().await.expect("instance");
    let options = inst.options().await.expect("options");
    inst.set_endpoint(&options, url).await.expect("endpoint");
    inst.set_max_attempts(&options, 1).await.expect("attempts");
    if let Some(e) = setup.encoding {
        inst.set_encoding(&options, e).await.expect("encoding");
    }
    if let Some(b) = setup.batch_max_bytes {
        inst.set_batch_max_bytes(&options, b).await.expect("bytes");
    }
    let client = inst.client(&options).await.expect("client");
    inst.drop_options(options).await.expect("drop options");
    (inst, client)
}

/// One event as an entry of its own.
pub fn entry(event: &Event) -> Entry {
    Entry {
        event: event.clone(),
        metadata: Vec::new(),
    }
}
