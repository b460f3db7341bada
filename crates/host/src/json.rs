//! Events written as JSON in the shape of their line, as a command line or
//! a log takes them: `{"event":"runner_start","timestamp":1700000000,
//! "flavor":"small",...}`.
//!
//! A built-in event's other keys are its record's fields, read by serde
//! from the generated types (so no field is listed here); a key the record
//! does not have is refused. Any other event name is a custom event whose
//! other keys, in order, become its fields: booleans, integers, numbers or
//! text.

pub use crate::builtin_events::BUILTIN_EVENTS;
use crate::builtin_events::builtin;
use crate::{CustomEvent, Event, FieldValue};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::fmt;

/// Why JSON is not an event: the key, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// The key (`flavor`, `status_info.code`), or `event` for the name.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for JsonError {}

fn error(field: impl Into<String>, reason: impl Into<String>) -> JsonError {
    JsonError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Which event names are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// Only the built-in events: a misspelt name is an error, not a custom
    /// event that no dashboard shows.
    BuiltIn,
    /// Any name: one that is not built in is a custom event.
    Custom,
}

/// The event a JSON object describes.
pub fn event_from_json(value: &Value, names: Names) -> Result<Event, JsonError> {
    let obj = value
        .as_object()
        .ok_or_else(|| error("event", "an event must be a JSON object"))?;
    let mut obj = obj.clone();
    let name = match obj.shift_remove("event") {
        Some(Value::String(name)) => name,
        _ => return Err(error("event", "the `event` key must be a string")),
    };
    from_fields(&name, obj, names)
}

/// The event of command-line `key=value` pairs: each value is read as JSON
/// when it is JSON and its field takes that type, else as text; a value in
/// JSON quotes (`version='"1.10"'`) is text whatever it holds. A dotted key
/// (`status_info.code=403`) sets a field of a nested record. A key given
/// twice is refused rather than one value silently kept.
pub fn event_from_pairs(
    name: &str,
    pairs: &[(String, String)],
    names: Names,
) -> Result<Event, JsonError> {
    let mut obj = Map::new();
    let mut seen = std::collections::HashSet::new();
    for (key, text) in pairs {
        if !seen.insert(key.as_str()) {
            return Err(error(key.as_str(), "is given twice"));
        }
        let value = match integer_literal(text) {
            // As an integer, not as the float JSON would make of it: `-0`
            // is 0, and one past 64 bits is refused rather than rounded.
            Some(Ok(i)) => Value::from(i),
            Some(Err(())) if !BUILTIN_EVENTS.contains(&name) => {
                return Err(error(key.as_str(), "does not fit a 64-bit integer"));
            }
            _ => {
                serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.clone()))
            }
        };
        insert_dotted(&mut obj, key, key, value)?;
    }
    match from_fields(name, obj.clone(), names) {
        Err(e) if BUILTIN_EVENTS.contains(&name) => {
            // A value read as JSON where its field wants text (`flavor=123`):
            // read those as text, one at a time, while that helps.
            let mut last = e;
            for _ in 0..pairs.len() {
                let Some((key, text)) = pairs.iter().find(|(k, _)| *k == last.field) else {
                    break;
                };
                insert_dotted(&mut obj, key, key, Value::String(text.clone()))?;
                match from_fields(name, obj.clone(), names) {
                    Ok(event) => return Ok(event),
                    Err(e) if e.field == last.field => break,
                    Err(e) => last = e,
                }
            }
            let literals = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            Err(out_of_range(last, literals))
        }
        other => other,
    }
}

/// An integer too large for 64 bits is refused in serde's words ("invalid
/// value: integer ..., expected i64" up to 2^64, read as a u64; "expected an
/// integer, got a number" past it, read as a float): say the range instead,
/// as every host does for an integer outside its WIT type (every integer of
/// an event is an s64). `literals`: (field, text) of what was given.
pub fn out_of_range<'a>(
    e: JsonError,
    mut literals: impl Iterator<Item = (&'a str, &'a str)>,
) -> JsonError {
    let serde_range = e.reason.starts_with("invalid value: integer ")
        || e.reason == "expected an integer, got a number";
    match literals.find(|(field, _)| *field == e.field) {
        Some((_, text)) if serde_range && integer_literal(text).is_some() => {
            let reason = format!(
                "must be an integer from {} to {}, got {text}",
                i64::MIN,
                i64::MAX
            );
            error(e.field, reason)
        }
        _ => e,
    }
}

