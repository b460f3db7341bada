//! Stream labels: `job` and `event` for every event kind, plus static ones
//! (after `job`, before `event`), and `job` replaced by a label of that name.

use crate::common::*;
use runner_metrics_testkit::Receiver;

const NAMES: [&str; 5] = [
    "runner_installed",
    "runner_start",
    "runner_stop",
    "reconciliation",
    "image_built",
];

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn each_event_kind_gets_job_and_event_labels() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client(&mut inst, &rx.url()).await;
    for e in one_of_each() {
        issue(&mut inst, &c, &e).await.unwrap();
    }
    let streams = rx.streams();
    assert_eq!(streams.len(), NAMES.len());
    for (s, name) in streams.iter().zip(NAMES) {
        assert_eq!(s.labels, pairs(&[("job", "metrics"), ("event", name)]));
        let line: serde_json::Value = serde_json::from_str(&s.entries[0].line).unwrap();
        assert_eq!(line["event"], name, "the label matches the line");
    }
}

#[tokio::test]
async fn static_labels_are_added_and_job_can_be_replaced() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let labels = pairs(&[
        ("juju_unit", "github-runner/0"),
        ("job", "runners"),
        ("note", "quotes \" and \\ and ünïcode"),
    ]);
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_labels(o, &labels).await
    })
    .await;
    issue(&mut inst, &c, &one_of_each()[1]).await.unwrap();
    let s = &rx.streams()[0];
    assert_eq!(
        s.labels,
        pairs(&[
            ("job", "runners"),
            ("juju_unit", "github-runner/0"),
            ("note", "quotes \" and \\ and ünïcode"),
            ("event", "runner_start"),
        ])
    );
}
