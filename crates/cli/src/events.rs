//! The event of the command line: `EVENT KEY=VALUE...` or `--json`, read by
//! `runner_metrics_host::json` (serde on the generated types), with
//! `timestamp` defaulting to now. The component checks the values when it
//! issues the event.

use crate::args::Issue;
use crate::exit::Failure;
use runner_metrics_host::Event;
use runner_metrics_host::json::{self, BUILTIN_EVENTS, JsonError, Names, WideInteger};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// The event `args` describe.
pub fn read(args: &Issue) -> Result<Event, Failure> {
    let names = if args.custom {
        Names::Custom
    } else {
        Names::BuiltIn
    };
    let (name, read) = match &args.json {
        Some(json) => {
            let (value, wide) = parse_json(json, names, list(args))?;
            let name = value.get("event").and_then(Value::as_str).map(String::from);
            // As `KEY=VALUE` does: a custom field takes any integer, so one
            // past 64 bits would pass as the float it was read as.
            let custom = name
                .as_deref()
                .is_some_and(|n| names == Names::Custom && !BUILTIN_EVENTS.contains(&n));
            if let Some(w) = wide.iter().find(|w| custom && w.top) {
                let e = JsonError {
                    field: w.path.clone(),
                    reason: "does not fit a 64-bit integer".into(),
                };
                return Err(invalid_event(e, name.as_deref(), names, list(args)));
            }
            let literals = wide.iter().map(|w| (w.path.as_str(), w.literal.as_str()));
            let read = from_json(value, names).map_err(|e| json::out_of_range(e, literals));
            (name, read)
        }
        None => {
            let name = args
                .event
                .as_ref()
                .ok_or_else(|| Failure::invalid("an event name is required"))?;
            let mut pairs = args
                .fields
                .iter()
                .map(|p| pair(p))
                .collect::<Result<Vec<_>, _>>()?;
            if !pairs.iter().any(|(k, _)| k == "timestamp") {
                pairs.push(("timestamp".into(), now().to_string()));
            }
            (
                Some(name.clone()),
                json::event_from_pairs(name, &pairs, names),
            )
        }
    };
    read.map_err(|e| invalid_event(e, name.as_deref(), names, list(args)))
}

/// The list the component takes the event in: `client.issue`'s `entries`,
/// or `log-file.write`'s `events` for `--file`.
fn list(args: &Issue) -> &'static str {
    if args.file.is_some() {
        "events"
    } else {
        "entries"
    }
}

/// The event of a JSON object in the shape of its line; `timestamp`
/// defaults to now.
pub fn from_json(mut value: Value, names: Names) -> Result<Event, JsonError> {
    if let Some(obj) = value.as_object_mut()
        && !obj.contains_key("timestamp")
    {
        obj.insert("timestamp".into(), now().into());
    }
    json::event_from_json(&value, names)
}

/// The reader's refusal, with the field named as the component names the
/// fields of the one event the CLI passes in `list` (`entries[0].idle`), so
/// that its errors and the component's read alike.
fn invalid_event(e: JsonError, name: Option<&str>, names: Names, list: &str) -> Failure {
    let unknown = names == Names::BuiltIn
        && e.field == "event"
        && name.is_some_and(|n| !BUILTIN_EVENTS.contains(&n));
    let hint = if unknown { " (--custom)" } else { "" };
    Failure::invalid(format!(
        "invalid event: {list}[0].{}: {}{hint}",
        e.field, e.reason
    ))
}

/// `--json`'s text (or stdin's, for `-`) as JSON, and its integers past
/// 64 bits; a key given twice is refused.
fn parse_json(arg: &str, names: Names, list: &str) -> Result<(Value, Vec<WideInteger>), Failure> {
    let text = if arg == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| Failure::other(format!("--json -: reading stdin: {e}")))?
    } else {
        arg.to_string()
    };
    json::parse_noting_wide(&text).map_err(|e| invalid_event(e, None, names, list))
}

fn pair(arg: &str) -> Result<(String, String), Failure> {
    arg.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| Failure::invalid(format!("`{arg}` is not KEY=VALUE")))
}

/// Unix time in seconds.
fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}
