//! The contract's rules, restated independently of the component: which
//! events are valid, which lines are too long for `max-line-bytes`, which
//! settings each setter takes, and what a line must hold.

use super::*;

/// The contract's validation rules (wit/events.wit), restated.
pub(crate) fn valid(e: &Event) -> bool {
    let secs = |x: f64| x.is_finite() && x >= 0.0;
    let snake = |s: &str| {
        let b = s.as_bytes();
        !b.is_empty()
            && b.len() <= 128
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
    };
    match e {
        Event::RunnerInstalled(e) => secs(e.timestamp) && secs(e.duration),
        Event::RunnerStart(e) => {
            secs(e.timestamp) && secs(e.idle) && e.queue_duration.is_none_or(secs)
        }
        Event::RunnerStop(e) => secs(e.timestamp) && secs(e.job_duration),
        Event::Reconciliation(e) => {
            secs(e.timestamp)
                && secs(e.duration)
                && [
                    e.crashed_runners,
                    e.idle_runners,
                    e.active_runners,
                    e.expected_runners,
                ]
                .iter()
                .all(|n| *n >= 0)
        }
        Event::Custom(e) => {
            let builtin = [
                "runner_installed",
                "runner_start",
                "runner_stop",
                "reconciliation",
            ];
            snake(&e.name)
                && !builtin.contains(&e.name.as_str())
                && secs(e.timestamp)
                && e.fields.iter().enumerate().all(|(i, (k, v))| {
                    snake(k)
                        && k != "event"
                        && k != "timestamp"
                        && !e.fields[..i].iter().any(|(k2, _)| k2 == k)
                        && !matches!(v, FieldValue::Number(n) if !n.is_finite())
                })
        }
    }
}

/// The default `max-line-bytes` (Loki's default `max_line_size`).
pub(crate) const MAX_LINE: usize = 256 * 1024;

/// The bytes of every text in `e`: string fields, the custom name, keys and
/// text values. `text()` makes each text tiny or a mebibyte, so this is over
/// `MAX_LINE` exactly when the line is.
pub(crate) fn text_bytes(e: &Event) -> usize {
    let sum = |texts: &[&str]| texts.iter().map(|t| t.len()).sum::<usize>();
    match e {
        Event::RunnerInstalled(e) => e.flavor.len(),
        Event::RunnerStart(e) => sum(&[&e.flavor, &e.workflow, &e.repo, &e.github_event]),
        Event::RunnerStop(e) => {
            sum(&[&e.flavor, &e.workflow, &e.repo, &e.github_event, &e.status])
                + e.job_conclusion.as_ref().map_or(0, String::len)
        }
        Event::Reconciliation(e) => e.flavor.len(),
        Event::Custom(e) => {
            e.name.len()
                + e.fields
                    .iter()
                    .map(|(k, v)| match v {
                        FieldValue::Text(t) => k.len() + t.len(),
                        _ => k.len(),
                    })
                    .sum::<usize>()
        }
    }
}

/// A line over the default `max-line-bytes`, which the component refuses
/// before building it.
pub(crate) fn oversize(e: &Event) -> bool {
    text_bytes(e) > MAX_LINE
}

/// A custom event with a key twice.
pub(crate) fn duplicate_keys(e: &Event) -> bool {
    let Event::Custom(c) = e else { return false };
    let keys = || c.fields.iter().map(|(k, _)| k);
    keys()
        .enumerate()
        .any(|(i, k)| keys().take(i).any(|k2| k2 == k))
}

/// The line's values, checked against the event's.
pub(crate) fn same_values(e: &Event, line: &str) -> Result<(), String> {
    let v: Value = serde_json::from_str(line).map_err(|err| format!("not JSON: {err}"))?;
    let eq_f = |k: &str, x: f64| {
        (v[k].as_f64() == Some(x))
            .then_some(())
            .ok_or(format!("{k}: {} vs {x}", v[k]))
    };
    let eq_s = |k: &str, x: &str| {
        (v[k].as_str() == Some(x))
            .then_some(())
            .ok_or(format!("{k} differs"))
    };
    let eq_i = |k: &str, x: i64| {
        (v[k].as_i64() == Some(x))
            .then_some(())
            .ok_or(format!("{k} differs"))
    };
    match e {
        Event::RunnerInstalled(e) => {
            eq_f("timestamp", e.timestamp)?;
            eq_s("flavor", &e.flavor)?;
            eq_f("duration", e.duration)
        }
        Event::RunnerStart(e) => {
            eq_f("timestamp", e.timestamp)?;
            eq_s("flavor", &e.flavor)?;
            eq_s("workflow", &e.workflow)?;
            eq_s("repo", &e.repo)?;
            eq_s("github_event", &e.github_event)?;
            eq_f("idle", e.idle)?;
            match e.queue_duration {
                Some(q) => eq_f("queue_duration", q),
                None => v
                    .get("queue_duration")
                    .is_none()
                    .then_some(())
                    .ok_or("none written".into()),
            }
        }
        Event::RunnerStop(e) => {
            eq_f("timestamp", e.timestamp)?;
            eq_s("status", &e.status)?;
            eq_s("repo", &e.repo)?;
            eq_f("job_duration", e.job_duration)?;
            if let Some(c) = &e.status_info {
                (v["status_info"]["code"].as_i64() == Some(c.code))
                    .then_some(())
                    .ok_or("code")?;
            }
            match &e.job_conclusion {
                Some(c) => eq_s("job_conclusion", c),
                None => v
                    .get("job_conclusion")
                    .is_none()
                    .then_some(())
                    .ok_or("none written".into()),
            }
        }
        Event::Reconciliation(e) => {
            eq_f("timestamp", e.timestamp)?;
            eq_i("crashed_runners", e.crashed_runners)?;
            eq_i("expected_runners", e.expected_runners)?;
            eq_f("duration", e.duration)
        }
        Event::Custom(e) => {
            eq_s("event", &e.name)?;
            eq_f("timestamp", e.timestamp)?;
            for (k, fv) in &e.fields {
                match fv {
                    FieldValue::Boolean(b) => (v[k].as_bool() == Some(*b))
                        .then_some(())
                        .ok_or(k.to_string())?,
                    FieldValue::Integer(i) => eq_i(k, *i)?,
                    FieldValue::Number(n) => eq_f(k, *n)?,
                    FieldValue::Text(t) => eq_s(k, t)?,
                }
            }
            let keys: Vec<&String> = v.as_object().unwrap().keys().skip(2).collect();
            let want: Vec<&String> = e.fields.iter().map(|(k, _)| k).collect();
            (keys == want).then_some(()).ok_or("field order".into())
        }
    }
}

