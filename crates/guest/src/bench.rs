//! A fixed workload for the encoder benchmark (cargo feature `bench`): the code a client runs per
//! batch (validate, line, batch, push body) without any WASI call, so the
//! same Rust runs natively and in a core wasm module (`benches/encoder-core`)
//! for the wasm-vs-native comparison.

use crate::batch::Batch;
use crate::encode::Encoder;
use crate::event::validate;
use crate::{CodeInformation, CustomEvent, Encoding, Event, FieldValue, Reconciliation};
use crate::{RunnerInstalled, RunnerStart, RunnerStop};

/// The line limit the workload is checked against (Loki's default).
const MAX_LINE: usize = 256 * 1024;

/// `count` events of the five kinds, the encoder and its buffers.
pub struct Workload {
    events: Vec<Event>,
    batch: Batch,
    encoder: Encoder,
    labels: Vec<(String, String)>,
}

impl Workload {
    pub fn new(count: usize) -> Workload {
        Workload {
            events: (0..count).map(event).collect(),
            batch: Batch::default(),
            encoder: Encoder::default(),
            labels: vec![
                ("job".into(), "metrics".into()),
                ("juju_unit".into(), "github-runner/0".into()),
            ],
        }
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The body of the last `run`.
    pub fn body(&self) -> &[u8] {
        &self.encoder.body
    }

    /// Validate and encode every event into one push body; its size.
    pub fn run(&mut self, encoding: Encoding) -> usize {
        self.batch.clear();
        for (i, e) in self.events.iter().enumerate() {
            if validate::event(e, MAX_LINE).is_err()
                || self
                    .batch
                    .push(e, 1_764_000_000_000_000_000 + i as u64, &[], MAX_LINE)
                    .is_err()
            {
                return 0;
            }
        }
        let streams = self.batch.streams(0..self.batch.len(), &self.labels, &[]);
        match self.encoder.encode(encoding, &streams) {
            Ok(_) => self.encoder.body.len(),
            Err(_) => 0,
        }
    }
}

/// 0 json, 1 json-gzip, 2 protobuf: for callers across the wasm boundary.
pub fn encoding(n: u32) -> Encoding {
    match n {
        1 => Encoding::JsonGzip,
        2 => Encoding::Protobuf,
        _ => Encoding::Json,
    }
}

fn event(i: usize) -> Event {
    let ts = 1_764_000_000.0 + i as f64 * 0.125;
    let flavor = ["small", "large", "x-large-arm64"][i % 3].to_string();
    let repo = format!("canonical/repo-{}", i % 17);
    match i % 5 {
        0 => Event::RunnerInstalled(RunnerInstalled {
            timestamp: ts,
            flavor,
            duration: 12.5 + i as f64,
        }),
        1 => Event::RunnerStart(RunnerStart {
            timestamp: ts,
            flavor,
            workflow: "Release / build".into(),
            repo,
            github_event: "pull_request".into(),
            idle: 3.5,
            queue_duration: Some(i as f64 * 0.3),
        }),
        2 => Event::RunnerStop(RunnerStop {
            timestamp: ts,
            flavor,
            workflow: "CI".into(),
            repo,
            github_event: "push".into(),
            status: "normal".into(),
            status_info: Some(CodeInformation {
                code: (i % 3) as i64,
            }),
            job_duration: 61.0 + i as f64,
            job_conclusion: Some("success".into()),
        }),
        3 => Event::Reconciliation(Reconciliation {
            timestamp: ts,
            flavor,
            crashed_runners: (i % 4) as i64,
            idle_runners: 40,
            active_runners: (i % 9) as i64,
            expected_runners: 50,
            duration: 1.5,
        }),
        _ => Event::Custom(CustomEvent {
            name: "image_built".into(),
            timestamp: ts,
            fields: vec![
                ("base".into(), FieldValue::Text("noble".into())),
                ("size_mb".into(), FieldValue::Integer(2048 + i as i64)),
                ("cached".into(), FieldValue::Boolean(i.is_multiple_of(2))),
            ],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_produces_a_body() {
        let mut w = Workload::new(100);
        let sizes: Vec<usize> = (0..3).map(|n| w.run(encoding(n))).collect();
        assert!(sizes.iter().all(|&s| s > 0), "{sizes:?}");
        assert!(
            sizes[1] < sizes[0] && sizes[2] < sizes[0],
            "compressed is smaller: {sizes:?}"
        );
    }
}
