//! Loki's JSON push body:
//! `{"streams":[{"stream":{labels},"values":[["<ns>","<line>"],...]}]}`.

use super::{Entry, Stream};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

/// The `Content-Type` of this encoding.
pub const CONTENT_TYPE: &str = "application/json";

/// Write the push body for `streams` to `out`.
pub fn write<W: std::io::Write>(streams: &[Stream<'_>], out: W) -> Result<(), serde_json::Error> {
    let mut ser = serde_json::Serializer::new(out);
    let mut body = ser.serialize_map(Some(1))?;
    body.serialize_entry("streams", &Streams(streams))?;
    SerializeMap::end(body)
}

struct Streams<'a>(&'a [Stream<'a>]);

impl Serialize for Streams<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(StreamJson))
    }
}

struct StreamJson<'a>(&'a Stream<'a>);

impl Serialize for StreamJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("stream", &Labels(&self.0.labels))?;
        map.serialize_entry("values", &Values(&self.0.entries))?;
        map.end()
    }
}

struct Labels<'a>(&'a [(&'a str, &'a str)]);

impl Serialize for Labels<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

struct Values<'a>(&'a [Entry<'a>]);

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Value))
    }
}

struct Value<'a>(&'a Entry<'a>);

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Loki wants the timestamp as a string of digits, not a JSON number.
        let e = self.0;
        let mut digits = itoa::Buffer::new();
        let mut seq = s.serialize_seq(Some(if e.has_metadata() { 3 } else { 2 }))?;
        seq.serialize_element(digits.format(e.ts_ns))?;
        seq.serialize_element(e.line)?;
        if e.has_metadata() {
            // Loki 3 structured metadata: a flat object of strings.
            seq.serialize_element(&Metadata(e))?;
        }
        seq.end()
    }
}

struct Metadata<'a>(&'a Entry<'a>);

impl Serialize for Metadata<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.metadata().map(|(k, v)| (k, v)))
    }
}
