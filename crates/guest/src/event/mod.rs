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

/// The most bytes the lines of one call may come to (the WIT's
/// `client.issue`). Checked after each line, so the buffer holds at most
/// this and one line (`max-line-bytes`, 100 MiB at most), and its capacity
/// doubles to 1 GiB at most: a `Vec` on wasm32 cannot pass 2 GiB (it
/// panics, a trap), and with the text a host may pass (256 MiB) and the
/// encoder, a call stays well inside the component's 4 GiB.
pub const CALL_LINES_MAX: usize = 1 << 29;

/// The refusal of a call whose lines come to more than [`CALL_LINES_MAX`].
pub fn too_many_lines(list: &str) -> crate::error::Error {
    crate::error::invalid_event(
        list,
        format!("their lines come to more than {CALL_LINES_MAX} bytes, the most one call takes"),
    )
}

/// Why a line of `len` bytes is refused, over `max` (`max-line-bytes`, or
/// its default for a `log-file`): the same words for a client and a log
/// file.
pub fn line_too_long(len: usize, max: usize) -> String {
    format!("its line is {len} bytes, over {max} (the limit `max-line-bytes`)")
}

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

#[cfg(test)]
mod tests {
    use super::CALL_LINES_MAX;
    use crate::error::Error;

    /// The limit is the WIT's: `client.issue`'s doc states the number in
    /// the refusal's own words, so the two cannot drift apart.
    #[test]
    fn the_wit_states_the_line_limit() {
        let wit = include_str!("../../../../wit/promtail.wit");
        let words: Vec<&str> = wit.split_whitespace().filter(|w| *w != "///").collect();
        let doc = words.join(" ");
        let Error::InvalidEvent(refusal) = super::too_many_lines("entries") else {
            panic!("too_many_lines is invalid-event");
        };
        assert!(refusal.reason.contains(&CALL_LINES_MAX.to_string()));
        assert!(
            doc.contains(&format!("`{}`", refusal.reason)),
            "wit/promtail.wit does not state {:?}",
            refusal.reason
        );
    }
}