/// `Some` for decimal digits with an optional `-`: the integer, or `Err`
/// when it does not fit an i64.
fn integer_literal(text: &str) -> Option<Result<i64, ()>> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse::<i64>().map_err(|_| ()))
}

/// JSON text as a value, refusing a key given twice in any object (serde
/// and JSON parsers keep the last, so a typo'd repeat would go unseen),
/// named by its dotted path (`status_info.code`).
pub fn parse(text: &str) -> Result<Value, JsonError> {
    parse_noting_wide(text).map(|(value, _)| value)
}

/// An integer literal past 64 bits in JSON text: serde_json reads it as the
/// nearest float, after which nothing tells `18446744073709551616` from
/// `1.8446744073709552e19`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WideInteger {
    /// Where it is, named as [`parse`] names a key: `x`, `status_info.code`,
    /// `list[0]`.
    pub path: String,
    /// Whether it is the value of a key of the outermost object (a custom
    /// event's field).
    pub top: bool,
    /// The literal as written.
    pub literal: String,
}

/// [`parse`], and every integer literal past 64 bits in `text`, in order.
pub fn parse_noting_wide(text: &str) -> Result<(Value, Vec<WideInteger>), JsonError> {
    let named = RefCell::new(None);
    let wide = RefCell::new(Vec::new());
    let seed = Strict {
        path: "",
        depth: 0,
        named: &named,
        wide: &wide,
    };
    seed.read(text)
        .map(|value| (value, wide.take()))
        .map_err(|e| match named.take() {
            Some((path, reason)) => error(path, reason),
            None => error("event", format!("not JSON: {e}")),
        })
}

/// Whether `text` is an integer literal (decimal digits after an optional
/// `-`) that does not fit an i64.
pub fn is_wide(text: &str) -> bool {
    integer_literal(text) == Some(Err(()))
}

/// How deep lists and objects may nest: serde_json's own limit.
const MAX_DEPTH: usize = 128;

/// A JSON value read by [`parse`]'s rule, at `path`, `depth` objects and
/// lists deep; a value refused by its path (a key given twice, a string
/// with a lone surrogate) goes to `named` with the reason, integer
/// literals past 64 bits to `wide`.
#[derive(Clone, Copy)]
struct Strict<'a> {
    path: &'a str,
    depth: usize,
    named: &'a RefCell<Option<(String, &'static str)>>,
    wide: &'a RefCell<Vec<WideInteger>>,
}

impl Strict<'_> {
    /// The value of `text`, all of it.
    fn read(self, text: &str) -> Result<Value, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = serde::de::DeserializeSeed::deserialize(self, &mut de)?;
        de.end()?;
        Ok(value)
    }

    /// An element of a list or object, at `path`: its text is looked at for
    /// an integer past 64 bits, then read.
    fn element<E: serde::de::Error>(self, path: &str, raw: &RawValue) -> Result<Value, E> {
        // serde_json stops at 128 levels within one reader; each element is
        // read by a reader of its own, so the limit is kept here.
        if self.depth >= MAX_DEPTH {
            return Err(E::custom("recursion limit exceeded"));
        }
        let text = raw.get();
        if is_wide(text) {
            self.wide.borrow_mut().push(WideInteger {
                path: path.to_string(),
                top: self.depth == 0,
                literal: text.to_string(),
            });
        }
        let inner = Strict {
            path,
            depth: self.depth + 1,
            ..self
        };
        inner.read(text).map_err(|e| {
            // A string the scan took but serde_json cannot decode: its
            // `\u` escapes leave a surrogate alone (hosts word it so).
            if text.starts_with('"') && self.named.borrow().is_none() {
                let reason = "is not well-formed Unicode: it holds a lone surrogate";
                *self.named.borrow_mut() = Some((path.to_string(), reason));
            }
            E::custom(e)
        })
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(raw) = seq.next_element::<&RawValue>()? {
            let path = format!("{}[{}]", self.path, items.len());
            items.push(self.element(&path, raw)?);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut obj = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = match self.path {
                "" => key.clone(),
                at => format!("{at}.{key}"),
            };
            let v = self.element(&path, map.next_value::<&RawValue>()?)?;
            if obj.contains_key(&key) {
                *self.named.borrow_mut() = Some((path, "is given twice"));
                return Err(serde::de::Error::custom("a key is given twice"));
            }
            obj.insert(key, v);
        }
        Ok(Value::Object(obj))
    }
}

