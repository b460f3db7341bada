//! The runner project's Grafana dashboard reads what the component sends.
//!
//! `conformance/dashboard-logql.tsv` (a copy of `../shared/reference`) holds
//! every LogQL query of the dashboard. Each is run, with the small evaluator
//! below, over the streams the receiver got for the conformance events: the
//! query must select some of them, every field its `json` stages name must be
//! in the selected lines, and every `unwrap`ped field must parse as a number
//! wherever the event had it. A line the dashboard cannot read fails here
//! even if it matches Python's bytes.

use crate::common::*;
use crate::logql::Query;
use runner_metrics_testkit::Receiver;
use serde_json::Value;
use std::collections::BTreeMap;

/// The file Promtail tails in the runner project; the dashboard selects it.
const FILENAME: &str = "/var/log/github-runner-metrics.log";

/// One line as Loki stores it: its stream labels and the line itself.
struct Stored {
    labels: BTreeMap<String, String>,
    line: Value,
    /// The input fields the event was built from, when known.
    input: Option<Value>,
}

#[tokio::test]
async fn every_dashboard_query_reads_the_lines() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    // A static `filename` label lets the dashboard's selector, written for
    // the file Promtail tails, match pushed events unchanged.
    let client = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_labels(o, &[("filename".into(), FILENAME.into())])
            .await
    })
    .await;

    let cases = conformance_cases();
    let mut inputs: Vec<Option<Value>> = Vec::new();
    for case in &cases {
        issue(&mut inst, &client, &case.event).await.unwrap();
        inputs.push(Some(case.fields.clone()));
    }
    // The conformance file has no job that ended normally, which the
    // job-duration panels select.
    for event in one_of_each() {
        issue(&mut inst, &client, &event).await.unwrap();
        inputs.push(None);
    }
    let pushes = rx.pushes();
    assert_eq!(pushes.len(), inputs.len());
    let stored: Vec<Stored> = pushes
        .iter()
        .zip(inputs)
        .flat_map(|(push, input)| {
            push.streams.iter().flat_map(move |s| {
                let input = input.clone();
                s.entries.iter().map(move |e| Stored {
                    labels: s.labels.iter().cloned().collect(),
                    line: serde_json::from_str(&e.line).expect("line is JSON"),
                    input: input.clone(),
                })
            })
        })
        .collect();

    let text =
        std::fs::read_to_string(repo_root().join("conformance/dashboard-logql.tsv")).unwrap();
    let mut checked = 0;
    for row in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (panel, expr) = row.split_once('\t').expect("panel<TAB>query");
        let query = Query::parse(expr);
        let selected: Vec<(&Stored, BTreeMap<String, String>)> = stored
            .iter()
            .filter_map(|s| query.run(&s.labels, &s.line).map(|labels| (s, labels)))
            .collect();
        assert!(!selected.is_empty(), "{panel}: selects no line\n{expr}");
        for (name, path) in query.extracted() {
            assert!(
                selected.iter().any(|(_, l)| l.contains_key(name)),
                "{panel}: no selected line has `{path}`"
            );
        }
        if let Some(field) = &query.unwrap {
            for (s, labels) in &selected {
                match labels.get(field) {
                    Some(v) => assert!(
                        v.parse::<f64>().is_ok_and(f64::is_finite),
                        "{panel}: unwrap {field}: {v:?} is not a number"
                    ),
                    // Left out only when the event had no value, as Python does.
                    None => {
                        let path = query.path_of(field).expect("unwrapped label is extracted");
                        let given = s.input.as_ref().and_then(|i| i.get(path));
                        assert!(
                            given.is_none_or(Value::is_null),
                            "{panel}: `{path}` missing though the event had {given:?}"
                        );
                    }
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} queries");
}

/// The copy in this repository is the shared reference, unchanged.
#[test]
fn dashboard_copy_is_current() {
    assert_copy_is_current(
        "conformance/dashboard-logql.tsv",
        "reference/dashboard-logql.tsv",
    );
}
