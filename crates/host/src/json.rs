//! Events written as JSON in the shape of their line, as a command line or
//! a log takes them: `{"event":"runner_start","timestamp":1700000000,
//! "flavor":"small",...}`.
//!
//! A built-in event's other keys are its record's fields, read by serde
//! from the generated types (so no field is listed here); a key the record
//! does not have is refused. Any other event name is a custom event whose
//! other keys, in order, become its fields: booleans, integers, numbers or
//! text.

pub use crate::builtin_events::BUILTIN_EVENTS;
use crate::builtin_events::builtin;
use crate::{CustomEvent, Event, FieldValue};
use serde_json::{Map, Value};
use std::fmt;

/// Why JSON is not an event: the key, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// The key (`flavor`, `status_info.code`), or `event` for the name.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for JsonError {}

fn error(field: impl Into<String>, reason: impl Into<String>) -> JsonError {
    JsonError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Which event names are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// Only the built-in events: a misspelt name is an error, not a custom
    /// event that no dashboard shows.
    BuiltIn,
    /// Any name: one that is not built in is a custom event.
    Custom,
}

/// The event a JSON object describes.
pub fn event_from_json(value: &Value, names: Names) -> Result<Event, JsonError> {
    let obj = value
        .as_object()
        .ok_or_else(|| error("event", "an event must be a JSON object"))?;
    let mut obj = obj.clone();
    let name = match obj.shift_remove("event") {
        Some(Value::String(name)) => name,
        _ => return Err(error("event", "the `event` key must be a string")),
    };
    from_fields(&name, obj, names)
}

/// The event of command-line `key=value` pairs: each value is read as JSON
/// when it is JSON and its field takes that type, else as text. A dotted key
/// (`status_info.code=403`) sets a field of a nested record.
pub fn event_from_pairs(
    name: &str,
    pairs: &[(String, String)],
    names: Names,
) -> Result<Event, JsonError> {
    let mut obj = Map::new();
    for (key, text) in pairs {
        let value = serde_json::from_str::<Value>(text)
            .ok()
            .filter(|v| !v.is_string())
            .unwrap_or_else(|| Value::String(text.clone()));
        insert_dotted(&mut obj, key, value)?;
    }
    match from_fields(name, obj.clone(), names) {
        Err(e) if BUILTIN_EVENTS.contains(&name) => {
            // A value read as JSON where its field wants text (`flavor=123`):
            // read those as text, one at a time, while that helps.
            let mut last = e;
            for _ in 0..pairs.len() {
                let Some((key, text)) = pairs.iter().find(|(k, _)| *k == last.field) else {
                    break;
                };
                insert_dotted(&mut obj, key, Value::String(text.clone()))?;
                match from_fields(name, obj.clone(), names) {
                    Ok(event) => return Ok(event),
                    Err(e) if e.field == last.field => break,
                    Err(e) => last = e,
                }
            }
            Err(last)
        }
        other => other,
    }
}

fn insert_dotted(obj: &mut Map<String, Value>, key: &str, value: Value) -> Result<(), JsonError> {
    match key.split_once('.') {
        None => {
            obj.insert(key.to_string(), value);
            Ok(())
        }
        Some((outer, inner)) => match obj
            .entry(outer.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            Value::Object(nested) => insert_dotted(nested, inner, value),
            _ => Err(error(
                key,
                format!("`{outer}` is given both whole and by part"),
            )),
        },
    }
}

fn from_fields(name: &str, fields: Map<String, Value>, names: Names) -> Result<Event, JsonError> {
    let given: Vec<String> = fields.keys().cloned().collect();
    if let Some(read) = builtin(name, Value::Object(fields.clone())) {
        let event = read.map_err(|e| serde_error(&e))?;
        // serde ignores keys a record does not have; a typo must not vanish.
        let known = serde_json::to_value(&event).unwrap_or_default();
        let known = known
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_object);
        if let Some(unknown) = given
            .iter()
            .find(|k| !known.is_some_and(|o| o.contains_key(*k)))
        {
            return Err(error(
                unknown.as_str(),
                format!("`{name}` has no field `{unknown}`"),
            ));
        }
        return Ok(event);
    }
    if names == Names::BuiltIn {
        return Err(error(
            "event",
            format!(
                "`{name}` is not a built-in event ({}); a custom event must be marked as one",
                BUILTIN_EVENTS.join(", ")
            ),
        ));
    }
    custom(name, fields)
}

