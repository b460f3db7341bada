//! The contract's rules, restated independently of the component: which
//! events are valid, which lines Loki refuses, and what a line must hold.

use super::*;

/// The contract's validation rules (README "Validation"), restated.
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

/// Loki's `max_line_size` default, which the receiver enforces with a 400.
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

/// A line Loki refuses as too long.
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
