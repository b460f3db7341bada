//! What the receiver records of an accepted push.

use bytes::Bytes;

/// One entry as Loki stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEntry {
    /// Unix nanoseconds.
    pub ts_ns: i64,
    pub line: String,
    /// Structured metadata, in the order received.
    pub metadata: Vec<(String, String)>,
}

/// One stream of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushStream {
    /// Label pairs, in the order received.
    pub labels: Vec<(String, String)>,
    pub entries: Vec<PushEntry>,
}

impl PushStream {
    /// The value of label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One accepted request.
#[derive(Debug, Clone)]
pub struct Push {
    pub headers: http::HeaderMap,
    /// Size of the body as it came over the wire.
    pub wire_bytes: usize,
    /// The body as it came over the wire.
    pub body: Bytes,
    pub streams: Vec<PushStream>,
}
