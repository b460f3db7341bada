//! Event validation: everything the Python models let through that would make
//! a line Loki or the dashboards cannot use, and everything that would make
//! the work for one event unbounded. Runs before any encoding, so an invalid
//! event sends nothing and allocates nothing large.

use crate::error::{Error, invalid_event, number, quoted};
use crate::event::BUILTIN_EVENTS;
use crate::{Event, FieldValue};
use std::collections::HashSet;

/// Longest custom event name or field key, in bytes.
pub const MAX_NAME_LEN: usize = 128;
/// Most fields a custom event may have (see `custom-event.fields`).
pub const MAX_FIELDS: usize = 1024;

/// Check one event, whose line may be at most `max_line` bytes long.
pub fn event(event: &Event, max_line: usize) -> Result<(), Error> {
    // The text of an event is a lower bound of its line's length, so an
    // event refused here is refused before a byte of its line is written.
    let text = text_bytes(event);
    if text > max_line {
        return Err(invalid_event(
            "event",
            format!(
                "its line would be over {max_line} bytes (the limit `max-line-bytes`): its text alone is {text}"
            ),
        ));
    }
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
            if e.fields.len() > MAX_FIELDS {
                return Err(invalid_event(
                    "fields",
                    format!("{} fields; at most {MAX_FIELDS}", e.fields.len()),
                ));
            }
            let mut seen = HashSet::with_capacity(e.fields.len());
            for (i, (key, value)) in e.fields.iter().enumerate() {
                // Formatted only for an error: this runs for every field.
                let at = || format!("fields[{i}]");
                custom_name(key).map_err(|why| invalid_event(at(), why))?;
                if key == "timestamp" || key == "event" {
                    return Err(invalid_event(at(), format!("key `{key}` is reserved")));
                }
                if !seen.insert(key.as_str()) {
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

/// The bytes of the event's strings: what its line holds at the least.
fn text_bytes(event: &Event) -> usize {
    match event {
        Event::RunnerInstalled(e) => e.flavor.len(),
        Event::RunnerStart(e) => {
            e.flavor.len() + e.workflow.len() + e.repo.len() + e.github_event.len()
        }
        Event::RunnerStop(e) => {
            e.flavor.len()
                + e.workflow.len()
                + e.repo.len()
                + e.github_event.len()
                + e.status.len()
                + e.job_conclusion.as_ref().map_or(0, String::len)
        }
        Event::Reconciliation(e) => e.flavor.len(),
        Event::Custom(e) => {
            e.name.len()
                + e.fields
                    .iter()
                    .map(|(k, v)| {
                        k.len()
                            + match v {
                                FieldValue::Text(t) => t.len(),
                                _ => 0,
                            }
                    })
                    .sum::<usize>()
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CustomEvent, RunnerInstalled};

    fn custom(fields: Vec<(String, FieldValue)>) -> Event {
        Event::Custom(CustomEvent {
            name: "x".into(),
            timestamp: 1.0,
            fields,
        })
    }

    #[test]
    fn many_fields_are_checked_in_linear_time_and_capped() {
        let distinct: Vec<_> = (0..MAX_FIELDS)
            .map(|i| (format!("k{i}"), FieldValue::Integer(1)))
            .collect();
        assert!(event(&custom(distinct.clone()), usize::MAX).is_ok());
        let mut dup = distinct.clone();
        dup[MAX_FIELDS - 1].0 = "k3".into();
        let Err(Error::InvalidEvent(e)) = event(&custom(dup), usize::MAX) else {
            panic!("a duplicate key is refused")
        };
        assert_eq!(e.field, format!("fields[{}]", MAX_FIELDS - 1));
        let mut over = distinct;
        over.push(("extra".into(), FieldValue::Boolean(true)));
        let Err(Error::InvalidEvent(e)) = event(&custom(over), usize::MAX) else {
            panic!("too many fields are refused")
        };
        assert_eq!(e.field, "fields");
    }

    #[test]
    fn a_huge_text_is_refused_before_its_line_is_written() {
        let big = Event::RunnerInstalled(RunnerInstalled {
            timestamp: 1.0,
            flavor: "x".repeat(300_000),
            duration: 1.0,
        });
        let Err(Error::InvalidEvent(e)) = event(&big, 262_144) else {
            panic!("refused")
        };
        assert_eq!(e.field, "event");
        assert!(e.reason.contains("262144"), "{}", e.reason);
    }
}
