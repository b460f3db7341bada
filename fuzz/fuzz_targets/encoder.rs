//! The encoder: validation, the JSON line, and the push body in every
//! encoding. A valid event's line must parse back to its values, and the
//! protobuf body must decode back to that line; nothing may panic.
#![no_main]

#[path = "event_json.rs"]
mod event_json;

use libfuzzer_sys::fuzz_target;
use runner_metrics::bindings::exports::github_runner::metrics::promtail::Encoding;
use runner_metrics::encode::{Encoder, Entry, Stream, line};
use runner_metrics::{Event, FieldValue, validate};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Some(event) = event_json::event(&v) else {
        return;
    };
    let valid = validate::event(&event).is_ok();
    let mut text = Vec::new();
    line::write(&event, &mut text).expect("writing a line cannot fail");
    let text = std::str::from_utf8(&text).expect("the line is UTF-8");
    if !valid {
        return;
    }
    let back: Value = serde_json::from_str(text).expect("the line is JSON");
    // Against the input, not the code under test: a valid event's name and
    // (finite, so numeric) timestamp come back as they went in.
    assert_eq!(back["event"], v["event"]);
    assert_eq!(back["timestamp"].as_f64(), v["timestamp"].as_f64());
    if let Event::Custom(c) = &event {
        let keys: Vec<&str> = back
            .as_object()
            .unwrap()
            .keys()
            .skip(2)
            .map(String::as_str)
            .collect();
        let want: Vec<&str> = c.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, want, "fields in order");
        for (k, v) in &c.fields {
            match v {
                FieldValue::Boolean(b) => assert_eq!(back[k].as_bool(), Some(*b)),
                FieldValue::Integer(i) => assert_eq!(back[k].as_i64(), Some(*i)),
                FieldValue::Number(n) => assert_eq!(back[k].as_f64(), Some(*n)),
                FieldValue::Text(t) => assert_eq!(back[k].as_str(), Some(t.as_str())),
            }
        }
    }
    let labels = vec![("job", "metrics"), ("event", validate::event_name(&event))];
    let streams = [Stream {
        labels,
        entries: vec![Entry {
            ts_ns: 1_764_000_000_000_000_000,
            line: text,
            shared: &[],
            own: &[],
        }],
    }];
    let mut encoder = Encoder::default();
    for encoding in [Encoding::Json, Encoding::JsonGzip, Encoding::Protobuf] {
        encoder
            .encode(encoding, &streams)
            .expect("encoding a valid event cannot fail");
    }
    let raw = snap::raw::Decoder::new()
        .decompress_vec(&encoder.body)
        .expect("snappy");
    let request =
        <runner_metrics::encode::protobuf::PushRequest as prost::Message>::decode(raw.as_slice())
            .expect("protobuf");
    assert_eq!(request.streams[0].entries[0].line, text);
});
