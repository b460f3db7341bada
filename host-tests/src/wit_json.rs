//! WIT-shaped JSON, the format of `conformance/fixtures.json`: records as
//! objects with kebab-case keys, variants as `{"case": payload}`, enums as
//! strings, options as `null` or the value; floats may be `"NaN"`,
//! `"Infinity"` or `"-Infinity"`.

use crate::bindings::{
    CodeInformation, CustomEvent, Event, FieldValue, Reconciliation, RunnerInstalled, RunnerStart,
    RunnerStop,
};
use crate::config::{Auth, ClientConfig, Encoding, RetryPolicy, Sink, SpoolConfig};
use serde_json::{Map, Value};

type R<T> = Result<T, String>;

/// An `event` variant.
pub fn event(v: &Value) -> R<Event> {
    let (case, p) = variant(v)?;
    Ok(match case {
        "runner-installed" => Event::RunnerInstalled(RunnerInstalled {
            timestamp: float(p, "timestamp")?,
            flavor: string(p, "flavor")?,
            duration: float(p, "duration")?,
        }),
        "runner-start" => Event::RunnerStart(RunnerStart {
            timestamp: float(p, "timestamp")?,
            flavor: string(p, "flavor")?,
            workflow: string(p, "workflow")?,
            repo: string(p, "repo")?,
            github_event: string(p, "github-event")?,
            idle: float(p, "idle")?,
            queue_duration: opt(p, "queue-duration", float)?,
        }),
        "runner-stop" => Event::RunnerStop(RunnerStop {
            timestamp: float(p, "timestamp")?,
            flavor: string(p, "flavor")?,
            workflow: string(p, "workflow")?,
            repo: string(p, "repo")?,
            github_event: string(p, "github-event")?,
            status: string(p, "status")?,
            status_info: opt(p, "status-info", |p, k| {
                Ok(CodeInformation {
                    code: int(&p[k], "code")?,
                })
            })?,
            job_duration: float(p, "job-duration")?,
            job_conclusion: opt(p, "job-conclusion", string)?,
        }),
        "reconciliation" => Event::Reconciliation(Reconciliation {
            timestamp: float(p, "timestamp")?,
            flavor: string(p, "flavor")?,
            crashed_runners: int(p, "crashed-runners")?,
            idle_runners: int(p, "idle-runners")?,
            active_runners: int(p, "active-runners")?,
            expected_runners: int(p, "expected-runners")?,
            duration: float(p, "duration")?,
        }),
        "custom" => Event::Custom(CustomEvent {
            name: string(p, "name")?,
            timestamp: float(p, "timestamp")?,
            fields: list(p, "fields")?
                .iter()
                .map(|pair| {
                    let key = pair.get(0).and_then(Value::as_str).ok_or("field key")?;
                    Ok((
                        key.to_string(),
                        field_value(pair.get(1).ok_or("field value")?)?,
                    ))
                })
                .collect::<R<_>>()?,
        }),
        other => return Err(format!("unknown event case {other}")),
    })
}

fn field_value(v: &Value) -> R<FieldValue> {
    let (case, p) = variant(v)?;
    Ok(match case {
        "boolean" => FieldValue::Boolean(p.as_bool().ok_or("boolean")?),
        "integer" => FieldValue::Integer(p.as_i64().ok_or("integer")?),
        "number" => FieldValue::Number(as_float(p).ok_or("number")?),
        "text" => FieldValue::Text(p.as_str().ok_or("text")?.to_string()),
        other => return Err(format!("unknown field-value case {other}")),
    })
}