/// The label name rule (wit/promtail.wit, `set-labels`).
pub(crate) fn label_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b.len() <= 1024
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && !n.starts_with("__")
}

/// `set-labels`: names by the rule, unique (`job` too), not `event`; values
/// 1 to 2048 bytes; at most 15 labels counting `job` (one, given or not)
/// and `event`. Always `Some`: the rule is stated whole here.
pub(crate) fn labels(pairs: &[(String, String)]) -> Option<bool> {
    let mut names: Vec<&str> = Vec::new();
    for (n, v) in pairs {
        if !label_name(n) || n == "event" || names.contains(&n.as_str()) {
            return Some(false);
        }
        if v.is_empty() || v.len() > 2048 {
            return Some(false);
        }
        names.push(n);
    }
    let job = usize::from(!names.contains(&"job"));
    let with_event = names.len() + job + 1;
    Some(with_event <= 15)
}

/// `set-structured-metadata`: label names, each once, at most 128 pairs
/// and 64 KiB.
pub(crate) fn metadata(pairs: &[(String, String)]) -> bool {
    let bytes: usize = pairs.iter().map(|(n, v)| n.len() + v.len()).sum();
    let once = pairs
        .iter()
        .enumerate()
        .all(|(i, (n, _))| !pairs[..i].iter().any(|(m, _)| m == n));
    pairs.len() <= 128 && bytes <= 64 * 1024 && once && pairs.iter().all(|(n, _)| label_name(n))
}

/// `set-tenant`: 1 to 150 of `[a-zA-Z0-9!-_.*'()]`, not `.` or `..`.
pub(crate) fn tenant(t: &str) -> bool {
    let ok = |c: u8| c.is_ascii_alphanumeric() || b"!-_.*'()".contains(&c);
    (1..=150).contains(&t.len()) && t.bytes().all(ok) && t != "." && t != ".."
}

/// `set-auth`: a basic user non-empty and without `:`, neither part with
/// control characters; a bearer token non-empty visible ASCII.
pub(crate) fn auth(a: &Auth) -> bool {
    match a {
        Auth::Basic(b) => {
            !b.user.is_empty()
                && !b.user.contains(':')
                && !b.user.chars().any(char::is_control)
                && !b.password.chars().any(char::is_control)
        }
        Auth::Bearer(t) => !t.is_empty() && t.bytes().all(|c| c.is_ascii_graphic()),
    }
}

/// The headers the WIT names as the component's or the transport's.
const RESERVED: [&str; 7] = [
    "content-type",
    "content-encoding",
    "content-length",
    "authorization",
    "x-scope-orgid",
    "host",
    "connection",
];

/// Hop-by-hop headers, which the WIT's `...` may or may not cover.
const HOP_BY_HOP: [&str; 9] = [
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "http2-settings",
];

/// `set-headers`: `Some(taken)`, or `None` where the WIT leaves it open (a
/// hop-by-hop name, or a name twice).
pub(crate) fn headers(pairs: &[(String, String)]) -> Option<bool> {
    let token = |n: &str| {
        !n.is_empty()
            && n.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
    };
    let value = |v: &str| {
        let b = v.as_bytes();
        b.iter()
            .all(|c| c.is_ascii_graphic() || *c == b' ' || *c == b'\t')
            && b.first().is_none_or(u8::is_ascii_graphic)
            && b.last().is_none_or(u8::is_ascii_graphic)
    };
    let mut open = false;
    let mut seen: Vec<String> = Vec::new();
    for (n, v) in pairs {
        let lower = n.to_ascii_lowercase();
        if !token(n) || RESERVED.contains(&lower.as_str()) || !value(v) {
            return Some(false);
        }
        open |= HOP_BY_HOP.contains(&lower.as_str()) || seen.contains(&lower);
        seen.push(lower);
    }
    if open { None } else { Some(true) }
}

/// The bytes the tenant, the credentials and the headers each add, names
/// and values, as the 16 KiB bound counts them.
pub(crate) fn header_bytes(
    tenant: Option<&str>,
    auth: Option<&Auth>,
    headers: &[(String, String)],
) -> [(&'static str, usize); 3] {
    use base64::Engine;
    let tenant = tenant.map_or(0, |t| "x-scope-orgid".len() + t.len());
    let auth = auth.map_or(0, |a| {
        "authorization".len()
            + match a {
                Auth::Basic(b) => {
                    let plain = format!("{}:{}", b.user, b.password);
                    "Basic ".len()
                        + base64::engine::general_purpose::STANDARD
                            .encode(plain)
                            .len()
                }
                Auth::Bearer(t) => "Bearer ".len() + t.len(),
            }
    });
    let headers = headers
        .iter()
        .map(|(n, v)| n.len() + v.len())
        .sum::<usize>();
    [("tenant", tenant), ("auth", auth), ("headers", headers)]
}
