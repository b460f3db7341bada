//! Loki's protobuf push body: `logproto.PushRequest`, snappy block-compressed
//! by the caller. Written with prost's wire primitives straight from the
//! borrowed streams, so that no line is copied into an owned message first;
//! the messages, declared with prost's derive as Loki's `push.proto` defines
//! them, are kept for the tests and the fuzz target, which check that the
//! two agree byte for byte.

use super::{Entry, Stream};
use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint, key_len};

/// The `Content-Type` of this encoding; Loki takes any non-JSON type as protobuf.
pub const CONTENT_TYPE: &str = "application/x-protobuf";

/// Append the encoded `PushRequest` for `streams` to `out` (uncompressed).
pub fn write(streams: &[Stream<'_>], out: &mut Vec<u8>) {
    let mut labels = String::new();
    for stream in streams {
        labels.clear();
        selector_into(&stream.labels, &mut labels);
        // StreamAdapter: labels = 1, entries = 2 (`hash` = 3 stays 0, so
        // proto3 leaves it out).
        let entries: usize = stream
            .entries
            .iter()
            .map(|e| delimited_len(2, entry_len(e)))
            .sum();
        delimited_head(out, 1, string_len(1, &labels) + entries);
        string(out, 1, &labels);
        for e in &stream.entries {
            delimited_head(out, 2, entry_len(e));
            // EntryAdapter: timestamp = 1 (always present, as `Some`), line
            // = 2, structuredMetadata = 3.
            let (seconds, nanos) = split_ns(e.ts_ns);
            delimited_head(out, 1, timestamp_len(seconds, nanos));
            varint_field(out, 1, seconds);
            varint_field(out, 2, nanos);
            string(out, 2, e.line);
            for (name, value) in e.metadata() {
                delimited_head(out, 3, string_len(1, name) + string_len(2, value));
                string(out, 1, name);
                string(out, 2, value);
            }
        }
    }
}

/// `google.protobuf.Timestamp`: seconds and nanos of Unix nanoseconds.
fn split_ns(ts_ns: u64) -> (u64, u64) {
    (ts_ns / 1_000_000_000, ts_ns % 1_000_000_000)
}

fn entry_len(e: &Entry<'_>) -> usize {
    let (seconds, nanos) = split_ns(e.ts_ns);
    delimited_len(1, timestamp_len(seconds, nanos))
        + string_len(2, e.line)
        + e.metadata()
            .map(|(n, v)| delimited_len(3, string_len(1, n) + string_len(2, v)))
            .sum::<usize>()
}

fn timestamp_len(seconds: u64, nanos: u64) -> usize {
    varint_field_len(1, seconds) + varint_field_len(2, nanos)
}

/// A length-delimited field's key and length prefix.
fn delimited_head(out: &mut Vec<u8>, tag: u32, len: usize) {
    encode_key(tag, WireType::LengthDelimited, out);
    encode_varint(len as u64, out);
}

fn delimited_len(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

/// A string field; proto3 leaves out the empty string.
fn string(out: &mut Vec<u8>, tag: u32, s: &str) {
    if !s.is_empty() {
        delimited_head(out, tag, s.len());
        out.extend_from_slice(s.as_bytes());
    }
}

fn string_len(tag: u32, s: &str) -> usize {
    if s.is_empty() {
        0
    } else {
        delimited_len(tag, s.len())
    }
}

/// A varint field (int64, int32 of a non-negative value); proto3 leaves out 0.
fn varint_field(out: &mut Vec<u8>, tag: u32, v: u64) {
    if v != 0 {
        encode_key(tag, WireType::Varint, out);
        encode_varint(v, out);
    }
}

fn varint_field_len(tag: u32, v: u64) -> usize {
    if v == 0 {
        0
    } else {
        key_len(tag) + encoded_len_varint(v)
    }
}

/// The messages of Loki's `push.proto`, for reading a body back.
#[cfg(any(test, fuzzing))]
pub mod messages {
    use prost::Message;

    #[derive(Clone, PartialEq, Message)]
    pub struct PushRequest {
        #[prost(message, repeated, tag = "1")]
        pub streams: Vec<StreamAdapter>,
    }

    #[derive(Clone, PartialEq, Message)]
    pub struct StreamAdapter {
        /// A selector string, `{name="value", ...}`.
        #[prost(string, tag = "1")]
        pub labels: String,
        #[prost(message, repeated, tag = "2")]
        pub entries: Vec<EntryAdapter>,
        /// Left 0; Loki computes it.
        #[prost(uint64, tag = "3")]
        pub hash: u64,
    }

    #[derive(Clone, PartialEq, Message)]
    pub struct EntryAdapter {
        #[prost(message, optional, tag = "1")]
        pub timestamp: Option<Timestamp>,
        #[prost(string, tag = "2")]
        pub line: String,
        #[prost(message, repeated, tag = "3")]
        pub structured_metadata: Vec<LabelPairAdapter>,
    }

    #[derive(Clone, PartialEq, Message)]
    pub struct LabelPairAdapter {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "2")]
        pub value: String,
    }

    /// `google.protobuf.Timestamp`.
    #[derive(Clone, Copy, PartialEq, Message)]
    pub struct Timestamp {
        #[prost(int64, tag = "1")]
        pub seconds: i64,
        #[prost(int32, tag = "2")]
        pub nanos: i32,
    }
}