/// A serde error, placed at the key it is about.
fn serde_error(e: &serde_path_to_error::Error<serde_json::Error>) -> JsonError {
    let path = e.path().to_string();
    let text = e.inner().to_string();
    if path != "." && !path.is_empty() {
        return error(path, text);
    }
    // A missing field is reported at the record, with the field's name.
    match text.strip_prefix("missing field `") {
        Some(rest) => error(rest.split('`').next().unwrap_or_default(), "is missing"),
        None => error("event", text),
    }
}

fn custom(name: &str, mut fields: Map<String, Value>) -> Result<Event, JsonError> {
    let timestamp = match fields.shift_remove("timestamp") {
        Some(v) => v
            .as_f64()
            .ok_or_else(|| error("timestamp", "must be a number"))?,
        None => return Err(error("timestamp", "is missing")),
    };
    let fields = fields
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                Value::Bool(b) => FieldValue::Boolean(b),
                Value::Number(n) => match n.as_i64() {
                    Some(i) => FieldValue::Integer(i),
                    None => FieldValue::Number(n.as_f64().unwrap_or(f64::NAN)),
                },
                Value::String(s) => FieldValue::Text(s),
                _ => {
                    return Err(error(
                        key.as_str(),
                        "a custom field is a boolean, a number or text",
                    ));
                }
            };
            Ok((key, value))
        })
        .collect::<Result<_, _>>()?;
    Ok(Event::Custom(CustomEvent {
        name: name.to_string(),
        timestamp,
        fields,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RunnerStart, RunnerStop};
    use serde_json::json;

    #[test]
    fn built_in_events_read_by_their_record() {
        let event = event_from_json(
            &json!({"event": "runner_start", "timestamp": 1, "flavor": "small", "workflow": "CI",
                    "repo": "o/r", "github_event": "push", "idle": 3.5}),
            Names::BuiltIn,
        )
        .unwrap();
        let Event::RunnerStart(RunnerStart {
            idle,
            queue_duration,
            ..
        }) = event
        else {
            panic!("{event:?}")
        };
        assert_eq!((idle, queue_duration), (3.5, None));
    }

    #[test]
    fn errors_name_the_field() {
        let start = json!({"event": "runner_start", "timestamp": 1, "flavor": "small",
                           "workflow": "CI", "repo": "o/r", "github_event": "push", "idle": 3.5});
        let mut missing = start.clone();
        missing.as_object_mut().unwrap().remove("repo");
        assert_eq!(
            event_from_json(&missing, Names::BuiltIn).unwrap_err().field,
            "repo"
        );
        let mut wrong = start.clone();
        wrong["idle"] = json!("3.5");
        assert_eq!(
            event_from_json(&wrong, Names::BuiltIn).unwrap_err().field,
            "idle"
        );
        let mut typo = start;
        typo["queue_duraton"] = json!(5);
        assert_eq!(
            event_from_json(&typo, Names::BuiltIn).unwrap_err().field,
            "queue_duraton"
        );
        let misspelt = json!({"event": "runner_instaled", "timestamp": 1});
        assert_eq!(
            event_from_json(&misspelt, Names::BuiltIn)
                .unwrap_err()
                .field,
            "event"
        );
        assert!(event_from_json(&misspelt, Names::Custom).is_ok());
    }

    #[test]
    fn pairs_read_as_their_fields_want() {
        let pairs: Vec<(String, String)> = [
            ("timestamp", "1"),
            ("flavor", "123"),
            ("workflow", "CI"),
            ("repo", "o/r"),
            ("github_event", "push"),
            ("status", "normal"),
            ("status_info.code", "403"),
            ("job_duration", "61"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let event = event_from_pairs("runner_stop", &pairs, Names::BuiltIn).unwrap();
        let Event::RunnerStop(RunnerStop {
            flavor,
            status_info,
            job_duration,
            ..
        }) = event
        else {
            panic!("{event:?}")
        };
        assert_eq!(flavor, "123");
        assert_eq!(status_info.map(|s| s.code), Some(403));
        assert_eq!(job_duration, 61.0);
    }
}