/// Set `key` (the rest of `full`, the key as given) in `obj`.
fn insert_dotted(
    obj: &mut Map<String, Value>,
    full: &str,
    key: &str,
    value: Value,
) -> Result<(), JsonError> {
    match key.split_once('.') {
        None => {
            obj.insert(key.to_string(), value);
            Ok(())
        }
        Some((outer, inner)) => match obj
            .entry(outer.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            Value::Object(nested) => insert_dotted(nested, full, inner, value),
            _ => Err(error(
                full,
                format!("`{outer}` is given both whole and by part"),
            )),
        },
    }
}

fn from_fields(
    name: &str,
    mut fields: Map<String, Value>,
    names: Names,
) -> Result<Event, JsonError> {
    let given: Vec<String> = fields.keys().cloned().collect();
    // A whole number written as a float (`1.0`) where an integer goes is
    // that integer, as in Python and JavaScript (where 1.0 is 1): each is
    // made one when serde refuses it, then the record is read again.
    let mut read = builtin(name, Value::Object(fields.clone()));
    while let Some(Err(e)) = &read {
        let path = e.path().to_string();
        if !whole_to_integer(&mut fields, &path) {
            break;
        }
        read = builtin(name, Value::Object(fields.clone()));
    }
    if let Some(read) = read {
        let event = read.map_err(|e| serde_error(&e))?;
        // serde ignores keys a record does not have; a typo must not vanish.
        let known = serde_json::to_value(&event).unwrap_or_default();
        let known = known
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_object);
        if let Some(unknown) = given
            .iter()
            .find(|k| !known.is_some_and(|o| o.contains_key(*k)))
        {
            return Err(error(
                unknown.as_str(),
                format!("`{name}` has no field `{unknown}`"),
            ));
        }
        return Ok(event);
    }
    if names == Names::BuiltIn {
        return Err(error(
            "event",
            format!(
                "`{name}` is not a built-in event ({}); a custom event must be marked as one",
                BUILTIN_EVENTS.join(", ")
            ),
        ));
    }
    custom(name, fields)
}

/// Make the float at dotted `path` of `fields` the integer it is, if it is
/// a whole one below 2^53; whether it did. A larger float may be an
/// integer literal past 64 bits that JSON read as the nearest float
/// (`-9223372036854775809` as -2^63): it is left to be refused, naming the
/// range ([`out_of_range`]).
fn whole_to_integer(fields: &mut Map<String, Value>, path: &str) -> bool {
    let mut at = fields;
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        let Some(value) = at.get_mut(key) else {
            return false;
        };
        if keys.peek().is_some() {
            match value {
                Value::Object(nested) => at = nested,
                _ => return false,
            }
            continue;
        }
        let Some(f) = value.as_f64().filter(|_| value.is_f64()) else {
            return false;
        };
        const EXACT: f64 = (1u64 << 53) as f64;
        if f.fract() != 0.0 || f.abs() >= EXACT {
            return false;
        }
        *value = Value::from(f as i64);
        return true;
    }
    false
}

