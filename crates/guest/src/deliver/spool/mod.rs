//! The spool: request bodies that could not be delivered, kept on disk in a
//! directory the host preopened, and replayed oldest-first.
//!
//! Any number of clients and processes may share one spool directory, and
//! WASI has no file locks, so nothing here needs one:
//! - every writer names its files uniquely (a random writer id from
//!   `wasi:random`, and a counter), and creates them exclusively;
//! - a file is written under a `.tmp` name, synced, and renamed, so a crash
//!   never leaves half a batch to replay;
//! - a replay first claims a batch by renaming it (atomic: one claimer wins),
//!   with a time limit in the new name after which any process may take it
//!   back (the claimer was killed);
//! - a file that vanished was claimed by another process: not an error;
//! - counts come from the checksummed header, never from a name.
//!
//! The file holds the exact body that was to be sent: a replay resends the
//! same bytes, which Loki's duplicate check absorbs if the first try did
//! arrive.

pub mod file;

use crate::Encoding;
use crate::counters::{Counters, Dropped};
use crate::deliver::clock::{Clock, Deadline};
use crate::error::{Error, storage};
use crate::settings::SpoolSettings;
use file::{HEADER_LEN, Head, Name, State, Stored};
use std::collections::HashSet;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::path::PathBuf;

/// The block most filesystems allocate: a file takes at least this much.
const BLOCK: u64 = 4096;
/// A `.tmp` file older than this was left by a writer that died.
const STALE_TMP_MS: u64 = 10 * 60 * 1000;
/// How long past its replay's deadline a claim holds, for the claimer to
/// settle it; after that any process may take the batch back.
const CLAIM_SLACK_MS: u64 = 5_000;
/// The longest a claim can rightly hold: the longest `deadline-ms`, and
/// the slack.
const MAX_CLAIM_MS: u64 = 86_400_000 + CLAIM_SLACK_MS;

/// What dropping a batch came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Removal {
    /// Removed, its events counted as dropped.
    Dropped,
    /// Not a batch after all: quarantined (still on disk).
    SetAside,
    /// Another process took it first.
    Gone,
}

/// A batch this process has claimed for replay.
#[derive(Debug)]
pub struct Claim {
    name: Name,
    until_ms: u64,
    /// What the file takes on disk.
    size: u64,
}

/// A ready batch, and what its file takes on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ready {
    pub name: Name,
    pub size: u64,
}

/// What taking the oldest batch found.
#[derive(Debug)]
pub enum Taken {
    /// Another process has it (or had it and delivered it).
    Gone,
    /// Its content did not match its checksum: quarantined and counted.
    Corrupt,
    /// Claimed, read and verified.
    Batch(Claim, Stored),
}

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    /// The endpoint and tenant this client sends to (`file::destination`):
    /// the batches it writes, and the only ones it replays.
    destination: u32,
    max_bytes: u64,
    max_age_ms: u64,
    writer: u64,
    next: u64,
    /// Names already counted as skipped, so each is counted once.
    skipped: HashSet<String>,
    /// Ready batches whose header this process has checked (`sort_out`).
    checked: HashSet<Name>,
    /// Ready or claimed batches, when last looked at.
    batches: u64,
    /// What the spool's files take on disk, when last looked at.
    bytes: u64,
}

/// One look at the directory.
#[derive(Debug, Default)]
struct Look {
    ready: Vec<(Name, u64)>,
    bad: Vec<(Name, u64)>,
    bytes: u64,
    batches: u64,
    listed: Listed,
}

/// How far a look got.
#[derive(Debug, Default, PartialEq, Eq)]
enum Listed {
    /// Every entry: the totals are the spool's.
    #[default]
    All,
    /// The deadline cut the look short: totals are partial.
    Part,
    /// The directory could not be listed (then nothing is replayed, and the
    /// call's own events go as if the spool were empty).
    Nothing,
}

/// Whether to stop before the `i`-th of many file operations: the deadline
/// is checked every `every` of them (each check is a clock read).
fn late(i: usize, every: usize, deadline: &Deadline, clock: &dyn Clock) -> bool {
    i % every == every - 1 && deadline.passed(clock)
}

