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
use metrics_host::receiver::Receiver;
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
    let mut cfg = config(&rx.url());
    cfg.labels = vec![("filename".into(), FILENAME.into())];
    let client = inst.client(&cfg).await.unwrap();

    let cases = conformance_cases();
    let mut inputs: Vec<Option<Value>> = Vec::new();
    for case in &cases {
        inst.client_issue_event(client, &case.event).await.unwrap();
        inputs.push(Some(case.fields.clone()));
    }
    // The conformance file has no job that ended normally, which the
    // job-duration panels select.
    for event in one_of_each() {
        inst.client_issue_event(client, &event).await.unwrap();
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
            .filter_map(|s| query.run(s).map(|labels| (s, labels)))
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
    let shared = repo_root().join("../shared/reference/dashboard-logql.tsv");
    if let Ok(upstream) = std::fs::read(&shared) {
        let ours = std::fs::read(repo_root().join("conformance/dashboard-logql.tsv")).unwrap();
        assert!(
            ours == upstream,
            "conformance/ differs from {}",
            shared.display()
        );
    }
}

/// The log part of a LogQL query: its selector and pipeline stages.
struct Query {
    selector: Vec<Matcher>,
    stages: Vec<Stage>,
    unwrap: Option<String>,
}

enum Stage {
    /// `json name="path", ...`
    Json(Vec<(String, String)>),
    Filter(Matcher),
    /// Stages that change no label this test reads (`label_format`).
    Other,
}

struct Matcher {
    label: String,
    op: String,
    value: String,
}

impl Query {
    fn parse(expr: &str) -> Query {
        let open = expr.find('{').expect("a stream selector");
        let close = open + expr[open..].find('}').expect("selector ends");
        let selector = split_outside_quotes(&expr[open + 1..close], ',')
            .iter()
            .map(|m| Matcher::parse(m))
            .collect();
        let mut stages = Vec::new();
        let mut unwrap = None;
        for stage in split_outside_quotes(pipeline(&expr[close + 1..]), '|')
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            if let Some(pairs) = stage.strip_prefix("json ") {
                let pairs = split_outside_quotes(pairs, ',')
                    .iter()
                    .map(|p| {
                        let (name, path) = p.split_once('=').expect("name=\"path\"");
                        (name.trim().to_string(), unquote(path.trim()))
                    })
                    .collect();
                stages.push(Stage::Json(pairs));
            } else if let Some(field) = stage.strip_prefix("unwrap ") {
                unwrap = Some(field.trim().to_string());
            } else if stage.starts_with("label_format ") {
                stages.push(Stage::Other);
            } else {
                stages.push(Stage::Filter(Matcher::parse(stage)));
            }
        }
        Query {
            selector,
            stages,
            unwrap,
        }
    }

    /// Every `(label, json path)` the query extracts.
    fn extracted(&self) -> impl Iterator<Item = (&String, &String)> {
        self.stages.iter().flat_map(|s| match s {
            Stage::Json(pairs) => pairs.iter().map(|(n, p)| (n, p)).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    }

    fn path_of(&self, label: &str) -> Option<&str> {
        self.extracted()
            .find(|(n, _)| *n == label)
            .map(|(_, p)| p.as_str())
    }

    /// The labels of `s` after the pipeline, or `None` when it is filtered out.
    fn run(&self, s: &Stored) -> Option<BTreeMap<String, String>> {
        if !self.selector.iter().all(|m| m.matches(&s.labels)) {
            return None;
        }
        let mut labels = s.labels.clone();
        for stage in &self.stages {
            match stage {
                Stage::Json(pairs) => {
                    for (name, path) in pairs {
                        if let Some(v) = lookup(&s.line, path) {
                            // Loki keeps the stream's label and names the
                            // parsed one `<name>_extracted`; both must agree.
                            if let Some(base) = s.labels.get(name) {
                                assert_eq!(base, &v, "stream label {name} differs from the line");
                                labels.insert(format!("{name}_extracted"), v);
                            } else {
                                labels.insert(name.clone(), v);
                            }
                        }
                    }
                }
                Stage::Filter(m) if !m.matches(&labels) => return None,
                _ => {}
            }
        }
        Some(labels)
    }
}

impl Matcher {
    fn parse(text: &str) -> Matcher {
        let text = text.trim();
        let end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .expect("label then operator");
        let rest = text[end..].trim_start();
        let op = ["=~", "!~", "!=", ">=", "<=", "=", ">", "<"]
            .into_iter()
            .find(|op| rest.starts_with(op))
            .unwrap_or_else(|| panic!("no operator in {text:?}"));
        Matcher {
            label: text[..end].to_string(),
            op: op.to_string(),
            value: unquote(rest[op.len()..].trim()),
        }
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        // A dashboard variable (`$flavor`) stands for "all" here.
        if self.value.contains('$') {
            return true;
        }
        let have = labels.get(&self.label).map(String::as_str).unwrap_or("");
        // LogQL regexes match the whole value; the dashboard only uses
        // alternations of plain names.
        let any_of = || {
            assert!(
                !self.value.contains(['.', '*', '+', '?', '(', '[', '^']),
                "regex {:?} needs a real regex engine",
                self.value
            );
            self.value.split('|').any(|alt| alt == have)
        };
        match self.op.as_str() {
            "=" => have == self.value,
            "!=" => have != self.value,
            "=~" => any_of(),
            "!~" => !any_of(),
            op => panic!("operator {op} with a literal is not used by the dashboard"),
        }
    }
}

/// The pipeline ends at the range (`[1h]`) outside quotes and `${...}`.
fn pipeline(text: &str) -> &str {
    let mut quote = None;
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '`') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => depth -= 1,
            (None, '[') if depth == 0 => return &text[..i],
            _ => {}
        }
    }
    text
}

/// Split at `sep` where it is outside quotes and `${...}`.
fn split_outside_quotes(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut quote, mut depth, mut start) = (None, 0, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '`') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn unquote(text: &str) -> String {
    for q in ['"', '`'] {
        if let Some(inner) = text.strip_prefix(q).and_then(|t| t.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    text.to_string()
}

/// A `json` stage's value for `path` (`a.b` for nested keys), as Loki renders
/// it: strings bare, anything else as its JSON text.
fn lookup(line: &Value, path: &str) -> Option<String> {
    let v = path.split('.').try_fold(line, |v, key| v.get(key))?;
    Some(match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}
