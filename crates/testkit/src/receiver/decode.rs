//! Decoding a push body the way Loki's distributor does, and refusing it
//! with the reasons Loki gives (as a 400) when it is malformed.

use super::selector::parse_selector;
use super::{PushEntry, PushStream};
use prost::Message;
use runner_metrics_logproto::PushRequest;
use serde_json::Value;
use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Loki's `max_label_names_per_series` default.
const MAX_LABELS: usize = 15;
const MAX_LABEL_NAME_LEN: usize = 1024;
const MAX_LABEL_VALUE_LEN: usize = 2048;
/// Loki's `max_line_size` default (256 KB).
const MAX_LINE: usize = 256 * 1024;
/// `reject_old_samples_max_age` default.
const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// `creation_grace_period` default.
const MAX_AHEAD: Duration = Duration::from_secs(10 * 60);

/// Decode a body by its headers, checking that the bytes really are what
/// the headers say. `Err` is the text of a 400 answer.
pub fn decode(
    content_type: &str,
    content_encoding: &str,
    body: &[u8],
    limit: usize,
) -> Result<Vec<PushStream>, String> {
    let inflated;
    let body = match content_encoding.trim() {
        "" | "identity" => body,
        e if e.eq_ignore_ascii_case("gzip") => {
            if !body.starts_with(&[0x1f, 0x8b]) {
                return Err("Content-Encoding: gzip, but the body is not gzip".into());
            }
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(body)
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| format!("gzip: {e}"))?;
            if out.len() > limit {
                return Err("decompressed body too large".into());
            }
            inflated = out;
            &inflated
        }
        other => return Err(format!("unsupported Content-Encoding {other:?}")),
    };
    let media = content_type.split(';').next().unwrap_or("").trim();
    // Loki reads JSON when the type says so, and protobuf otherwise.
    let streams = if media.eq_ignore_ascii_case("application/json") {
        json(body)?
    } else {
        protobuf(body, limit)?
    };
    for s in &streams {
        validate(s)?;
    }
    Ok(streams)
}

/// `{"streams":[{"stream":{..},"values":[["<ns>","<line>",{..}?],..]}]}`
fn json(body: &[u8]) -> Result<Vec<PushStream>, String> {
    let root: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let streams = root
        .get("streams")
        .and_then(Value::as_array)
        .ok_or("`streams` must be an array")?;
    streams.iter().map(json_stream).collect()
}

/// A snappy block holding a `logproto.PushRequest`.
fn protobuf(body: &[u8], limit: usize) -> Result<Vec<PushStream>, String> {
    let len = snap::raw::decompress_len(body).map_err(|e| format!("snappy: {e}"))?;
    if len > limit {
        return Err("decompressed body too large".into());
    }
    let raw = snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(|e| format!("snappy: {e}"))?;
    let request = PushRequest::decode(raw.as_slice()).map_err(|e| format!("protobuf: {e}"))?;
    request
        .streams
        .into_iter()
        .map(|s| {
            let labels = parse_selector(&s.labels)?;
            let entries = s
                .entries
                .into_iter()
                .map(|e| {
                    let ts = e.timestamp.unwrap_or_default();
                    // Loki takes any timestamp here and its age checks then
                    // refuse one this far out; refuse it now, as a 400 too.
                    let ts_ns = ts
                        .to_unix_ns()
                        .and_then(|ns| i64::try_from(ns).ok())
                        .ok_or_else(|| {
                            format!("timestamp {}s {}ns out of range", ts.seconds, ts.nanos)
                        })?;
                    Ok(PushEntry {
                        ts_ns,
                        line: e.line,
                        metadata: e
                            .structured_metadata
                            .into_iter()
                            .map(|p| (p.name, p.value))
                            .collect(),
                    })
                })
                .collect::<Result<_, String>>()?;
            Ok(PushStream { labels, entries })
        })
        .collect()
}

fn json_stream(s: &Value) -> Result<PushStream, String> {
    let labels = string_map(s.get("stream").ok_or("stream without `stream` labels")?)
        .map_err(|e| format!("stream labels: {e}"))?;
    let values = s
        .get("values")
        .and_then(Value::as_array)
        .ok_or("`values` must be an array")?;
    let entries = values
        .iter()
        .map(|v| {
            let v = v.as_array().ok_or("a value must be an array")?;
            if !(2..=3).contains(&v.len()) {
                return Err(format!("a value has {} elements, not 2 or 3", v.len()));
            }
            let ts = v[0].as_str().ok_or("the timestamp must be a string")?;
            let line = v[1].as_str().ok_or("the line must be a string")?;
            let metadata = match v.get(2) {
                Some(m) => string_map(m).map_err(|e| format!("structured metadata: {e}"))?,
                None => Vec::new(),
            };
            Ok(PushEntry {
                ts_ns: parse_ns(ts)?,
                line: line.to_string(),
                metadata,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(PushStream { labels, entries })
}

fn string_map(v: &Value) -> Result<Vec<(String, String)>, String> {
    let obj = v.as_object().ok_or("must be an object")?;
    obj.iter()
        .map(|(k, v)| {
            let v = v
                .as_str()
                .ok_or_else(|| format!("value of {k:?} is not a string"))?;
            Ok((k.clone(), v.to_string()))
        })
        .collect()
}

/// Loki parses the timestamp with `strconv.ParseInt(s, 10, 64)`.
fn parse_ns(ts: &str) -> Result<i64, String> {
    if ts.is_empty() || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("timestamp {ts:?} is not a string of digits"));
    }
    ts.parse()
        .map_err(|_| format!("timestamp {ts:?} overflows int64"))
}

/// Loki's per-stream checks (pkg/validation and the distributor).
fn validate(s: &PushStream) -> Result<(), String> {
    if s.labels.is_empty() {
        return Err("error at least one label pair is required per stream".into());
    }
    if s.labels.len() > MAX_LABELS {
        return Err(format!(
            "stream has {} labels, limit {MAX_LABELS}",
            s.labels.len()
        ));
    }
    for (name, value) in &s.labels {
        let b = name.as_bytes();
        let valid = b
            .first()
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
        if !valid || b.len() > MAX_LABEL_NAME_LEN {
            return Err(format!("invalid label name {name:?}"));
        }
        if value.len() > MAX_LABEL_VALUE_LEN {
            return Err(format!("label {name} value too long"));
        }
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    for e in &s.entries {
        if e.line.len() > MAX_LINE {
            return Err(format!("line too long: {} bytes", e.line.len()));
        }
        let at = Duration::from_nanos(e.ts_ns as u64);
        if at + MAX_AGE < now {
            return Err(format!("entry too far behind: {}", e.ts_ns));
        }
        if at > now + MAX_AHEAD {
            return Err(format!("entry timestamp too new: {}", e.ts_ns));
        }
    }
    Ok(())
}
