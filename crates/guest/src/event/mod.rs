//! One event on its way to becoming a line: its name and timestamp (the
//! functions below), its validation (`validate`), and its JSON line (`line`).

pub mod line;
pub mod validate;

use crate::Event;

/// The JSON names of the built-in events: the snake_case of their WIT case
/// names. Custom events may not reuse them.
pub const BUILTIN_EVENTS: [&str; 4] = [
    "runner_installed",
    "runner_start",
    "runner_stop",
    "reconciliation",
];

/// The name of an event as it appears in the line and the `event` label.
pub fn name(event: &Event) -> &str {
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