/// A serde error, placed at the key it is about, in the words of
/// docs/errors.md rather than Rust's type names.
fn serde_error(e: &serde_path_to_error::Error<serde_json::Error>) -> JsonError {
    let path = e.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let text = plain(&e.inner().to_string());
    // A missing field is reported at its record: name the field in it.
    if let Some(rest) = text.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or_default();
        return match path.as_str() {
            "" => error(field, "is missing"),
            record => error(format!("{record}.{field}"), "is missing"),
        };
    }
    match path.as_str() {
        "" => error("event", text),
        _ => error(path, text),
    }
}

/// serde's "invalid type: string \"x\", expected f64" as "expected a
/// number, got a string"; any other message as it is.
fn plain(text: &str) -> String {
    let Some((got, want)) = text
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    else {
        return text.to_string();
    };
    let got = match got.split([' ', '`']).next().unwrap_or_default() {
        "string" => "a string",
        "integer" | "floating" => "a number",
        "boolean" => "a boolean",
        "null" => "nothing",
        "map" => "an object",
        "sequence" => "a list",
        _ => got,
    };
    let want = match want {
        "f64" | "f32" => "a number",
        "i64" | "i32" | "i16" | "i8" | "u64" | "u32" | "u16" | "u8" => "an integer",
        w if w.starts_with("struct ") => "an object",
        w => w,
    };
    format!("expected {want}, got {got}")
}

