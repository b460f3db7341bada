//! The event of the command line: `EVENT KEY=VALUE...` or `--json`, read by
//! `runner_metrics_host::json` (serde on the generated types), with
//! `timestamp` defaulting to now. The component checks the values when it
//! issues the event.

use crate::args::Issue;
use crate::exit::Failure;
use runner_metrics_host::Event;
use runner_metrics_host::json::{self, BUILTIN_EVENTS, JsonError, Names};
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
            let value = parse_json(json)?;
            let name = value.get("event").and_then(Value::as_str).map(String::from);
            (name, from_json(value, names))
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
            match pairs.iter().position(|(k, _)| k == "timestamp") {
                Some(at) => move_to_end(&mut pairs, at),
                None => pairs.push(("timestamp".into(), now().to_string())),
            }
            (
                Some(name.clone()),
                json::event_from_pairs(name, &pairs, names),
            )
        }
    };
    read.map_err(|e| invalid_event(e, name.as_deref(), names))
}

/// The event of a JSON object in the shape of its line; `timestamp`
/// defaults to now.
pub fn from_json(mut value: Value, names: Names) -> Result<Event, JsonError> {
    if let Some(obj) = value.as_object_mut() {
        // `timestamp` and `event` last (see `move_to_end`).
        let timestamp = obj
            .shift_remove("timestamp")
            .unwrap_or_else(|| now().into());
        obj.insert("timestamp".into(), timestamp);
        if let Some(event) = obj.shift_remove("event") {
            obj.insert("event".into(), event);
        }
    }
    json::event_from_json(&value, names)
}

/// A custom event's fields keep their order only if the keys the reader
/// takes out (`timestamp`, `event`) come last: `runner_metrics_host::json`
/// removes them with `serde_json::Map::remove`, which with `preserve_order`
/// is `swap_remove` and moves the last field into their place. Reported
/// to the host's owners; harmless once it uses `shift_remove`.
fn move_to_end<T>(items: &mut Vec<T>, at: usize) {
    let item = items.remove(at);
    items.push(item);
}

fn invalid_event(e: JsonError, name: Option<&str>, names: Names) -> Failure {
    let unknown = names == Names::BuiltIn
        && e.field == "event"
        && name.is_some_and(|n| !BUILTIN_EVENTS.contains(&n));
    let hint = if unknown { " (--custom)" } else { "" };
    Failure::invalid(format!("invalid event: {e}{hint}"))
}

fn parse_json(arg: &str) -> Result<Value, Failure> {
    let text = if arg == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| Failure::other(format!("--json -: reading stdin: {e}")))?
    } else {
        arg.to_string()
    };
    serde_json::from_str(&text).map_err(|e| Failure::invalid(format!("--json: {e}")))
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
