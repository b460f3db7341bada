//! Fuzz input to event: a flat JSON object in the shape of the line
//! (`{"event":"runner_start","timestamp":...}`), so the seed corpus can be
//! the conformance cases. Floats may also be `"NaN"`, `"Infinity"`,
//! `"-Infinity"`, which JSON cannot spell; any other event name is a custom
//! event whose other keys are its fields.

use runner_metrics::{CodeInformation, CustomEvent, Event, FieldValue, Reconciliation};
use runner_metrics::{RunnerInstalled, RunnerStart, RunnerStop};
use serde_json::{Map, Value};

pub fn event(v: &Value) -> Option<Event> {
    let o = v.as_object()?;
    let name = o.get("event")?.as_str()?;
    let f = |k: &str| float(o.get(k)?);
    let s = |k: &str| Some(o.get(k)?.as_str()?.to_string());
    let i = |k: &str| o.get(k)?.as_i64();
    let opt_f = |k: &str| match o.get(k) {
        None | Some(Value::Null) => Some(None),
        Some(v) => float(v).map(Some),
    };
    Some(match name {
        "runner_installed" => Event::RunnerInstalled(RunnerInstalled {
            timestamp: f("timestamp")?,
            flavor: s("flavor")?,
            duration: f("duration")?,
        }),
        "runner_start" => Event::RunnerStart(RunnerStart {
            timestamp: f("timestamp")?,
            flavor: s("flavor")?,
            workflow: s("workflow")?,
            repo: s("repo")?,
            github_event: s("github_event")?,
            idle: f("idle")?,
            queue_duration: opt_f("queue_duration")?,
        }),
        "runner_stop" => Event::RunnerStop(RunnerStop {
            timestamp: f("timestamp")?,
            flavor: s("flavor")?,
            workflow: s("workflow")?,
            repo: s("repo")?,
            github_event: s("github_event")?,
            status: s("status")?,
            status_info: o
                .get("status_info")
                .and_then(|c| c.get("code")?.as_i64())
                .map(|code| CodeInformation { code }),
            job_duration: f("job_duration")?,
            job_conclusion: s("job_conclusion"),
        }),
        "reconciliation" => Event::Reconciliation(Reconciliation {
            timestamp: f("timestamp")?,
            flavor: s("flavor")?,
            crashed_runners: i("crashed_runners")?,
            idle_runners: i("idle_runners")?,
            active_runners: i("active_runners")?,
            expected_runners: i("expected_runners")?,
            duration: f("duration")?,
        }),
        _ => Event::Custom(CustomEvent {
            name: name.to_string(),
            timestamp: f("timestamp")?,
            fields: fields(o),
        }),
    })
}

fn fields(o: &Map<String, Value>) -> Vec<(String, FieldValue)> {
    o.iter()
        .filter(|(k, _)| *k != "event" && *k != "timestamp")
        .filter_map(|(k, v)| {
            let value = match v {
                Value::Bool(b) => FieldValue::Boolean(*b),
                Value::Number(n) if n.is_i64() => FieldValue::Integer(n.as_i64()?),
                Value::Number(n) => FieldValue::Number(n.as_f64()?),
                Value::String(s) => match float_word(s) {
                    Some(x) => FieldValue::Number(x),
                    None => FieldValue::Text(s.clone()),
                },
                _ => return None,
            };
            Some((k.clone(), value))
        })
        .collect()
}

fn float(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| float_word(v.as_str()?))
}

fn float_word(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}
