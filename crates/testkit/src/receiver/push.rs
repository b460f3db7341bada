//! What the receiver records of an accepted push, and of a request it
//! refused on its own.

use bytes::Bytes;

/// One entry as Loki stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEntry {
    /// Unix nanoseconds.
    pub ts_ns: i64,
    /// The log line.
    pub line: String,
    /// Structured metadata, in the order received.
    pub metadata: Vec<(String, String)>,
}

/// One stream of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushStream {
    /// Label pairs, in the order received.
    pub labels: Vec<(String, String)>,
    /// The entries, in the order received.
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
    /// The request headers, as received (names are lower-case).
    pub headers: http::HeaderMap,
    /// The `Content-Length` header's value; `None` when the request had none.
    pub content_length: Option<u64>,
    /// Whether the body came with `Transfer-Encoding: chunked`.
    pub chunked: bool,
    /// Size of the body as it came over the wire.
    pub wire_bytes: usize,
    /// The body as it came over the wire.
    pub body: Bytes,
    /// The streams, decoded as Loki decodes them.
    pub streams: Vec<PushStream>,
}

impl Push {
    /// The value of header `name` (any case), as a lossy string; several
    /// values are joined with `, `.
    pub fn header(&self, name: &str) -> Option<String> {
        let mut values = self.headers.get_all(name).iter().peekable();
        values.peek()?;
        let values: Vec<_> = values
            .map(|v| String::from_utf8_lossy(v.as_bytes()))
            .collect();
        Some(values.join(", "))
    }

    /// Every header as a lower-case name and a lossy string value; a name
    /// sent twice comes twice, next to each other.
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(n, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_string(), v)
            })
            .collect()
    }

    /// The `Content-Type` header (empty when absent).
    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    /// The `Content-Encoding` header, if any.
    pub fn content_encoding(&self) -> Option<String> {
        self.header("content-encoding")
    }
}

/// A request the receiver refused on its own (not by a scripted answer):
/// a malformed body (400), one over the size limit (413), or a request to
/// another path or with another method than `POST` (404).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The status it answered.
    pub status: u16,
    /// Why, as the answer's body said it (without the trailing newline).
    pub reason: String,
}