/// `{a="1", b="2"}`, values quoted as Go's `strconv.Quote` does, which is
/// what Loki's label parser reads back.
fn selector_into(labels: &[(&str, &str)], out: &mut String) {
    out.push('{');
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        out.push('=');
        go_quote(value, out);
    }
    out.push('}');
}

/// Go's `strconv.Quote`: `"` and `\` escaped, control characters as `\n`,
/// `\t`, ... or `\xNN` / `\uNNNN`; printable characters as they are. Of the
/// other characters Go's `IsPrint` rejects, only the common format ones are
/// escaped (a full table would cost kilobytes): `strconv.Unquote`, which Loki
/// parses with, reads the rest unescaped as the same value.
pub fn go_quote(s: &str, out: &mut String) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() || is_go_nonprint(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Non-control characters Go's `IsPrint` rejects and `Quote` escapes: the
/// format and separator characters most likely to appear by accident.
fn is_go_nonprint(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        let cases = [
            ("plain", r#""plain""#),
            (r#"a"b\c"#, r#""a\"b\\c""#),
            ("tab\tnl\n", r#""tab\tnl\n""#),
            ("\u{1}\u{7f}", r#""\x01\x7f""#),
            ("ünï 日本", "\"ünï 日本\""),
            ("\u{85}zw\u{200b}", r#""\u0085zw\u200b""#),
        ];
        for (input, want) in cases {
            let mut got = String::new();
            go_quote(input, &mut got);
            assert_eq!(got, want);
        }
        let mut labels = String::new();
        selector_into(&[("job", "metrics"), ("event", "a\"b")], &mut labels);
        assert_eq!(labels, r#"{job="metrics", event="a\"b"}"#);
    }

    /// The same request through prost's derived messages: the bytes agree.
    #[test]
    fn writes_what_the_derived_messages_encode() {
        use super::messages::*;
        use prost::Message;
        let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
        let shared = [pair("host", "r1")];
        let own = [pair("trace_id", "abc"), pair("", ""), pair("empty", "")];
        let long = "x".repeat(300);
        let entry = |ts_ns, line, own| Entry {
            ts_ns,
            line,
            shared: &shared,
            own,
        };
        let streams = [
            Stream {
                labels: vec![("job", "metrics"), ("event", "a\"b")],
                entries: vec![
                    entry(1_764_000_000_123_456_789, "{\"a\":1}", &own[..]),
                    entry(0, "", &[]),
                    entry(5_000_000_000, &long, &[]),
                    entry(999, "zero seconds", &own[..]),
                ],
            },
            Stream {
                labels: vec![("event", "")],
                entries: vec![],
            },
        ];
        let mut ours = Vec::new();
        write(&streams, &mut ours);
        let derived = PushRequest {
            streams: streams
                .iter()
                .map(|s| {
                    let mut labels = String::new();
                    selector_into(&s.labels, &mut labels);
                    StreamAdapter {
                        labels,
                        hash: 0,
                        entries: s
                            .entries
                            .iter()
                            .map(|e| EntryAdapter {
                                timestamp: Some(Timestamp {
                                    seconds: (e.ts_ns / 1_000_000_000) as i64,
                                    nanos: (e.ts_ns % 1_000_000_000) as i32,
                                }),
                                line: e.line.to_string(),
                                structured_metadata: e
                                    .metadata()
                                    .map(|(name, value)| LabelPairAdapter {
                                        name: name.clone(),
                                        value: value.clone(),
                                    })
                                    .collect(),
                            })
                            .collect(),
                    }
                })
                .collect(),
        };
        assert_eq!(ours, derived.encode_to_vec());
        assert_eq!(PushRequest::decode(ours.as_slice()).unwrap(), derived);
    }
}
