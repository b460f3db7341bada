//! 3. Batches: `client.issue` with 1 to 10,000 events per call in each
//!    encoding, against the same bodies encoded natively and posted by hyper.

use crate::component::{Setup, client};
use crate::native::NativeClient;
use crate::report::Report;
use crate::timing::{Samples, show};
use bytes::Bytes;
use runner_metrics::bench::{Workload, encoding};
use runner_metrics::encode;
use runner_metrics_host::json::{Names, event_from_json};
use runner_metrics_host::{Encoding, Entry, MetricsHost};
use runner_metrics_testkit::Receiver;
use std::time::Instant;

const ENCODINGS: [(Encoding, u32, &str); 3] = [
    (Encoding::Json, 0, "json"),
    (Encoding::JsonGzip, 1, "json-gzip"),
    (Encoding::Protobuf, 2, "protobuf"),
];

pub async fn run(
    host: &MetricsHost,
    sizes: &[usize],
    only: Option<&[String]>,
    events_per_case: usize,
    report: &mut Report,
) {
    for &size in sizes {
        let events = host_events(size);
        let calls = (events_per_case / size).clamp(3, 2000);
        for (enc, id, name) in ENCODINGS {
            if only.is_some_and(|o| !o.iter().any(|n| n == name)) {
                continue;
            }
            let rx = Receiver::start_null().await.expect("receiver");
            let setup = Setup {
                encoding: Some(enc),
                batch_max_bytes: Some(64 * 1024 * 1024),
            };
            let (mut inst, c) = client(host, &rx.url(), setup).await;
            inst.issue(&c, &events).await.expect("warm-up");
            let before = rx.wire_bytes();
            let mut times = Vec::with_capacity(calls);
            for _ in 0..calls {
                let t = Instant::now();
                inst.issue(&c, &events).await.expect("issue");
                times.push(t.elapsed());
            }
            let comp = Samples::new(times);
            let bytes_per_event = (rx.wire_bytes() - before) as f64 / (calls * size) as f64;

            let native = NativeClient::new(&rx.url());
            let mut work = Workload::new(size);
            let content_type = encode::content_type(encoding(id));
            let content_encoding = encode::content_encoding(encoding(id));
            let mut times = Vec::with_capacity(calls);
            for i in 0..calls + 1 {
                let t = Instant::now();
                let n = work.run(encoding(id));
                let body = Bytes::copy_from_slice(&work.body()[..n]);
                native.post(body, content_type, content_encoding).await;
                if i > 0 {
                    times.push(t.elapsed());
                }
            }
            let native = Samples::new(times);
            let rate = |s: &Samples| size as f64 / s.median().as_secs_f64();
            let ratio = comp.median().as_secs_f64() / native.median().as_secs_f64();
            let row = report
                .row(
                    "3 batches",
                    format!("{size} events/call, {name}: events/s, wire bytes/event"),
                    format!(
                        "{:.0}/s, {bytes_per_event:.1} B ({} per call)",
                        rate(&comp),
                        show(comp.median())
                    ),
                )
                .against(format!("native {:.0}/s", rate(&native)), ratio);
            if size == 1000 && enc == Encoding::Protobuf {
                row.target("≥ 1,000,000 events/s", rate(&comp) >= 1e6);
            }
        }
    }
}

/// The workload's events, as the host's binding types: each line the native
/// encoder writes, read back as an event, so both sides send the same.
pub fn host_events(count: usize) -> Vec<Entry> {
    let work = Workload::new(count);
    work.events()
        .iter()
        .map(|e| {
            let mut line = Vec::new();
            runner_metrics::event::line::write(e, &mut line).expect("line");
            let value: serde_json::Value = serde_json::from_slice(&line).expect("json");
            Entry {
                event: event_from_json(&value, Names::Custom).expect("event"),
                metadata: Vec::new(),
            }
        })
        .collect()
}
