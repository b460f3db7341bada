//! Event validation: everything the Python models let through that would make
//! a line Loki or the dashboards cannot use. Runs before any encoding, so an
//! invalid event sends nothing.

use crate::error::{invalid_event, number, quoted};
use crate::{Error, Event, FieldValue};

/// Longest custom event name or field key, in bytes.
pub const MAX_NAME_LEN: usize = 128;

/// The JSON names of the built-in events; custom events may not reuse them.
pub const BUILTIN_EVENTS: [&str; 4] = [
    "runner_installed",
    "runner_start",
    "runner_stop",
    "reconciliation",
];

/// Check one event.
pub fn event(event: &Event) -> Result<(), Error> {
    match event {
        Event::RunnerInstalled(e) => {
            seconds("timestamp", e.timestamp)?;
            seconds("duration", e.duration)
        }
        Event::RunnerStart(e) => {
            seconds("timestamp", e.timestamp)?;
            seconds("idle", e.idle)?;
            match e.queue_duration {
                Some(q) => seconds("queue_duration", q),
                None => Ok(()),
            }
        }
        Event::RunnerStop(e) => {
            seconds("timestamp", e.timestamp)?;
            seconds("job_duration", e.job_duration)
        }
        Event::Reconciliation(e) => {
            seconds("timestamp", e.timestamp)?;
            count("crashed_runners", e.crashed_runners)?;
            count("idle_runners", e.idle_runners)?;
            count("active_runners", e.active_runners)?;
            count("expected_runners", e.expected_runners)?;
            seconds("duration", e.duration)
        }
        Event::Custom(e) => {
            custom_name(&e.name).map_err(|why| invalid_event("name", why))?;
            if BUILTIN_EVENTS.contains(&e.name.as_str()) {
                return Err(invalid_event(
                    "name",
                    format!("`{}` is a built-in event; use its own case", e.name),
                ));
            }
            seconds("timestamp", e.timestamp)?;
            for (i, (key, value)) in e.fields.iter().enumerate() {
                // Formatted only for an error: this runs for every field.
                let at = || format!("fields[{i}]");
                custom_name(key).map_err(|why| invalid_event(at(), why))?;
                if key == "timestamp" || key == "event" {
                    return Err(invalid_event(at(), format!("key `{key}` is reserved")));
                }
                // Quadratic, but field lists are short and this allocates nothing.
                if e.fields[..i].iter().any(|(k, _)| k == key) {
                    return Err(invalid_event(at(), format!("duplicate key `{key}`")));
                }
                if let FieldValue::Number(n) = value
                    && !n.is_finite()
                {
                    return Err(invalid_event(
                        format!("fields[{i}].{key}"),
                        format!("must be finite, got {}", number(*n)),
                    ));
                }
            }
            Ok(())
        }
    }
}

/// The name of an event as it appears in the line and the `event` label.
pub fn event_name(event: &Event) -> &str {
    match event {
        Event::RunnerInstalled(_) => BUILTIN_EVENTS[0],
        Event::RunnerStart(_) => BUILTIN_EVENTS[1],
        Event::RunnerStop(_) => BUILTIN_EVENTS[2],
        Event::Reconciliation(_) => BUILTIN_EVENTS[3],
        Event::Custom(e) => &e.name,
    }
}

/// The event's own timestamp, Unix seconds.
pub fn timestamp(event: &Event) -> f64 {
    match event {
        Event::RunnerInstalled(e) => e.timestamp,
        Event::RunnerStart(e) => e.timestamp,
        Event::RunnerStop(e) => e.timestamp,
        Event::Reconciliation(e) => e.timestamp,
        Event::Custom(e) => e.timestamp,
    }
}

/// Timestamps and durations: finite and >= 0. The Python original writes
/// infinity as `null`, which no dashboard query can unwrap.
fn seconds(field: &str, value: f64) -> Result<(), Error> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid_event(
            field,
            format!("must be finite and >= 0, got {}", number(value)),
        ))
    }
}

fn count(field: &str, value: i64) -> Result<(), Error> {
    if value >= 0 {
        Ok(())
    } else {
        Err(invalid_event(field, format!("must be >= 0, got {value}")))
    }
}

/// snake_case: `[a-z][a-z0-9_]*`, 1 to `MAX_NAME_LEN` bytes. `Err`: why not.
fn custom_name(name: &str) -> Result<(), String> {
    let bytes = name.as_bytes();
    // Length first, so a huge name is never copied into the error message.
    if bytes.len() > MAX_NAME_LEN {
        return Err(format!(
            "{} bytes is longer than {MAX_NAME_LEN}",
            bytes.len()
        ));
    }
    let ok_first = bytes.first().is_some_and(u8::is_ascii_lowercase);
    let ok_rest = bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
    if !ok_first || !ok_rest {
        return Err(format!("{} must match [a-z][a-z0-9_]*", quoted(name)));
    }
    Ok(())
}
