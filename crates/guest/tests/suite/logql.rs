//! Just enough LogQL to run the runner dashboard's queries over stored lines:
//! a stream selector, then `json` (with `name="path"` mappings), label
//! filters (`=`, `!=`, and `=~`/`!~` with alternations of plain names),
//! `label_format` (ignored: it changes no label read here) and `unwrap`.
//! Anything else panics, so a new kind of query cannot pass unread.

use serde_json::Value;
use std::collections::BTreeMap;

/// The log part of a LogQL query: its selector and pipeline stages.
pub struct Query {
    selector: Vec<Matcher>,
    stages: Vec<Stage>,
    /// The label `unwrap` turns into the sample value.
    pub unwrap: Option<String>,
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
    pub fn parse(expr: &str) -> Query {
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
    pub fn extracted(&self) -> impl Iterator<Item = (&String, &String)> {
        self.stages.iter().flat_map(|s| match s {
            Stage::Json(pairs) => pairs.iter().map(|(n, p)| (n, p)).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    }

    pub fn path_of(&self, label: &str) -> Option<&str> {
        self.extracted()
            .find(|(n, _)| *n == label)
            .map(|(_, p)| p.as_str())
    }

    /// The labels of `s` after the pipeline, or `None` when it is filtered out.
    pub fn run(
        &self,
        stream: &BTreeMap<String, String>,
        line: &Value,
    ) -> Option<BTreeMap<String, String>> {
        if !self.selector.iter().all(|m| m.matches(stream)) {
            return None;
        }
        let mut labels = stream.clone();
        for stage in &self.stages {
            match stage {
                Stage::Json(pairs) => {
                    for (name, path) in pairs {
                        if let Some(v) = lookup(line, path) {
                            // Loki keeps the stream's label and names the
                            // parsed one `<name>_extracted`; both must agree.
                            if let Some(base) = stream.get(name) {
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

/// The characters of `text` outside quotes and `${...}`, with their byte
/// offsets: where the pipeline's own syntax is.
fn top_level(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let (mut quote, mut depth) = (None, 0);
    text.char_indices().filter(move |&(_, c)| {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '`') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => depth -= 1,
            (None, _) => return depth == 0,
        }
        false
    })
}

/// The pipeline ends at the range (`[1h]`).
fn pipeline(text: &str) -> &str {
    match top_level(text).find(|&(_, c)| c == '[') {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Split at each top-level `sep`.
fn split_outside_quotes(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, _) in top_level(text).filter(|&(_, c)| c == sep) {
        parts.push(&text[start..i]);
        start = i + 1;
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
