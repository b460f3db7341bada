//! The JSON line of one event, byte-identical to the Python runner manager's
//! `event.json(exclude_none=True)`: compact separators, keys `timestamp`,
//! `event`, then the record's fields in declaration order, `none` left out,
//! floats always with a fraction or exponent (`12.0`).

use crate::event::name as event_name;
use crate::{Event, FieldValue};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// Append the line for `event` (no trailing newline) to `out`.
///
/// The event must have passed validation: a non-finite float would be
/// written as `null`, as serde_json (and pydantic) do.
pub fn write(event: &Event, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    let mut ser = serde_json::Serializer::new(out);
    let mut map = ser.serialize_map(None)?;
    let name = event_name(event);
    match event {
        Event::RunnerInstalled(e) => {
            head(&mut map, e.timestamp, name)?;
            map.serialize_entry("flavor", &e.flavor)?;
            map.serialize_entry("duration", &e.duration)?;
        }
        Event::RunnerStart(e) => {
            head(&mut map, e.timestamp, name)?;
            map.serialize_entry("flavor", &e.flavor)?;
            map.serialize_entry("workflow", &e.workflow)?;
            map.serialize_entry("repo", &e.repo)?;
            map.serialize_entry("github_event", &e.github_event)?;
            map.serialize_entry("idle", &e.idle)?;
            if let Some(q) = e.queue_duration {
                map.serialize_entry("queue_duration", &q)?;
            }
        }
        Event::RunnerStop(e) => {
            head(&mut map, e.timestamp, name)?;
            map.serialize_entry("flavor", &e.flavor)?;
            map.serialize_entry("workflow", &e.workflow)?;
            map.serialize_entry("repo", &e.repo)?;
            map.serialize_entry("github_event", &e.github_event)?;
            map.serialize_entry("status", &e.status)?;
            if let Some(info) = &e.status_info {
                map.serialize_entry("status_info", &Code { code: info.code })?;
            }
            map.serialize_entry("job_duration", &e.job_duration)?;
            if let Some(c) = &e.job_conclusion {
                map.serialize_entry("job_conclusion", c)?;
            }
        }
        Event::Reconciliation(e) => {
            head(&mut map, e.timestamp, name)?;
            map.serialize_entry("flavor", &e.flavor)?;
            map.serialize_entry("crashed_runners", &e.crashed_runners)?;
            map.serialize_entry("idle_runners", &e.idle_runners)?;
            map.serialize_entry("active_runners", &e.active_runners)?;
            map.serialize_entry("expected_runners", &e.expected_runners)?;
            map.serialize_entry("duration", &e.duration)?;
        }
        Event::Custom(e) => {
            head(&mut map, e.timestamp, name)?;
            for (key, value) in &e.fields {
                match value {
                    FieldValue::Boolean(b) => map.serialize_entry(key, b)?,
                    FieldValue::Integer(i) => map.serialize_entry(key, i)?,
                    FieldValue::Number(n) => map.serialize_entry(key, n)?,
                    FieldValue::Text(t) => map.serialize_entry(key, t)?,
                }
            }
        }
    }
    map.end()
}

fn head<M: SerializeMap>(map: &mut M, timestamp: f64, name: &str) -> Result<(), M::Error> {
    map.serialize_entry("timestamp", &timestamp)?;
    map.serialize_entry("event", name)
}

/// `status_info`, nested as the Python `CodeInformation` model writes it.
#[derive(Serialize)]
struct Code {
    code: i64,
}
