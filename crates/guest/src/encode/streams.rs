//! What the encoders take: streams of entries, each a line with its
//! timestamp and structured metadata. The batch builds them; `json` and
//! `protobuf` write them.

/// Structured metadata pairs.
pub type Pairs = [(String, String)];

/// One log entry.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Unix nanoseconds, the Loki entry timestamp.
    pub ts_ns: u64,
    /// The JSON line of the event.
    pub line: &'a str,
    /// Structured metadata from the config, written first.
    pub shared: &'a Pairs,
    /// This entry's own structured metadata.
    pub own: &'a Pairs,
}

impl Entry<'_> {
    pub fn has_metadata(&self) -> bool {
        !self.shared.is_empty() || !self.own.is_empty()
    }

    pub fn metadata(&self) -> impl Iterator<Item = &(String, String)> {
        self.shared.iter().chain(self.own)
    }
}

/// Entries that share one label set.
#[derive(Debug, Clone)]
pub struct Stream<'a> {
    /// Label names and values, in the order they are written.
    pub labels: Vec<(&'a str, &'a str)>,
    /// The stream's entries, in the order they are written.
    pub entries: Vec<Entry<'a>>,
}