impl Spool {
    /// Make sure the directory exists and is one. Nothing is read: the
    /// spool is looked at by the calls that need it, within their deadline.
    pub fn open(settings: &SpoolSettings, destination: u32, writer: u64) -> Result<Spool, Error> {
        let dir = PathBuf::from(&settings.dir);
        if let Err(e) = fs::create_dir_all(&dir) {
            return Err(storage(&settings.dir, &e));
        }
        match fs::metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::Storage {
                    path: settings.dir.clone(),
                    detail: "not a directory (the spool needs one)".into(),
                });
            }
            Err(e) => return Err(storage(&settings.dir, &e)),
        }
        Ok(Spool {
            dir,
            destination,
            max_bytes: settings.max_bytes,
            max_age_ms: settings.max_age_ms,
            writer,
            next: 0,
            skipped: HashSet::new(),
            checked: HashSet::new(),
            batches: 0,
            bytes: 0,
        })
    }

    /// The directory, as the component sees it.
    pub fn dir(&self) -> String {
        self.dir.to_string_lossy().into_owned()
    }

    /// Ready or claimed batches when last looked at.
    pub fn batches(&self) -> u64 {
        self.batches
    }

    /// What the spool took on disk when last looked at.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Look at the spool and tidy it: take back stale claims, remove stale
    /// `.tmp` files, drop expired batches, keep within `max-bytes` (all
    /// destinations' batches: the bounds are the directory's). Returns the
    /// ready batches for this client's destination, oldest first; `None`
    /// when `deadline` passed before the spool was looked through and tidied
    /// (the next call goes on).
    pub fn tidy(
        &mut self,
        now_ms: u64,
        counters: &mut Counters,
        clock: &dyn Clock,
        deadline: Deadline,
    ) -> Option<Vec<Ready>> {
        let look = self.look(now_ms, counters, clock, deadline);
        match look.listed {
            Listed::All => {}
            Listed::Part => return None,
            Listed::Nothing => return Some(Vec::new()),
        }
        let mut ready = Vec::with_capacity(look.ready.len());
        let mut bad = look.bad;
        // Each drop is a few file operations: past the deadline, the rest
        // wait for the next call (and this one has no time to replay them).
        let mut drops = 0;
        for (name, size) in look.ready {
            if now_ms.saturating_sub(name.created_ms) > self.max_age_ms {
                if late(drops, 8, &deadline, clock) {
                    return None;
                }
                drops += 1;
                match self.drop_file(&name, now_ms, Dropped::SpoolExpired, counters) {
                    Removal::Dropped => self.bytes = self.bytes.saturating_sub(size),
                    // Still on disk: among the first to go if over the bound.
                    Removal::SetAside => bad.push((name, size)),
                    Removal::Gone => {}
                }
                self.batches = self.batches.saturating_sub(1);
            } else {
                ready.push((name, size));
            }
        }
        if !self.evict(&mut ready, bad, now_ms, counters, clock, deadline) {
            return None;
        }
        let ours = ready
            .into_iter()
            .filter(|(name, _)| name.destination == self.destination)
            .map(|(name, size)| Ready { name, size })
            .collect();
        Some(ours)
    }

    /// Claim `name`, read it and verify it. A file this process may not
    /// read is set aside like a corrupt one, so that the batches behind it
    /// are not held up. An `Err`: it could not be claimed, read (I/O) or
    /// set aside; then it is left as it was, and everything behind it waits.
    pub fn take(
        &mut self,
        ready: &Ready,
        until_ms: u64,
        counters: &mut Counters,
    ) -> Result<Taken, Error> {
        let name = &ready.name;
        let until_ms = until_ms.saturating_add(CLAIM_SLACK_MS);
        let claimed = State::Claimed { until_ms };
        match fs::rename(self.path(name, &State::Ready), self.path(name, &claimed)) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Taken::Gone),
            Err(e) => return Err(self.failed(name, &State::Ready, &e)),
        }
        let claim = Claim {
            name: name.clone(),
            until_ms,
            size: ready.size,
        };
        let bytes = match fs::read(self.path(name, &claimed)) {
            Ok(bytes) => bytes,
            // Taken back by another process after a stale-claim timeout.
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Taken::Gone),
            // Permissions do not change by waiting: set it aside. Another
            // error (I/O, too many open files) may pass: keep it.
            Err(e) if e.kind() != ErrorKind::PermissionDenied => {
                let error = self.failed(name, &claimed, &e);
                self.release(claim);
                return Err(error);
            }
            Err(e) => {
                let bad = self.path(name, &State::Quarantined);
                if fs::rename(self.path(name, &claimed), &bad).is_err() {
                    let error = self.failed(name, &claimed, &e);
                    self.release(claim);
                    return Err(error);
                }
                self.set_aside(counters);
                counters.failed(format!(
                    "a spool file could not be read and was set aside: {}: {}",
                    bad.display(),
                    crate::error::io_detail(&e)
                ));
                return Ok(Taken::Corrupt);
            }
        };
        match file::decode(&bytes) {
            Ok(stored) if stored.is_named(name) => Ok(Taken::Batch(claim, stored)),
            _ => {
                let _ = fs::rename(
                    self.path(name, &claimed),
                    self.path(name, &State::Quarantined),
                );
                self.set_aside(counters);
                self.say_quarantined(name, counters);
                Ok(Taken::Corrupt)
            }
        }
    }

    /// A batch was quarantined: still on disk, but no longer a batch.
    fn set_aside(&mut self, counters: &mut Counters) {
        self.batches = self.batches.saturating_sub(1);
        counters.quarantined();
    }

    fn say_quarantined(&self, name: &Name, counters: &mut Counters) {
        counters.failed(format!(
            "a spool file did not match its checksum and was set aside: {}",
            self.path(name, &State::Quarantined).display()
        ));
    }

    fn say_not_a_batch(&self, name: &Name, counters: &mut Counters) {
        counters.failed(format!(
            "a spool file was not a whole batch and was set aside: {}",
            self.path(name, &State::Quarantined).display()
        ));
    }

    /// The claimed batch was delivered, or refused for good: remove it.
    pub fn finish(&mut self, claim: Claim) {
        // If it cannot be removed it is replayed again once the claim goes
        // stale; Loki's duplicate check makes that harmless.
        let claimed = State::Claimed {
            until_ms: claim.until_ms,
        };
        let _ = fs::remove_file(self.path(&claim.name, &claimed));
        self.batches = self.batches.saturating_sub(1);
        self.bytes = self.bytes.saturating_sub(claim.size);
    }

    /// The claimed batch could not be delivered now: put it back.
    pub fn release(&mut self, claim: Claim) {
        let claimed = State::Claimed {
            until_ms: claim.until_ms,
        };
        let _ = fs::rename(
            self.path(&claim.name, &claimed),
            self.path(&claim.name, &State::Ready),
        );
    }

    /// Keep `body` (then [`Spool::trim`] keeps the spool within its bound).
    /// `Ok(false)`: the body alone is larger than the spool may hold, so it
    /// was not kept (and is counted as dropped).
    pub fn append(
        &mut self,
        body: &[u8],
        encoding: Encoding,
        events: u32,
        now_ms: u64,
        counters: &mut Counters,
    ) -> Result<bool, Error> {
        let size = on_disk((HEADER_LEN + body.len()) as u64);
        if size > self.max_bytes {
            counters.dropped(Dropped::SpoolFull, u64::from(events));
            return Ok(false);
        }
        let name = Name {
            created_ms: now_ms,
            destination: self.destination,
            writer: self.writer,
            n: self.next,
        };
        self.next += 1;
        let tmp = self.path(&name, &State::Writing);
        let bytes = file::encode(&name, encoding, events, body);
        if let Err(e) = write_new(&tmp, &bytes) {
            // A failed write leaves nothing behind.
            let _ = fs::remove_file(&tmp);
            return Err(self.failed(&name, &State::Writing, &e));
        }
        if let Err(e) = fs::rename(&tmp, self.path(&name, &State::Ready)) {
            let _ = fs::remove_file(&tmp);
            return Err(self.failed(&name, &State::Ready, &e));
        }
        self.batches += 1;
        self.bytes += size;
        Ok(true)
    }

    /// Drop the oldest batches while the spool is over `max-bytes`. It looks
    /// again after every append rather than trusting its own count: other
    /// processes sharing the directory may have written since it last
    /// looked. (Appends happen only while the receiver is down.)
    pub fn trim(
        &mut self,
        now_ms: u64,
        counters: &mut Counters,
        clock: &dyn Clock,
        deadline: Deadline,
    ) {
        let look = self.look(now_ms, counters, clock, deadline);
        if look.listed == Listed::All {
            let mut ready = look.ready;
            // Out of time, the next call goes on.
            let _ = self.evict(&mut ready, look.bad, now_ms, counters, clock, deadline);
        }
    }

    /// List the directory: count what is there, take back stale claims and
    /// remove stale `.tmp` files on the way.
    fn look(
        &mut self,
        now_ms: u64,
        counters: &mut Counters,
        clock: &dyn Clock,
        deadline: Deadline,
    ) -> Look {
        let mut look = Look::default();
        let Ok(entries) = fs::read_dir(&self.dir) else {
            look.listed = Listed::Nothing;
            return look;
        };
        for (i, entry) in entries.enumerate() {
            if late(i, 32, &deadline, clock) {
                look.listed = Listed::Part;
                break;
            }
            let Ok(entry) = entry else { continue };
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let regular = entry.file_type().is_ok_and(|t| t.is_file());
            let parsed = Name::parse(&file_name).filter(|_| regular);
            let Some((name, state)) = parsed else {
                if self.skipped.insert(file_name) {
                    counters.skipped();
                }
                continue;
            };
            // Gone since the listing: another process took it.
            let Ok(meta) = entry.metadata() else { continue };
            let size = on_disk(meta.len());
            match state {
                State::Ready => {
                    look.batches += 1;
                    look.bytes += size;
                    look.ready.push((name, size));
                }
                State::Writing if now_ms.saturating_sub(name.created_ms) > STALE_TMP_MS => {
                    let _ = fs::remove_file(entry.path());
                }
                State::Writing => look.bytes += size,
                // Past its time, or claimed for longer than any call may
                // take (a clock that jumped, a foreign name).
                State::Claimed { until_ms }
                    if until_ms < now_ms || until_ms > now_ms.saturating_add(MAX_CLAIM_MS) =>
                {
                    // Its claimer died: take it back (if another process
                    // does first, this rename finds nothing).
                    if fs::rename(entry.path(), self.path(&name, &State::Ready)).is_ok() {
                        look.batches += 1;
                        look.bytes += size;
                        look.ready.push((name, size));
                    }
                }
                State::Claimed { .. } => {
                    look.batches += 1;
                    look.bytes += size;
                }
                State::Quarantined => {
                    look.bytes += size;
                    look.bad.push((name, size));
                }
            }
        }
        look.ready.sort();
        look.bad.sort();
        if look.listed == Listed::All {
            self.batches = look.batches;
            self.bytes = look.bytes;
            // Forget the batches that are gone, so a long-lived client's
            // set does not grow.
            if !self.checked.is_empty() {
                let listed: HashSet<&Name> = look.ready.iter().map(|(n, _)| n).collect();
                self.checked.retain(|n| listed.contains(n));
            }
        }
        look
    }

    /// Drop quarantined files, then the oldest batches, while over
    /// `max-bytes`; `ready` loses what was dropped. `false`: `deadline`
    /// passed first (the next call goes on).
    fn evict(
        &mut self,
        ready: &mut Vec<(Name, u64)>,
        mut bad: Vec<(Name, u64)>,
        now_ms: u64,
        counters: &mut Counters,
        clock: &dyn Clock,
        deadline: Deadline,
    ) -> bool {
        if self.bytes > self.max_bytes {
            // No good batch goes while a file posing as one stays. Sorting
            // out gets half the time left, so that a large spool is still
            // trimmed within the call: past that, the oldest go as before
            // (and one that is no batch is set aside then, by `drop_file`).
            if let Some(budget) = deadline.within(clock, deadline.remaining_ms(clock) / 2) {
                bad.extend(self.sort_out(ready, counters, clock, &budget));
            }
        }
        for (i, (name, size)) in bad.into_iter().enumerate() {
            if self.bytes <= self.max_bytes {
                return true;
            }
            if late(i, 8, &deadline, clock) {
                return false;
            }
            if fs::remove_file(self.path(&name, &State::Quarantined)).is_ok() {
                self.bytes = self.bytes.saturating_sub(size);
            }
        }
        let mut dropped = 0;
        let mut in_time = true;
        for (name, size) in ready.iter() {
            if self.bytes <= self.max_bytes {
                break;
            }
            if late(dropped, 8, &deadline, clock) {
                in_time = false;
                break;
            }
            dropped += 1;
            let bad = self.path(name, &State::Quarantined);
            match self.drop_file(name, now_ms, Dropped::SpoolFull, counters) {
                Removal::Dropped => self.bytes = self.bytes.saturating_sub(*size),
                // Set aside while over the bound: it goes at once.
                Removal::SetAside if fs::remove_file(bad).is_ok() => {
                    self.bytes = self.bytes.saturating_sub(*size);
                }
                Removal::SetAside | Removal::Gone => {}
            }
            self.batches = self.batches.saturating_sub(1);
        }
        ready.drain(..dropped);
        in_time
    }

    /// Quarantine the ready files that are no batch: a header that is not
    /// one of ours, is not for the file's name, or announces another length
    /// than the file has (cut short, or grown). They leave `ready` and are
    /// returned. Each file is read once per process (its header only), until
    /// `deadline` passes.
    fn sort_out(
        &mut self,
        ready: &mut Vec<(Name, u64)>,
        counters: &mut Counters,
        clock: &dyn Clock,
        deadline: &Deadline,
    ) -> Vec<(Name, u64)> {
        let mut found = Vec::new();
        let mut reads = 0;
        for (name, size) in ready.iter() {
            if self.checked.contains(name) {
                continue;
            }
            if late(reads, 8, deadline, clock) {
                break;
            }
            reads += 1;
            let path = self.path(name, &State::Ready);
            let head = read_head(&path);
            match head {
                // Gone since the listing: another process took it.
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Ok((Some(head), len)) if head.is_for(name) && head.file_len == len => {
                    self.checked.insert(name.clone());
                }
                _ => {
                    if fs::rename(&path, self.path(name, &State::Quarantined)).is_ok() {
                        self.set_aside(counters);
                        self.say_not_a_batch(name, counters);
                        found.push((name.clone(), *size));
                    }
                }
            }
        }
        ready.retain(|(name, _)| !found.iter().any(|(f, _)| f == name));
        found
    }

    /// Claim and delete a batch unsent, counting its events (from its
    /// header) as dropped for `why`. A file whose header is not one of ours,
    /// or disagrees with its name, is quarantined instead.
    fn drop_file(
        &mut self,
        name: &Name,
        now_ms: u64,
        why: Dropped,
        counters: &mut Counters,
    ) -> Removal {
        let claimed = State::Claimed {
            until_ms: now_ms.saturating_add(CLAIM_SLACK_MS),
        };
        if fs::rename(self.path(name, &State::Ready), self.path(name, &claimed)).is_err() {
            return Removal::Gone;
        }
        let path = self.path(name, &claimed);
        match read_head(&path) {
            Ok((Some(head), _)) if head.is_for(name) => {
                let _ = fs::remove_file(&path);
                counters.dropped(why, u64::from(head.events));
                Removal::Dropped
            }
            _ => {
                // Not a batch after all: keep it for inspection.
                let _ = fs::rename(&path, self.path(name, &State::Quarantined));
                counters.quarantined();
                self.say_not_a_batch(name, counters);
                Removal::SetAside
            }
        }
    }

    fn path(&self, name: &Name, state: &State) -> PathBuf {
        self.dir.join(name.file(state))
    }

    fn failed(&self, name: &Name, state: &State, e: &std::io::Error) -> Error {
        storage(&self.path(name, state).to_string_lossy(), e)
    }
}

/// A file's header (`None`: too short, or not one of ours) and its length.
fn read_head(path: &std::path::Path) -> std::io::Result<(Option<Head>, u64)> {
    let mut file = fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = [0; HEADER_LEN];
    Ok(match file.read_exact(&mut head) {
        Ok(()) => (file::peek(&head), len),
        Err(_) => (None, len),
    })
}

/// What a file of `len` bytes takes on disk: whole blocks, at least one.
fn on_disk(len: u64) -> u64 {
    len.div_ceil(BLOCK).max(1) * BLOCK
}

/// Write `bytes` to a file that must not exist yet, and ask for them to
/// reach the disk, so that the rename never publishes a file whose bytes a
/// power loss could take back. (A host that cannot sync still gets the file.)
fn write_new(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(bytes)?;
    let _ = file.sync_data();
    Ok(())
}
