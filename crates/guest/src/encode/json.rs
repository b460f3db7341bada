//! Loki's JSON push body:
//! `{"streams":[{"stream":{labels},"values":[["<ns>","<line>"],...]}]}`.
//!
//! Written straight into the output buffer, byte for byte what serde_json
//! writes for the same structure (the tests below compare the two). Most of
//! the body is the lines, each escaped as a JSON string: every `"` of a line
//! becomes `\"`, and a line has a quote every few bytes. serde_json copies
//! each run between escapes with a `memcpy` (in wasm a `memory.copy`, which
//! wasmtime runs as a call out of the JIT code) and checks capacity per
//! write; here the escaped bytes are stored one by one into room reserved
//! per block of 64, with no call and no check per byte.

use super::streams::{Entry, Stream};

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

/// What each byte becomes in a JSON string: 0 itself, `u` the six bytes
/// `\u00XX`, anything else a backslash and that byte (serde_json's table).
const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b'u';
        b += 1;
    }
    t[0x08] = b'b';
    t[b'\t' as usize] = b't';
    t[b'\n' as usize] = b'n';
    t[0x0c] = b'f';
    t[b'\r' as usize] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Bytes escaped per block: the block's worst case (six bytes out for
/// each byte in) is reserved once, and the block is written with no
/// capacity or bounds check per byte.
const BLOCK: usize = 64;

/// `s` as a JSON string, quotes included, escaped exactly as serde_json
/// does: `\"`, `\\`, `\b \t \n \f \r`, other control characters as
/// `\u00XX` (lower-case hex), everything else (UTF-8 included) as it is.
/// Not inlined: its five callers would carry five copies of the loop (3 KB
/// of the component) for no measurable speed.
#[inline(never)]
fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for block in s.as_bytes().chunks(BLOCK) {
        out.reserve(block.len() * 6);
        let start = out.len();
        // SAFETY: `reserve` made room for six bytes per byte of the block,
        // the most any byte becomes; `n` counts the bytes written, all
        // initialized, before `set_len`.
        unsafe {
            let dst = out.as_mut_ptr().add(start);
            let mut n = 0;
            for &b in block {
                let e = ESCAPE[usize::from(b)];
                if e == 0 {
                    *dst.add(n) = b;
                    n += 1;
                } else if e != b'u' {
                    *dst.add(n) = b'\\';
                    *dst.add(n + 1) = e;
                    n += 2;
                } else {
                    let u = [
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        HEX[usize::from(b >> 4)],
                        HEX[usize::from(b & 0xf)],
                    ];
                    std::ptr::copy_nonoverlapping(u.as_ptr(), dst.add(n), 6);
                    n += 6;
                }
            }
            out.set_len(start + n);
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::streams::Entry;
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
