//! Stream labels and structured metadata names, checked the way Loki's
//! distributor checks them.

use crate::error::{Error, invalid_config, quoted};

/// The default `job` label value.
pub const DEFAULT_JOB: &str = "metrics";
/// Loki's `max_label_names_per_series` default.
pub const MAX_LABELS_PER_STREAM: usize = 15;
/// Loki's `max_label_name_length` default.
pub const MAX_LABEL_NAME_LEN: usize = 1024;
/// Loki's `max_label_value_length` default.
pub const MAX_LABEL_VALUE_LEN: usize = 2048;
/// Loki's `max_structured_metadata_entries_count` default.
pub const MAX_METADATA_ENTRIES: usize = 128;
/// Loki's `max_structured_metadata_size` default (64 KB), per entry.
pub const MAX_METADATA_BYTES: usize = 64 * 1024;

/// Static labels: `job` first (default or given), then the others in order.
pub fn stream_labels(given: &[(String, String)]) -> Result<Vec<(String, String)>, Error> {
    let mut out = vec![("job".to_string(), DEFAULT_JOB.to_string())];
    // Before the per-label checks, so that a huge list costs little: the
    // labels a stream would carry, `event` and (unless given) `job` with
    // them. (A repeated name is refused below.)
    let job_given = given.iter().any(|(name, _)| name == "job");
    let count = given.len() + if job_given { 1 } else { 2 };
    if count > MAX_LABELS_PER_STREAM {
        let with = if job_given {
            "`event`"
        } else {
            "`job` and `event`"
        };
        let why = format!("{count} labels with {with}; Loki allows {MAX_LABELS_PER_STREAM}");
        return Err(invalid_config("labels", why));
    }
    for (i, (name, value)) in given.iter().enumerate() {
        let at = |part: &str| format!("labels[{i}].{part}");
        label_name(name).map_err(|why| invalid_config(at("name"), why))?;
        if name == "event" {
            return Err(invalid_config(
                at("name"),
                "`event` is set from each event's name",
            ));
        }
        if value.is_empty() || value.len() > MAX_LABEL_VALUE_LEN {
            let why = format!(
                "must be 1 to {MAX_LABEL_VALUE_LEN} bytes, got {}",
                value.len()
            );
            return Err(invalid_config(at("value"), why));
        }
        if given[..i].iter().any(|(n, _)| n == name) {
            return Err(invalid_config(
                at("name"),
                format!("duplicate label `{name}`"),
            ));
        }
        if name == "job" {
            out[0].1 = value.clone();
        } else {
            out.push((name.clone(), value.clone()));
        }
    }
    Ok(out)
}

/// Structured metadata pairs, added after `shared` (the client's, already
/// checked): names by the label rules, and with `shared` within Loki's
/// limits per entry. `Err` is (field suffix, reason) for the caller to place
/// (`structured-metadata[0].name`, `entries[2].metadata[0].name`).
pub fn metadata(
    shared: &[(String, String)],
    pairs: &[(String, String)],
) -> Result<(), (String, String)> {
    let count = shared.len() + pairs.len();
    if count > MAX_METADATA_ENTRIES {
        let why = if shared.is_empty() {
            format!("{count} entries; Loki allows {MAX_METADATA_ENTRIES}")
        } else {
            format!("{count} entries with the client's; Loki allows {MAX_METADATA_ENTRIES}")
        };
        return Err((String::new(), why));
    }
    let mut size: usize = shared.iter().map(|(n, v)| n.len() + v.len()).sum();
    for (i, (name, value)) in pairs.iter().enumerate() {
        let at = || format!("[{i}].name");
        label_name(name).map_err(|why| (at(), why))?;
        // One value per name: a JSON body could carry only the last one,
        // protobuf would carry both.
        if shared.iter().any(|(n, _)| n == name) {
            return Err((
                at(),
                format!("`{name}` is in the client's `structured-metadata` too"),
            ));
        }
        if pairs[..i].iter().any(|(n, _)| n == name) {
            return Err((at(), format!("duplicate name `{name}`")));
        }
        size += name.len() + value.len();
    }
    if size > MAX_METADATA_BYTES {
        let with = if shared.is_empty() {
            ""
        } else {
            " with the client's"
        };
        return Err((
            String::new(),
            format!("{size} bytes{with}; Loki allows {MAX_METADATA_BYTES}"),
        ));
    }
    Ok(())
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not `__`-prefixed (reserved for Loki's own).
pub fn label_name(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    if b.len() > MAX_LABEL_NAME_LEN {
        return Err(format!(
            "{} bytes is longer than {MAX_LABEL_NAME_LEN}",
            b.len()
        ));
    }
    let first = b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
    if !first || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return Err(format!(
            "{} must match [a-zA-Z_][a-zA-Z0-9_]*",
            quoted(name)
        ));
    }
    if name.starts_with("__") {
        return Err(format!(
            "{}: names starting with `__` are reserved",
            quoted(name)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_follow_loki() {
        for ok in ["a", "_a", "A_1", "job"] {
            assert!(label_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a.b", "__x", "ü"] {
            assert!(label_name(bad).is_err(), "{bad}");
        }
    }

    fn named(n: usize) -> Vec<(String, String)> {
        (0..n).map(|i| (format!("l{i}"), "v".into())).collect()
    }

    #[test]
    fn the_label_count_is_what_a_stream_would_carry() {
        let reason = |given: &[(String, String)]| match stream_labels(given) {
            Err(Error::InvalidConfig(e)) => e.reason,
            other => panic!("{other:?}"),
        };
        assert!(stream_labels(&named(13)).is_ok(), "13, job and event: 15");
        let r = reason(&named(14));
        assert!(r.starts_with("16 labels with `job` and `event`"), "{r}");
        let r = reason(&named(15));
        assert!(r.starts_with("17 labels with `job` and `event`"), "{r}");
        let mut with_job = named(14);
        with_job.push(("job".into(), "j".into()));
        let r = reason(&with_job);
        assert!(r.starts_with("16 labels with `event`"), "{r}");
        assert!(
            stream_labels(&with_job[1..]).is_ok(),
            "14 with job, and event: 15"
        );
    }

    #[test]
    fn a_metadata_name_is_given_once() {
        let pairs = |names: &[&str]| -> Vec<(String, String)> {
            names.iter().map(|n| (n.to_string(), "v".into())).collect()
        };
        let (at, why) = metadata(&[], &pairs(&["a", "b", "a"])).unwrap_err();
        assert_eq!((&*at, &*why), ("[2].name", "duplicate name `a`"));
        let (at, why) = metadata(&pairs(&["a"]), &pairs(&["b", "a"])).unwrap_err();
        assert_eq!(at, "[1].name");
        assert!(why.contains("client's"), "{why}");
        assert!(metadata(&pairs(&["a"]), &pairs(&["b"])).is_ok());
    }
}