fn custom(name: &str, mut fields: Map<String, Value>) -> Result<Event, JsonError> {
    let timestamp = match fields.shift_remove("timestamp") {
        Some(v) => v
            .as_f64()
            .ok_or_else(|| error("timestamp", "must be a number"))?,
        None => return Err(error("timestamp", "is missing")),
    };
    let fields = fields
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                Value::Bool(b) => FieldValue::Boolean(b),
                Value::Number(n) => match n.as_i64() {
                    Some(i) => FieldValue::Integer(i),
                    // An integer past i64 would lose digits as a float.
                    None if n.is_u64() => {
                        return Err(error(key.as_str(), "does not fit a 64-bit integer"));
                    }
                    None => FieldValue::Number(n.as_f64().unwrap_or(f64::NAN)),
                },
                Value::String(s) => FieldValue::Text(s),
                _ => {
                    return Err(error(
                        key.as_str(),
                        "a custom field is a boolean, a number or text",
                    ));
                }
            };
            Ok((key, value))
        })
        .collect::<Result<_, _>>()?;
    Ok(Event::Custom(CustomEvent {
        name: name.to_string(),
        timestamp,
        fields,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RunnerStart, RunnerStop};
    use serde_json::json;

    #[test]
    fn a_whole_float_is_the_integer_it_is_as_in_python_and_javascript() {
        let reconciliation = |crashed: Value, code: Value| {
            event_from_json(
                &json!({"event": "reconciliation", "timestamp": 1, "flavor": "small",
                        "crashed_runners": crashed, "idle_runners": 2.0, "active_runners": 0,
                        "expected_runners": -0.0, "duration": 1.0, "x": code}),
                Names::BuiltIn,
            )
        };
        // Read as integers (the unknown key `x` is the error left): each
        // whole float was taken.
        let e = reconciliation(json!(1.0), json!(1)).unwrap_err();
        assert_eq!(e.field, "x", "{e}");
        let e = reconciliation(json!(1.5), json!(1)).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("crashed_runners", "expected an integer, got a number")
        );
        // From 2^53 on, a float may be an integer literal JSON rounded.
        let e = reconciliation(json!(i64::MIN as f64), json!(1)).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("crashed_runners", "expected an integer, got a number")
        );
        let e = reconciliation(json!(9007199254740991.0), json!(1)).unwrap_err();
        assert_eq!(e.field, "x", "2^53 - 1 is taken: {e}");
        // Nested, and from command-line pairs.
        let stop = event_from_pairs(
            "runner_stop",
            &[
                ("timestamp", "1"),
                ("flavor", "small"),
                ("workflow", "CI"),
                ("repo", "o/r"),
                ("github_event", "push"),
                ("status", "normal"),
                ("status_info.code", "403.0"),
                ("job_duration", "2"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
            Names::BuiltIn,
        )
        .unwrap();
        match stop {
            Event::RunnerStop(RunnerStop {
                status_info: Some(info),
                ..
            }) => assert_eq!(info.code, 403),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn built_in_events_read_by_their_record() {
        let event = event_from_json(
            &json!({"event": "runner_start", "timestamp": 1, "flavor": "small", "workflow": "CI",
                    "repo": "o/r", "github_event": "push", "idle": 3.5}),
            Names::BuiltIn,
        )
        .unwrap();
        let Event::RunnerStart(RunnerStart {
            idle,
            queue_duration,
            ..
        }) = event
        else {
            panic!("{event:?}")
        };
        assert_eq!((idle, queue_duration), (3.5, None));
    }

    #[test]
    fn parse_refuses_a_key_given_twice_at_any_depth() {
        let twice = |text: &str| parse(text).unwrap_err();
        assert_eq!(twice(r#"{"a":1,"a":2}"#), error("a", "is given twice"));
        assert_eq!(
            twice(r#"{"s":{"code":1,"code":2}}"#),
            error("s.code", "is given twice")
        );
        assert_eq!(
            twice(r#"{"a":[{"b":1},{"b":1,"b":2}]}"#),
            error("a[1].b", "is given twice")
        );
        assert_eq!(
            twice(r#"{"`\"x":1,"`\"x":2}"#),
            error("`\"x", "is given twice")
        );
        assert_eq!(
            parse(r#"{"a":[1,{"b":null}],"c":"d"}"#).unwrap(),
            json!({"a": [1, {"b": null}], "c": "d"})
        );
        let bad = parse("{bad").unwrap_err();
        assert_eq!(bad.field, "event");
        assert!(bad.reason.starts_with("not JSON: "), "{bad}");
        assert!(parse(r#"{"a":1} x"#).is_err(), "trailing text");
        assert_eq!(
            parse(r#"{"a":{"b":"x\ud800y"}}"#).unwrap_err(),
            error(
                "a.b",
                "is not well-formed Unicode: it holds a lone surrogate"
            )
        );
        // Deep nesting is an error, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
        let e = parse(&deep).unwrap_err();
        assert!(e.reason.contains("recursion limit"), "{e}");
    }

    #[test]
    fn integers_past_64_bits_are_noted_by_path() {
        let text = r#"{"x":18446744073709551616,"y":-9223372036854775809,
            "ok":9223372036854775807,"f":1e30,"s":"99999999999999999999",
            "status_info":{"code":9223372036854775808},"l":[1,[36893488147419103232]]}"#;
        let (value, wide) = parse_noting_wide(text).unwrap();
        let found: Vec<(&str, bool, &str)> = wide
            .iter()
            .map(|w| (w.path.as_str(), w.top, w.literal.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("x", true, "18446744073709551616"),
                ("y", true, "-9223372036854775809"),
                ("status_info.code", false, "9223372036854775808"),
                ("l[1][0]", false, "36893488147419103232"),
            ]
        );
        assert_eq!(value["ok"], json!(i64::MAX));
        assert_eq!(value["s"], json!("99999999999999999999"));
        assert!(is_wide("-9223372036854775809") && !is_wide("9223372036854775807"));
        assert!(!is_wide("1e30") && !is_wide("") && !is_wide("-"));
    }

    #[test]
    fn an_integer_past_64_bits_is_refused_in_the_range_words() {
        let text = r#"{"event":"reconciliation","timestamp":1,"flavor":"s",
            "crashed_runners":9223372036854775808,"idle_runners":0,"active_runners":0,
            "expected_runners":0,"duration":1}"#;
        let (value, wide) = parse_noting_wide(text).unwrap();
        let e = event_from_json(&value, Names::BuiltIn).unwrap_err();
        let literals = wide.iter().map(|w| (w.path.as_str(), w.literal.as_str()));
        let e = out_of_range(e, literals);
        assert_eq!(e.field, "crashed_runners");
        assert_eq!(
            e.reason,
            "must be an integer from -9223372036854775808 to 9223372036854775807, got 9223372036854775808"
        );
        let pairs = [(
            "crashed_runners".to_string(),
            "9223372036854775808".to_string(),
        )];
        let base: Vec<(String, String)> = [
            ("timestamp", "1"),
            ("flavor", "s"),
            ("idle_runners", "0"),
            ("active_runners", "0"),
            ("expected_runners", "0"),
            ("duration", "1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .chain(pairs)
        .collect();
        let e = event_from_pairs("reconciliation", &base, Names::BuiltIn).unwrap_err();
        assert!(e.reason.starts_with("must be an integer from"), "{e}");
    }

    #[test]
    fn errors_name_the_field() {
        let start = json!({"event": "runner_start", "timestamp": 1, "flavor": "small",
                           "workflow": "CI", "repo": "o/r", "github_event": "push", "idle": 3.5});
        let mut missing = start.clone();
        missing.as_object_mut().unwrap().remove("repo");
        assert_eq!(
            event_from_json(&missing, Names::BuiltIn).unwrap_err().field,
            "repo"
        );
        let mut wrong = start.clone();
        wrong["idle"] = json!("3.5");
        assert_eq!(
            event_from_json(&wrong, Names::BuiltIn).unwrap_err().field,
            "idle"
        );
        let mut typo = start;
        typo["queue_duraton"] = json!(5);
        assert_eq!(
            event_from_json(&typo, Names::BuiltIn).unwrap_err().field,
            "queue_duraton"
        );
        let misspelt = json!({"event": "runner_instaled", "timestamp": 1});
        assert_eq!(
            event_from_json(&misspelt, Names::BuiltIn)
                .unwrap_err()
                .field,
            "event"
        );
        assert!(event_from_json(&misspelt, Names::Custom).is_ok());
    }

    #[test]
    fn pairs_read_as_their_fields_want() {
        let pairs: Vec<(String, String)> = [
            ("timestamp", "1"),
            ("flavor", "123"),
            ("workflow", "CI"),
            ("repo", "o/r"),
            ("github_event", "push"),
            ("status", "normal"),
            ("status_info.code", "403"),
            ("job_duration", "61"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let event = event_from_pairs("runner_stop", &pairs, Names::BuiltIn).unwrap();
        let Event::RunnerStop(RunnerStop {
            flavor,
            status_info,
            job_duration,
            ..
        }) = event
        else {
            panic!("{event:?}")
        };
        assert_eq!(flavor, "123");
        assert_eq!(status_info.map(|s| s.code), Some(403));
        assert_eq!(job_duration, 61.0);
    }

    #[test]
    fn pairs_refuse_a_key_twice_and_take_quoted_text_as_it_is() {
        let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let twice = pairs(&[("timestamp", "1"), ("base", "noble"), ("base", "jammy")]);
        let e = event_from_pairs("image_built", &twice, Names::Custom).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("base", "is given twice")
        );
        let quoted = pairs(&[("timestamp", "1"), ("version", "\"1.10\""), ("sha", "1e3")]);
        let Event::Custom(c) = event_from_pairs("image_built", &quoted, Names::Custom).unwrap()
        else {
            panic!("custom")
        };
        assert_eq!(c.fields[0].1, FieldValue::Text("1.10".into()));
        assert_eq!(c.fields[1].1, FieldValue::Number(1000.0));
        let big = pairs(&[("timestamp", "1"), ("n", "18446744073709551615")]);
        let e = event_from_pairs("image_built", &big, Names::Custom).unwrap_err();
        assert_eq!(e.field, "n");
    }

    #[test]
    fn type_errors_are_worded_without_rust_types() {
        let e = event_from_json(
            &json!({"event": "runner_installed", "timestamp": 1, "flavor": "s", "duration": "abc"}),
            Names::BuiltIn,
        )
        .unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("duration", "expected a number, got a string")
        );
    }
}
