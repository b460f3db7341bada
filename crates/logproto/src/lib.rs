//! Loki's protobuf push messages, as `pkg/push/push.proto` declares them:
//! `logproto.PushRequest` and what it holds. The component encodes them and
//! the test receiver decodes them, so both use these one declarations.
//!
//! A push body is one `PushRequest`, encoded and then snappy
//! block-compressed (not the framed format).

use prost::Message;

/// The `Content-Type` of a protobuf push body. Loki reads any type other than
/// `application/json` as protobuf; this is the one its clients send.
pub const CONTENT_TYPE: &str = "application/x-protobuf";

/// One push: streams of entries.
#[derive(Clone, PartialEq, Message)]
pub struct PushRequest {
    /// The streams, each with its own label set.
    #[prost(message, repeated, tag = "1")]
    pub streams: Vec<StreamAdapter>,
}

/// The entries of one label set.
#[derive(Clone, PartialEq, Message)]
pub struct StreamAdapter {
    /// The label set as a selector string, `{name="value", ...}`, values
    /// quoted as Go's `strconv.Quote` does.
    #[prost(string, tag = "1")]
    pub labels: String,
    /// The entries, in timestamp order.
    #[prost(message, repeated, tag = "2")]
    pub entries: Vec<EntryAdapter>,
    /// Left 0 by clients; Loki computes it.
    #[prost(uint64, tag = "3")]
    pub hash: u64,
}

/// One log line.
#[derive(Clone, PartialEq, Message)]
pub struct EntryAdapter {
    /// When it happened.
    #[prost(message, optional, tag = "1")]
    pub timestamp: Option<Timestamp>,
    /// The line itself.
    #[prost(string, tag = "2")]
    pub line: String,
    /// Loki 3 structured metadata.
    #[prost(message, repeated, tag = "3")]
    pub structured_metadata: Vec<LabelPairAdapter>,
    /// Labels a query parsed out of the line: query-side only, never pushed.
    #[prost(message, repeated, tag = "4")]
    pub parsed: Vec<LabelPairAdapter>,
}

/// A name and a value: a structured metadata pair.
#[derive(Clone, PartialEq, Message)]
pub struct LabelPairAdapter {
    /// The name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// The value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Message)]
pub struct Timestamp {
    /// Whole seconds since the Unix epoch.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds within the second, 0 to 999999999.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl Timestamp {
    /// The timestamp of `ns` Unix nanoseconds.
    pub fn from_unix_ns(ns: u64) -> Timestamp {
        Timestamp {
            seconds: (ns / 1_000_000_000) as i64,
            nanos: (ns % 1_000_000_000) as i32,
        }
    }

    /// Unix nanoseconds; `None` before the epoch or past `u64`.
    pub fn to_unix_ns(self) -> Option<u64> {
        let secs = u64::try_from(self.seconds).ok()?;
        let nanos = u64::try_from(self.nanos).ok()?;
        secs.checked_mul(1_000_000_000)?.checked_add(nanos)
    }
}
