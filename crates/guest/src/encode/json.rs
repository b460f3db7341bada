//! Loki's JSON push body:
//! `{"streams":[{"stream":{labels},"values":[["<ns>","<line>"],...]}]}`.
//!
//! Written straight into the output buffer, byte for byte what serde_json
//! writes for the same structure (the tests below compare the two). Most of
//! the body is the lines, each escaped as a JSON string: every `"` of a line
//! becomes `\"`. serde_json escapes a byte at a time and copies each run
//! between escapes with a `memcpy` (in wasm a `memory.copy`, which wasmtime
//! runs as a call out of the JIT code); here eight bytes are checked and
//! stored at once, and a run is never copied by length.

use super::{Entry, Stream};

/// The `Content-Type` of this encoding.
pub const CONTENT_TYPE: &str = "application/json";

/// Append the push body for `streams` to `out`.
pub fn write(streams: &[Stream<'_>], out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"streams\":[");
    for (i, stream) in streams.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"stream\":{");
        for (j, (name, value)) in stream.labels.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            pair(out, name, value);
        }
        out.extend_from_slice(b"},\"values\":[");
        for (j, entry) in stream.entries.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            value(out, entry);
        }
        out.extend_from_slice(b"]}");
    }
    out.extend_from_slice(b"]}");
}

/// `["<ns>","<line>"]`, or with Loki 3 structured metadata as a third
/// element, a flat object of strings.
fn value(out: &mut Vec<u8>, e: &Entry<'_>) {
    // Loki wants the timestamp as a string of digits, not a JSON number.
    out.extend_from_slice(b"[\"");
    out.extend_from_slice(itoa::Buffer::new().format(e.ts_ns).as_bytes());
    out.extend_from_slice(b"\",");
    string(out, e.line);
    if e.has_metadata() {
        out.extend_from_slice(b",{");
        for (i, (k, v)) in e.metadata().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            pair(out, k, v);
        }
        out.push(b'}');
    }
    out.push(b']');
}

/// `"name":"value"`.
fn pair(out: &mut Vec<u8>, name: &str, value: &str) {
    string(out, name);
    out.push(b':');
    string(out, value);
}

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` that JSON must escape (a control
/// character, `"` or `\`). The lowest set bit is always exact; bits above
/// it may be false alarms (a borrow carried up), so only the lowest is used.
#[inline(always)]
fn special(w: u64) -> u64 {
    let control = w.wrapping_sub(LOW * 0x20) & !w;
    let q = w ^ (LOW * u64::from(b'"'));
    let quote = q.wrapping_sub(LOW) & !q;
    let b = w ^ (LOW * u64::from(b'\\'));
    let backslash = b.wrapping_sub(LOW) & !b;
    (control | quote | backslash) & HIGH
}

/// `s` as a JSON string, quotes included, escaped exactly as serde_json
/// does: `\"`, `\\`, `\b \t \n \f \r`, other control characters as
/// `\u00XX` (lower-case hex), everything else (UTF-8 included) as it is.
fn string(out: &mut Vec<u8>, s: &str) {
    let s = s.as_bytes();
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut i = 0;
    while i + 8 <= s.len() {
        let word: [u8; 8] = s[i..i + 8].try_into().expect("eight bytes");
        let found = special(u64::from_le_bytes(word));
        // Store all eight bytes; keep those before the first special one.
        let keep = if found == 0 {
            8
        } else {
            (found.trailing_zeros() / 8) as usize
        };
        out.reserve(8);
        let len = out.len();
        // SAFETY: `reserve(8)` leaves room for eight more bytes; of those
        // written, only the `keep` initialized by `word` are counted.
        unsafe {
            std::ptr::copy_nonoverlapping(word.as_ptr(), out.as_mut_ptr().add(len), 8);
            out.set_len(len + keep);
        }
        i += keep;
        if keep < 8 {
            escape(out, s[i]);
            i += 1;
        }
    }
    for &b in &s[i..] {
        if b < 0x20 || b == b'"' || b == b'\\' {
            escape(out, b);
        } else {
            out.push(b);
        }
    }
    out.push(b'"');
}

/// The escape of one byte that needs one.
#[cold]
#[inline(never)]
fn escape_slow(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match b {
        0x08 => b'b',
        b'\t' => b't',
        b'\n' => b'n',
        0x0c => b'f',
        b'\r' => b'r',
        _ => {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// `\"` and `\\` (the ones a line is full of) inline; the rest out of line.
#[inline(always)]
fn escape(out: &mut Vec<u8>, b: u8) {
    if b == b'"' || b == b'\\' {
        out.extend_from_slice(&[b'\\', b]);
    } else {
        escape_slow(out, b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::Entry;
    use serde_json::{Map, Value, json};

    /// What serde_json writes for the same body: the reference.
    fn reference(streams: &[Stream<'_>]) -> Vec<u8> {
        let streams: Vec<Value> = streams
            .iter()
            .map(|s| {
                let labels: Map<String, Value> = s
                    .labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), json!(v)))
                    .collect();
                let values: Vec<Value> = s
                    .entries
                    .iter()
                    .map(|e| {
                        let mut v = vec![json!(e.ts_ns.to_string()), json!(e.line)];
                        if e.has_metadata() {
                            let m: Map<String, Value> =
                                e.metadata().map(|(k, v)| (k.clone(), json!(v))).collect();
                            v.push(Value::Object(m));
                        }
                        Value::Array(v)
                    })
                    .collect();
                json!({"stream": labels, "values": values})
            })
            .collect();
        serde_json::to_vec(&json!({ "streams": streams })).unwrap()
    }

    fn body(streams: &[Stream<'_>]) -> Vec<u8> {
        let mut out = b"kept".to_vec();
        write(streams, &mut out);
        assert_eq!(&out[..4], b"kept", "appends");
        out.drain(..4);
        out
    }

    #[test]
    fn every_byte_escapes_as_serde_json_does() {
        // Each byte value at each offset of an eight-byte word, and in the
        // tail, between plain text and next to other escapes.
        let mut lines: Vec<String> = Vec::new();
        for b in 0u8..=0x7f {
            for pad in 0..17 {
                let mut s = "x".repeat(pad);
                s.push(char::from(b));
                s.push_str("yz\"\\");
                s.push(char::from(b));
                lines.push(s);
            }
        }
        lines.push(String::new());
        lines.push("ünï 日本 \u{2028} \u{7f} \u{85}".repeat(5));
        lines.push(r#"{"timestamp":1764000000.5,"event":"runner_start","flavor":"small"}"#.into());
        lines.push("\"".repeat(40));
        lines.push("\u{1}\u{1f}\u{0}".repeat(9));
        let shared = vec![("trace\"id".to_string(), "a\nb".to_string())];
        let own = vec![("k".to_string(), "\u{7}v".to_string())];
        let entries: Vec<Entry<'_>> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| Entry {
                ts_ns: 1_764_000_000_000_000_000 + i as u64,
                line: l,
                shared: if i % 3 == 0 { &shared } else { &[] },
                own: if i % 5 == 0 { &own } else { &[] },
            })
            .collect();
        let streams = vec![
            Stream {
                labels: vec![("job", "metrics"), ("event", "a\"b\\c\td")],
                entries: entries.clone(),
            },
            Stream {
                labels: vec![("event", "x")],
                entries: vec![],
            },
            Stream {
                labels: vec![],
                entries: entries[..3].to_vec(),
            },
        ];
        assert_eq!(
            String::from_utf8(body(&streams)).unwrap(),
            String::from_utf8(reference(&streams)).unwrap()
        );
        assert_eq!(body(&[]), reference(&[]));
    }
}