/// Apply the fields of a WIT `config` object on top of `base`.
pub fn config(mut c: ClientConfig, v: &Value) -> R<ClientConfig> {
    let obj = v.as_object().ok_or("config must be an object")?;
    for (key, value) in obj {
        match key.as_str() {
            "endpoint" => c.endpoint = value.as_str().map(str::to_string),
            "labels" => c.labels = pairs(value)?,
            "timeout-ms" => c.timeout_ms = value.as_u64().map(|n| n as u32),
            "encoding" => {
                c.encoding = match value.as_str() {
                    Some("json") => Some(Encoding::Json),
                    Some("json-gzip") => Some(Encoding::JsonGzip),
                    Some("protobuf") => Some(Encoding::Protobuf),
                    _ => None,
                }
            }
            "tenant" => c.tenant = value.as_str().map(str::to_string),
            "auth" => {
                c.auth = if value.is_null() {
                    None
                } else {
                    Some(auth(value)?)
                }
            }
            "headers" => c.headers = pairs(value)?,
            "structured-metadata" => c.structured_metadata = pairs(value)?,
            "use-event-timestamp" => c.use_event_timestamp = value.as_bool().unwrap_or(false),
            "batch-max-events" => c.batch_max_events = value.as_u64().map(|n| n as u32),
            "batch-max-bytes" => c.batch_max_bytes = value.as_u64().map(|n| n as u32),
            "retry" => {
                let u32_of = |k: &str| value.get(k).and_then(Value::as_u64).map(|n| n as u32);
                c.retry = (!value.is_null()).then(|| RetryPolicy {
                    max_attempts: u32_of("max-attempts"),
                    min_backoff_ms: u32_of("min-backoff-ms"),
                    max_backoff_ms: u32_of("max-backoff-ms"),
                    deadline_ms: u32_of("deadline-ms"),
                });
            }
            "sink" => {
                c.sink = match value {
                    Value::Null => None,
                    Value::String(s) if s == "push" => Some(Sink::Push),
                    v => Some(Sink::File(string(v, "file")?)),
                }
            }
            "spool" => {
                c.spool = match value {
                    Value::Null => None,
                    v => Some(SpoolConfig {
                        dir: string(v, "dir")?,
                        max_bytes: v.get("max-bytes").and_then(Value::as_u64),
                        max_age_ms: v.get("max-age-ms").and_then(Value::as_u64),
                    }),
                }
            }
            other => return Err(format!("unknown config field {other}")),
        }
    }
    Ok(c)
}

fn auth(v: &Value) -> R<Auth> {
    let (case, p) = variant(v)?;
    match case {
        "basic" => Ok(Auth::Basic {
            user: string(p, "user")?,
            password: string(p, "password")?,
        }),
        "bearer" => Ok(Auth::Bearer(p.as_str().ok_or("bearer token")?.to_string())),
        other => Err(format!("unknown auth case {other}")),
    }
}

fn variant(v: &Value) -> R<(&str, &Value)> {
    let obj: &Map<String, Value> = v.as_object().ok_or("a variant is an object")?;
    let mut it = obj.iter();
    match (it.next(), it.next()) {
        (Some((case, payload)), None) => Ok((case.as_str(), payload)),
        _ => Err(format!("a variant has exactly one case: {v}")),
    }
}

fn as_float(v: &Value) -> Option<f64> {
    match v.as_str() {
        Some("NaN") => Some(f64::NAN),
        Some("Infinity") => Some(f64::INFINITY),
        Some("-Infinity") => Some(f64::NEG_INFINITY),
        _ => v.as_f64(),
    }
}

fn float(p: &Value, k: &str) -> R<f64> {
    p.get(k)
        .and_then(as_float)
        .ok_or_else(|| format!("`{k}` must be a float"))
}

fn int(p: &Value, k: &str) -> R<i64> {
    p.get(k)
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("`{k}` must be an integer"))
}

fn string(p: &Value, k: &str) -> R<String> {
    p.get(k)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("`{k}` must be a string"))
}

fn list<'a>(p: &'a Value, k: &str) -> R<&'a Vec<Value>> {
    p.get(k)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("`{k}` must be a list"))
}

fn opt<T>(p: &Value, k: &str, read: fn(&Value, &str) -> R<T>) -> R<Option<T>> {
    match p.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => read(p, k).map(Some),
    }
}

fn pairs(v: &Value) -> R<Vec<(String, String)>> {
    v.as_array()
        .ok_or("a list of pairs")?
        .iter()
        .map(|p| {
            match (
                p.get(0).and_then(Value::as_str),
                p.get(1).and_then(Value::as_str),
            ) {
                (Some(a), Some(b)) => Ok((a.to_string(), b.to_string())),
                _ => Err(format!("{p} is not a pair of strings")),
            }
        })
        .collect()
}
