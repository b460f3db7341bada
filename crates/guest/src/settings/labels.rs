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
    // Before the per-label checks, so that a huge list costs nothing: the
    // given labels and `event` alone are already too many.
    if given.len() + 1 > MAX_LABELS_PER_STREAM {
        let why = format!(
            "{} labels with `event`; Loki allows {MAX_LABELS_PER_STREAM}",
            given.len() + 1
        );
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
    // `+ 1` for the `event` label every stream carries.
    if out.len() + 1 > MAX_LABELS_PER_STREAM {
        let why = format!(
            "{} labels with `job` and `event`; Loki allows {MAX_LABELS_PER_STREAM}",
            out.len() + 1
        );
        return Err(invalid_config("labels", why));
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
        label_name(name).map_err(|why| (format!("[{i}].name"), why))?;
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
}
