//! The file sink: lines appended to a file, one per line, as the Python
//! runner manager writes the metrics log Promtail tails.

use crate::Error;
use crate::batch::Batch;
use crate::error::storage;
use std::fs::OpenOptions;
use std::io::Write;

/// Append every line of `batch`, in issue order, with one write, and return
/// the bytes written. The file is opened per call so that log rotation
/// (rename, then a new file) is followed.
pub fn append(path: &str, batch: &Batch, buf: &mut Vec<u8>) -> Result<usize, Error> {
    buf.clear();
    for p in &batch.entries {
        buf.extend_from_slice(batch.line(p).as_bytes());
        buf.push(b'\n');
    }
    let failed = |e: std::io::Error| storage(path, e.to_string());
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(failed)?;
    file.write_all(buf).map_err(failed)?;
    Ok(buf.len())
}

/// Make sure the file can be opened for appending (creating it if needed).
pub fn check(path: &str) -> Result<(), Error> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(drop)
        .map_err(|e| storage(path, e.to_string()))
}
