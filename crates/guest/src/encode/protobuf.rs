//! Loki's protobuf push body: `logproto.PushRequest` (declared once, in the
//! `runner-metrics-logproto` crate), snappy block-compressed by the caller.

use super::Stream;
use prost::Message;
use runner_metrics_logproto::{
    EntryAdapter, LabelPairAdapter, PushRequest, StreamAdapter, Timestamp,
};

pub use runner_metrics_logproto::CONTENT_TYPE;

/// Append the encoded `PushRequest` for `streams` to `out` (uncompressed).
pub fn write(streams: &[Stream<'_>], out: &mut Vec<u8>) {
    let request = PushRequest {
        streams: streams.iter().map(adapter).collect(),
    };
    // Encoding into a Vec cannot run out of room.
    let _ = request.encode(out);
}

fn adapter(stream: &Stream<'_>) -> StreamAdapter {
    StreamAdapter {
        labels: selector(&stream.labels),
        entries: stream
            .entries
            .iter()
            .map(|e| EntryAdapter {
                timestamp: Some(Timestamp::from_unix_ns(e.ts_ns)),
                line: e.line.to_string(),
                structured_metadata: e
                    .metadata()
                    .map(|(name, value)| LabelPairAdapter {
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect(),
                parsed: Vec::new(),
            })
            .collect(),
        hash: 0,
    }
}

/// `{a="1", b="2"}`, values quoted as Go's `strconv.Quote` does, which is
/// what Loki's label parser reads back.
pub fn selector(labels: &[(&str, &str)]) -> String {
    let mut out = String::from("{");
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        out.push('=');
        go_quote(value, &mut out);
    }
    out.push('}');
    out
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
        assert_eq!(
            selector(&[("job", "metrics"), ("event", "a\"b")]),
            r#"{job="metrics", event="a\"b"}"#
        );
    }
}
