//! The `log-file` sink: lines appended to a file, one per line, as the
//! Python runner manager writes the metrics log Promtail tails.
//!
//! Promtail reads the file line by line, so a line must never be glued to
//! the remains of one a failed write cut short: an append that finds the file
//! not ending in a newline starts with one. A failed append is not undone by
//! cutting the file back: other processes may append to the same file (each
//! runner hook is one), and a cut would erase the lines they wrote meanwhile.

use crate::Event;
use crate::error::{Error, invalid_config, invalid_event, storage};
use crate::event::{self, line, validate};
use crate::settings::defaults;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};

/// A file to append lines to.
#[derive(Debug)]
pub struct LogFile {
    path: String,
    buf: Vec<u8>,
}

impl LogFile {
    /// Check that `path` can be opened for appending (creating the file).
    pub fn open(path: &str) -> Result<LogFile, Error> {
        if path.is_empty() {
            return Err(invalid_config("path", "is empty"));
        }
        // As the spool's directory: a NUL would reach the host's file
        // system as an error in Rust's own words.
        if path.chars().any(char::is_control) {
            return Err(invalid_config("path", "contains control characters"));
        }
        open(path).map_err(|e| storage(path, &e))?;
        Ok(LogFile {
            path: path.to_string(),
            buf: Vec::new(),
        })
    }

    /// Append the line of every event, in order, with one write. The events
    /// are all checked first: an invalid one writes nothing.
    pub fn write(&mut self, events: &[Event]) -> Result<(), Error> {
        let max_line = defaults::MAX_LINE_BYTES as usize;
        self.buf.clear();
        for (i, event) in events.iter().enumerate() {
            // `events[i].duration`; the event as a whole is `events[i]`
            // (its name in a client's `entry` is `event`).
            let at = |e: Error| match e {
                Error::InvalidEvent(mut input) => {
                    input.field = match input.field.as_str() {
                        "event" => format!("events[{i}]"),
                        field => format!("events[{i}].{field}"),
                    };
                    Error::InvalidEvent(input)
                }
                other => other,
            };
            validate::event(event, max_line).map_err(at)?;
            let start = self.buf.len();
            line::write(event, &mut self.buf)
                .map_err(|e| at(invalid_event("event", e.to_string())))?;
            let len = self.buf.len() - start;
            if len > max_line {
                return Err(at(invalid_event(
                    "event",
                    event::line_too_long(len, max_line),
                )));
            }
            self.buf.push(b'\n');
            if self.buf.len() > event::CALL_LINES_MAX {
                self.buf = Vec::new();
                return Err(event::too_many_lines("events"));
            }
        }
        if self.buf.is_empty() {
            return Ok(());
        }
        // The file is opened per call so that log rotation (rename, then a
        // new file) is followed.
        let mut file = open(&self.path).map_err(|e| storage(&self.path, &e))?;
        append(&mut file, &mut self.buf).map_err(|e| storage(&self.path, &e))
    }
}

fn open(path: &str) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
}

/// Append `lines` (each ending in a newline), on a new line of their own.
fn append(file: &mut File, lines: &mut Vec<u8>) -> std::io::Result<()> {
    let len = file.seek(SeekFrom::End(0))?;
    // A line an earlier failure cut short: start on a new line rather than
    // glue this one to it. In the same write as the lines, so that another
    // process's append cannot come between the two.
    let mut last = [0u8];
    let broken = len > 0
        && file.seek(SeekFrom::Start(len - 1)).is_ok()
        && file.read_exact(&mut last).is_ok()
        && last[0] != b'\n';
    if broken {
        lines.insert(0, b'\n');
    }
    file.write_all(lines)
}
