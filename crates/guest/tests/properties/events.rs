//! Arbitrary events, one at a time and in batches: a valid event (by the
//! rules restated in `contract`) whose line fits in `max-line-bytes` is
//! sent, and its line holds its values; any other is `invalid-event` and
//! nothing is sent; a batch is all sent, each event in the stream of its
//! name, or refused whole.

use super::*;
use contract::*;
use strategies::*;

#[test]
fn arbitrary_events_succeed_with_their_values_or_fail_typed() {
    let rig = rig();
    let mut runner = TestRunner::new(Config {
        cases: 512,
        failure_persistence: None,
        ..Config::default()
    });
    // Cases that took the rarer paths: the generators must reach them.
    let (too_long, duplicates) = (Cell::new(0), Cell::new(0));
    runner
        .run(&event(), |e| {
            let before = rig.rx.push_count();
            let result = rig.issue(std::slice::from_ref(&e));
            no_trap(&result)?;
            match result {
                Ok(()) => {
                    prop_assert!(valid(&e), "accepted an invalid event: {e:?}");
                    prop_assert!(!oversize(&e), "a line over 256 KiB was accepted");
                    prop_assert_eq!(rig.rx.push_count(), before + 1);
                    let push = rig.rx.last_push().expect("one push");
                    prop_assert!(
                        !push.chunked && push.content_length == Some(push.body.len() as u64)
                    );
                    let line = &push.streams[0].entries[0].line;
                    same_values(&e, line).map_err(TestCaseError::fail)?;
                }
                Err(Error::Component(WitError::InvalidEvent(i))) => {
                    prop_assert!(
                        !valid(&e) || oversize(&e),
                        "refused a valid event ({}: {})",
                        i.field,
                        i.reason
                    );
                    prop_assert!(i.field.starts_with("entries[0]."), "{}", i.field);
                    prop_assert_eq!(rig.rx.push_count(), before, "nothing sent");
                    duplicates.set(duplicates.get() + usize::from(duplicate_keys(&e)));
                    // The line-length rule (`max-line-bytes`, 256 KiB by
                    // default) is the component's own since 0.2.
                    too_long.set(too_long.get() + usize::from(valid(&e) && oversize(&e)));
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
            Ok(())
        })
        .unwrap();
    println!(
        "{} valid events refused as too long, {} events refused with duplicate keys",
        too_long.get(),
        duplicates.get()
    );
    assert!(too_long.get() > 0, "no valid event over 256 KiB was drawn");
    assert!(
        duplicates.get() > 0,
        "no event with duplicate keys was drawn"
    );
}

#[test]
fn arbitrary_batches_never_trap() {
    let rig = rig();
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    // Arbitrary events make almost every batch invalid; batches of valid
    // events (some over 256 KiB) reach the receiver.
    let valid_event = event().prop_filter("valid", valid);
    let batch = prop_oneof![
        3 => proptest::collection::vec(event(), 0..20),
        1 => proptest::collection::vec(event(), 0..2000),
        2 => proptest::collection::vec(valid_event, 0..10),
    ];
    let (accepted, too_long) = (Cell::new(0), Cell::new(0));
    runner
        .run(&batch, |events| {
            let before = rig.rx.push_count();
            let result = rig.issue(&events);
            no_trap(&result)?;
            let first_bad = events.iter().position(|e| !valid(e) || oversize(e));
            match result {
                Ok(()) => {
                    prop_assert!(events.iter().all(valid));
                    prop_assert!(
                        !events.iter().any(oversize),
                        "a line over 256 KiB was accepted"
                    );
                    // Every event arrived, each in the stream of its name.
                    let pushes = rig.rx.pushes();
                    let mut arrived = 0;
                    for s in pushes[before..].iter().flat_map(|p| &p.streams) {
                        let label = s.label("event").unwrap_or_default();
                        for entry in &s.entries {
                            let v: Value = serde_json::from_str(&entry.line)
                                .map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
                            prop_assert_eq!(v["event"].as_str(), Some(label));
                            arrived += 1;
                        }
                    }
                    prop_assert_eq!(arrived, events.len());
                    accepted.set(accepted.get() + usize::from(!events.is_empty()));
                }
                // More text than one call takes: refused before the call,
                // whatever the entries hold.
                Err(Error::Component(WitError::InvalidEvent(i))) if i.field == "entries" => {
                    prop_assert_eq!(
                        i.reason,
                        "holds more than 268435456 bytes of text, the most one call takes"
                    );
                    prop_assert!(text_bytes(&events) > 1 << 28);
                    prop_assert_eq!(rig.rx.push_count(), before, "nothing sent");
                }
                Err(Error::Component(WitError::InvalidEvent(i))) => {
                    prop_assert!(text_bytes(&events) <= 1 << 28, "{}", i.field);
                    // Named by the first entry that breaks a rule.
                    let Some(at) = first_bad else {
                        return Err(TestCaseError::fail(format!(
                            "refused a valid batch ({}: {})",
                            i.field, i.reason
                        )));
                    };
                    prop_assert!(
                        i.field.starts_with(&format!("entries[{at}].")),
                        "{} for entry {at}",
                        i.field
                    );
                    prop_assert_eq!(rig.rx.push_count(), before, "nothing sent");
                    let only_too_long = events.iter().all(valid);
                    too_long.set(too_long.get() + usize::from(only_too_long));
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
            Ok(())
        })
        .unwrap();
    println!(
        "{} batches accepted, {} of valid events refused for a line too long",
        accepted.get(),
        too_long.get()
    );
    assert!(accepted.get() > 0, "no batch reached the receiver");
    assert!(too_long.get() > 0, "no batch with a line over 256 KiB");
}

/// The bytes of text `events` hold (every string, as the host counts them
/// for the call's limit).
fn text_bytes(events: &[Event]) -> usize {
    fn walk(v: &Value) -> usize {
        match v {
            Value::String(s) => s.len(),
            Value::Array(items) => items.iter().map(walk).sum(),
            Value::Object(o) => o.iter().map(|(_, v)| walk(v)).sum(),
            _ => 0,
        }
    }
    events
        .iter()
        .map(|e| walk(&serde_json::to_value(e).unwrap()))
        .sum()
}
