//! Events written as JSON, in the shape of the line itself:
//! `{"event":"runner_start","timestamp":1700000000,"flavor":"small",...}`.
//!
//! The CLI takes events this way, and the conformance fixtures describe
//! their inputs this way. Absent optionals are missing keys or `null`;
//! `status_info` is `{"code":N}`. Any other event name is a custom event
//! whose remaining keys, in order, become its fields. Command-line
//! `key=value` pairs take the same keys.

use crate::bindings::{
    CodeInformation, CustomEvent, Event, FieldValue, Reconciliation, RunnerInstalled, RunnerStart,
    RunnerStop,
};
use serde_json::{Map, Value};

/// Build an event from a flat JSON object with an `event` key.
pub fn event_from_json(value: &Value) -> Result<Event, String> {
    let obj = value.as_object().ok_or("an event must be a JSON object")?;
    from_object(obj, false)
}

/// Build an event from `key=value` pairs, as given on a command line: every
/// value is text, read as the type its field needs. Custom fields become
/// booleans, integers or numbers when they read as one, text otherwise.
pub fn event_from_pairs(name: &str, pairs: &[(String, String)]) -> Result<Event, String> {
    let mut obj = Map::new();
    obj.insert("event".into(), Value::String(name.to_string()));
    for (k, v) in pairs {
        if obj.insert(k.clone(), Value::String(v.clone())).is_some() {
            return Err(format!("`{k}` is given twice"));
        }
    }
    from_object(&obj, true)
}

fn from_object(obj: &Map<String, Value>, from_text: bool) -> Result<Event, String> {
    let name = obj
        .get("event")
        .and_then(Value::as_str)
        .ok_or("the `event` key must be a string")?;
    let mut f = Fields {
        obj,
        used: vec!["event"],
        from_text,
    };
    let event = match name {
        "runner_installed" => Event::RunnerInstalled(RunnerInstalled {
            timestamp: f.float("timestamp")?,
            flavor: f.string("flavor")?,
            duration: f.float("duration")?,
        }),
        "runner_start" => Event::RunnerStart(RunnerStart {
            timestamp: f.float("timestamp")?,
            flavor: f.string("flavor")?,
            workflow: f.string("workflow")?,
            repo: f.string("repo")?,
            github_event: f.string("github_event")?,
            idle: f.float("idle")?,
            queue_duration: f.optional("queue_duration", Fields::float)?,
        }),
        "runner_stop" => Event::RunnerStop(RunnerStop {
            timestamp: f.float("timestamp")?,
            flavor: f.string("flavor")?,
            workflow: f.string("workflow")?,
            repo: f.string("repo")?,
            github_event: f.string("github_event")?,
            status: f.string("status")?,
            status_info: f.optional("status_info", Fields::code)?,
            job_duration: f.float("job_duration")?,
            job_conclusion: f.optional("job_conclusion", Fields::string)?,
        }),
        "reconciliation" => Event::Reconciliation(Reconciliation {
            timestamp: f.float("timestamp")?,
            flavor: f.string("flavor")?,
            crashed_runners: f.int("crashed_runners")?,
            idle_runners: f.int("idle_runners")?,
            active_runners: f.int("active_runners")?,
            expected_runners: f.int("expected_runners")?,
            duration: f.float("duration")?,
        }),
        custom => {
            let timestamp = f.float("timestamp")?;
            let fields = obj
                .iter()
                .filter(|(k, _)| *k != "event" && *k != "timestamp")
                .map(|(k, v)| {
                    let v = if from_text {
                        text_value(v)
                    } else {
                        field_value(k, v)?
                    };
                    Ok((k.clone(), v))
                })
                .collect::<Result<_, String>>()?;
            return Ok(Event::Custom(CustomEvent {
                name: custom.to_string(),
                timestamp,
                fields,
            }));
        }
    };
    f.no_extra(name)?;
    Ok(event)
}

fn field_value(key: &str, v: &Value) -> Result<FieldValue, String> {
    Ok(match v {
        Value::Bool(b) => FieldValue::Boolean(*b),
        Value::Number(n) if n.is_i64() => FieldValue::Integer(n.as_i64().unwrap_or_default()),
        Value::Number(n) => {
            FieldValue::Number(n.as_f64().ok_or_else(|| format!("{key}: not a number"))?)
        }
        Value::String(s) => FieldValue::Text(s.clone()),
        _ => {
            return Err(format!(
                "{key}: custom fields are booleans, numbers or strings"
            ));
        }
    })
}

/// A command-line value: the first of bool, integer, finite number, text.
fn text_value(v: &Value) -> FieldValue {
    let text = v.as_str().unwrap_or_default();
    if let Ok(b) = text.parse::<bool>() {
        FieldValue::Boolean(b)
    } else if let Ok(i) = text.parse::<i64>() {
        FieldValue::Integer(i)
    } else if let Some(n) = text.parse::<f64>().ok().filter(|n| n.is_finite()) {
        FieldValue::Number(n)
    } else {
        FieldValue::Text(text.to_string())
    }
}

struct Fields<'a> {
    obj: &'a Map<String, Value>,
    used: Vec<&'static str>,
    /// Values are text to be read as the field's type (command-line pairs).
    from_text: bool,
}

impl Fields<'_> {
    fn get(&mut self, key: &'static str) -> Result<&Value, String> {
        self.used.push(key);
        self.obj.get(key).ok_or_else(|| format!("missing `{key}`"))
    }

    fn float(&mut self, key: &'static str) -> Result<f64, String> {
        let from_text = self.from_text;
        let v = self.get(key)?;
        let n = if from_text {
            v.as_str().and_then(|t| t.parse().ok())
        } else {
            v.as_f64()
        };
        n.ok_or_else(|| format!("`{key}` must be a number"))
    }

    fn int(&mut self, key: &'static str) -> Result<i64, String> {
        let from_text = self.from_text;
        let v = self.get(key)?;
        let n = if from_text {
            v.as_str().and_then(|t| t.parse().ok())
        } else {
            v.as_i64()
        };
        n.ok_or_else(|| format!("`{key}` must be an integer"))
    }

    fn string(&mut self, key: &'static str) -> Result<String, String> {
        let v = self.get(key)?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("`{key}` must be a string"))
    }

    /// `{"code":N}`; on a command line just `N`.
    fn code(&mut self, key: &'static str) -> Result<CodeInformation, String> {
        let from_text = self.from_text;
        let v = self.get(key)?;
        let code = if from_text {
            v.as_str().and_then(|t| t.parse().ok())
        } else {
            v.get("code").and_then(Value::as_i64)
        };
        let code = code.ok_or_else(|| format!("`{key}` must be {{\"code\": <integer>}}"))?;
        Ok(CodeInformation { code })
    }

    /// Missing or `null` is `None`.
    fn optional<T>(
        &mut self,
        key: &'static str,
        read: fn(&mut Self, &'static str) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        match self.obj.get(key) {
            None | Some(Value::Null) => {
                self.used.push(key);
                Ok(None)
            }
            Some(_) => read(self, key).map(Some),
        }
    }

    fn no_extra(&self, name: &str) -> Result<(), String> {
        match self.obj.keys().find(|k| !self.used.contains(&k.as_str())) {
            Some(k) => Err(format!("`{k}` is not a field of {name}")),
            None => Ok(()),
        }
    }
}
