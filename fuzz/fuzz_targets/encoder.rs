//! The encoder: validation, the JSON line, and the push body in every
//! encoding, for any event `arbitrary` makes of the fuzzer's bytes (the WIT
//! types derive it under the guest's `fuzz` feature, so no event reader is
//! written by hand). A valid event's line must parse back to its values, and
//! the protobuf body must decode back to that line; nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runner_metrics::encode::{Encoder, Entry, Stream};
use runner_metrics::event::{line, validate};
use runner_metrics::{Encoding, Event, FieldValue};
use serde_json::Value;

/// Loki's default line limit, as the component's default.
const MAX_LINE: usize = 256 * 1024;

fuzz_target!(|event: Event| {
    let valid = validate::event(&event, MAX_LINE).is_ok();
    let mut text = Vec::new();
    line::write(&event, &mut text).expect("writing a line cannot fail");
    let text = std::str::from_utf8(&text).expect("the line is UTF-8");
    if !valid {
        return;
    }
    let back: Value = serde_json::from_str(text).expect("the line is JSON");
    // Against the input, not the code under test: the name and the (finite)
    // timestamp come back as they went in.
    let (name, timestamp) = match &event {
        Event::RunnerInstalled(e) => ("runner_installed", e.timestamp),
        Event::RunnerStart(e) => ("runner_start", e.timestamp),
        Event::RunnerStop(e) => ("runner_stop", e.timestamp),
        Event::Reconciliation(e) => ("reconciliation", e.timestamp),
        Event::Custom(e) => (e.name.as_str(), e.timestamp),
    };
    assert_eq!(back["event"], name);
    assert_eq!(back["timestamp"].as_f64(), Some(timestamp));
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
    let streams = [Stream {
        labels: vec![("job", "metrics"), ("event", name)],
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
    let request = <runner_metrics_logproto::PushRequest as prost::Message>::decode(raw.as_slice())
        .expect("protobuf");
    assert_eq!(request.streams[0].entries[0].line, text);
});
