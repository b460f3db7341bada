//! The spool: request bodies that could not be delivered, kept on disk in a
//! directory the host preopened, and replayed oldest-first.
//!
//! One file per batch, named `<seq>.<created ms>.<events>.<kind>.batch`, so
//! opening the spool needs only a directory listing. A file is written under a
//! `.tmp` name, synced, and renamed, so a crash never leaves half a batch to
//! replay.
//! The file holds the exact body that was sent: a replay resends the same
//! bytes, which Loki's duplicate check absorbs if the first try did arrive.

use crate::Error;
use crate::config::SpoolSettings;
use crate::encode::BodyKind;
use crate::encode::{json, protobuf};
use std::collections::VecDeque;
use std::fs;
use std::path::PathBuf;

/// One spooled batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spooled {
    pub seq: u64,
    pub created_ms: u64,
    pub events: u32,
    pub kind: BodyKind,
    pub bytes: u64,
}

/// What the front of the spool holds.
#[derive(Debug)]
pub enum Oldest {
    Empty,
    /// The oldest batch and its bytes.
    Batch(Spooled, Vec<u8>),
    /// The oldest batch's file was deleted behind the client's back.
    Gone(Spooled),
}

/// Events dropped to keep within the bounds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Evicted {
    pub full: u64,
    pub expired: u64,
}

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    max_age_ms: u64,
    files: VecDeque<Spooled>,
    bytes: u64,
    next_seq: u64,
}

impl Spool {
    /// Open (or create) the spool directory and index what it holds.
    pub fn open(settings: &SpoolSettings) -> Result<Spool, Error> {
        let dir = PathBuf::from(&settings.dir);
        let failed = |e: std::io::Error| storage(&settings.dir, e);
        fs::create_dir_all(&dir).map_err(failed)?;
        let mut files = Vec::new();
        for entry in fs::read_dir(&dir).map_err(failed)? {
            let entry = entry.map_err(failed)?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.ends_with(".tmp") {
                // An interrupted write: never renamed, never acknowledged.
                let _ = fs::remove_file(entry.path());
            } else if let Some(mut f) = parse_name(name) {
                f.bytes = entry.metadata().map_err(failed)?.len();
                files.push(f);
            }
        }
        files.sort_by_key(|f| f.seq);
        let next_seq = files.last().map_or(0, |f| f.seq + 1);
        let bytes = files.iter().map(|f| f.bytes).sum();
        Ok(Spool {
            dir,
            max_bytes: settings.max_bytes,
            max_age_ms: settings.max_age_ms,
            files: files.into(),
            bytes,
            next_seq,
        })
    }

    pub fn events(&self) -> u64 {
        self.files.iter().map(|f| u64::from(f.events)).sum()
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Keep `body`; then drop the oldest batches while over `max-bytes`.
    /// `Ok(false)`: the body alone is larger than the spool may hold, so it
    /// was not kept.
    pub fn append(
        &mut self,
        body: &[u8],
        kind: BodyKind,
        events: u32,
        now_ms: u64,
        evicted: &mut Evicted,
    ) -> Result<bool, Error> {
        if body.len() as u64 > self.max_bytes {
            evicted.full += u64::from(events);
            return Ok(false);
        }
        let f = Spooled {
            seq: self.next_seq,
            created_ms: now_ms,
            events,
            kind,
            bytes: body.len() as u64,
        };
        let path = self.path(&f);
        let tmp = path.with_extension("tmp");
        let failed = |e: std::io::Error| storage(&path.to_string_lossy(), e);
        write_synced(&tmp, body).map_err(failed)?;
        fs::rename(&tmp, &path).map_err(failed)?;
        self.next_seq += 1;
        self.bytes += f.bytes;
        self.files.push_back(f);
        while self.bytes > self.max_bytes {
            match self.pop_front() {
                Some(old) => evicted.full += u64::from(old.events),
                None => break,
            }
        }
        Ok(true)
    }

    /// Drop batches older than `max-age-ms`.
    pub fn expire(&mut self, now_ms: u64, evicted: &mut Evicted) {
        while let Some(f) = self.files.front() {
            if now_ms.saturating_sub(f.created_ms) <= self.max_age_ms {
                break;
            }
            if let Some(old) = self.pop_front() {
                evicted.expired += u64::from(old.events);
            }
        }
    }

    /// The oldest batch and its bytes. An `Err` is a file that exists but
    /// cannot be read now (permissions, I/O): it is kept.
    pub fn oldest(&self) -> Result<Oldest, Error> {
        let Some(f) = self.files.front() else {
            return Ok(Oldest::Empty);
        };
        let path = self.path(f);
        match fs::read(&path) {
            Ok(body) => Ok(Oldest::Batch(f.clone(), body)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Oldest::Gone(f.clone())),
            Err(e) => Err(storage(&path.to_string_lossy(), e)),
        }
    }

    /// Forget the oldest batch (delivered, or refused for good).
    pub fn pop_front(&mut self) -> Option<Spooled> {
        let f = self.files.pop_front()?;
        self.bytes -= f.bytes;
        // If the file cannot be removed it would be replayed again after a
        // restart; Loki's duplicate check makes that harmless.
        let _ = fs::remove_file(self.path(&f));
        Some(f)
    }

    fn path(&self, f: &Spooled) -> PathBuf {
        let kind = match (f.kind.content_type, f.kind.content_encoding) {
            (protobuf::CONTENT_TYPE, _) => "proto",
            (_, Some(_)) => "gzip",
            _ => "json",
        };
        self.dir.join(format!(
            "{:020}.{}.{}.{kind}.batch",
            f.seq, f.created_ms, f.events
        ))
    }
}

/// The inverse of `Spool::path`'s file name.
fn parse_name(name: &str) -> Option<Spooled> {
    let mut parts = name.strip_suffix(".batch")?.split('.');
    let seq = parts.next()?.parse().ok()?;
    let created_ms = parts.next()?.parse().ok()?;
    let events = parts.next()?.parse().ok()?;
    let kind = match parts.next()? {
        "json" => BodyKind {
            content_type: json::CONTENT_TYPE,
            content_encoding: None,
        },
        "gzip" => BodyKind {
            content_type: json::CONTENT_TYPE,
            content_encoding: Some("gzip"),
        },
        "proto" => BodyKind {
            content_type: protobuf::CONTENT_TYPE,
            content_encoding: None,
        },
        _ => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(Spooled {
        seq,
        created_ms,
        events,
        kind,
        bytes: 0,
    })
}

/// Write `body` to a new file and ask for it to reach the disk, so that the
/// rename never publishes a file whose bytes a power loss could take back.
/// A host that cannot sync still gets the file: the sync is best effort.
fn write_synced(path: &std::path::Path, body: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = fs::File::create(path)?;
    file.write_all(body)?;
    let _ = file.sync_data();
    Ok(())
}

fn storage(path: &str, e: std::io::Error) -> Error {
    crate::error::storage(path, e.to_string())
}
