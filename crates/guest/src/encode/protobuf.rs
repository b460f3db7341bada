//! Loki's protobuf push body: `logproto.PushRequest` (declared once, in the
//! `runner-metrics-logproto` crate), snappy block-compressed by the caller.

use super::streams::Stream;
use prost::Message;
use runner_metrics_logproto::{PushRequest, Timestamp};

pub use runner_metrics_logproto::CONTENT_TYPE;

/// Append the encoded `PushRequest` for `streams` to `out` (uncompressed).
///
/// `request` is the message of the previous call: its strings and vectors are
/// filled again in place, so a steady stream of requests allocates nothing
/// per line (in wasm an allocation and a free cost more than the copy).
pub fn write(streams: &[Stream<'_>], request: &mut PushRequest, out: &mut Vec<u8>) {
    refill(&mut request.streams, streams, |m, s| {
        m.labels.clear();
        selector_into(&s.labels, &mut m.labels);
        m.hash = 0;
        refill(&mut m.entries, &s.entries, |m, e| {
            m.timestamp = Some(Timestamp::from_unix_ns(e.ts_ns));
            m.line.clear();
            m.line.push_str(e.line);
            refill(
                &mut m.structured_metadata,
                e.metadata(),
                |m, (name, value)| {
                    m.name.clear();
                    m.name.push_str(name);
                    m.value.clear();
                    m.value.push_str(value);
                },
            );
            m.parsed.clear();
        });
    });
    // Encoding into a Vec cannot run out of room.
    let _ = request.encode(out);
}

/// Make `messages` one per item of `from`, reusing the messages it has,
/// each set from its item.
fn refill<M: Default, T>(
    messages: &mut Vec<M>,
    from: impl IntoIterator<Item = T>,
    mut set: impl FnMut(&mut M, T),
) {
    let mut n = 0;
    for item in from {
        match messages.get_mut(n) {
            Some(m) => set(m, item),
            None => {
                let mut m = M::default();
                set(&mut m, item);
                messages.push(m);
            }
        }
        n += 1;
    }
    messages.truncate(n);
}

/// `{a="1", b="2"}`, values quoted as Go's `strconv.Quote` does, which is
/// what Loki's label parser reads back.
pub fn selector(labels: &[(&str, &str)]) -> String {
    let mut out = String::new();
    selector_into(labels, &mut out);
    out
}

/// [`selector`], appended to `out`.
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
    use crate::encode::streams::Entry;

    #[test]
    fn a_reused_message_encodes_as_a_fresh_one() {
        let shared = vec![("a".to_string(), "1".to_string())];
        let own = vec![("b".to_string(), "2".to_string())];
        let entry = |i: u64, line: &'static str, meta: bool| Entry {
            ts_ns: 1_764_000_000_000_000_000 + i,
            line,
            shared: if meta { &shared } else { &[] },
            own: if meta { &own } else { &[] },
        };
        let big = vec![
            Stream {
                labels: vec![("job", "metrics"), ("event", "long_name")],
                entries: vec![entry(1, "a much longer line", true), entry(2, "x", true)],
            },
            Stream {
                labels: vec![("event", "b")],
                entries: vec![entry(3, "y", false)],
            },
        ];
        let small = vec![Stream {
            labels: vec![("event", "c")],
            entries: vec![entry(4, "z", false)],
        }];
        let mut reused = PushRequest::default();
        for streams in [&big, &small, &big, &small] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            write(streams, &mut reused, &mut a);
            write(streams, &mut PushRequest::default(), &mut b);
            assert_eq!(a, b);
            let back = PushRequest::decode(&a[..]).unwrap();
            assert_eq!(back.streams.len(), streams.len());
            assert_eq!(back.streams[0].labels, selector(&streams[0].labels));
            let lines: Vec<&str> = back.streams[0]
                .entries
                .iter()
                .map(|e| e.line.as_str())
                .collect();
            let want: Vec<&str> = streams[0].entries.iter().map(|e| e.line).collect();
            assert_eq!(lines, want);
        }
    }

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
