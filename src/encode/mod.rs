//! Encoding: the JSON line of an event, and the Loki push body that carries
//! lines to the receiver.

pub mod json;
pub mod line;

/// One log entry: a line and when it was pushed.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Unix nanoseconds, the Loki entry timestamp.
    pub ts_ns: u64,
    /// The JSON line of the event.
    pub line: &'a str,
}

/// Entries that share one label set.
#[derive(Debug, Clone)]
pub struct Stream<'a> {
    /// Label names and values, in the order they are written.
    pub labels: Vec<(&'a str, &'a str)>,
    /// The stream's entries, in the order they are written.
    pub entries: Vec<Entry<'a>>,
}
