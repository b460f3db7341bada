//! The exported `promtail` interface: the module-level functions and the
//! `client` resource. This file wires validation, encoding, delivery, the
//! spool and the file sink together; each lives in its own module.

use crate::batch::Batch;
use crate::bindings::exports::github_runner::metrics::promtail::{self, Entry, Stats};
use crate::config::{Settings, check_metadata};
use crate::deliver::{self, Deadline, Failure};
use crate::encode::{BodyKind, Encoder};
use crate::error::{describe, invalid_event, spooled, storage};
use crate::spool::{Evicted, Spool};
use crate::stats::Counters;
use crate::{Component, Config, Error, Event, sink, validate};
use std::cell::RefCell;
use std::ops::Range;

type Pairs = [(String, String)];

impl promtail::Guest for Component {
    type Client = Client;

    fn issue_event(event: Event) -> Result<(), Error> {
        with_default(|c| c.issue([(&event, &[][..])].into_iter(), false))
    }

    fn issue_events(events: Vec<Event>) -> Result<(), Error> {
        with_default(|c| c.issue(events.iter().map(|e| (e, &[][..])), true))
    }

    fn issue_entries(entries: Vec<Entry>) -> Result<(), Error> {
        with_default(|c| c.issue(entries.iter().map(entry), true))
    }
}

impl promtail::GuestClient for Client {
    fn new(config: Config) -> Result<Client, Error> {
        Client::open(Settings::new(config)?)
    }

    fn issue_event(&self, event: Event) -> Result<(), Error> {
        self.inner
            .borrow_mut()
            .issue([(&event, &[][..])].into_iter(), false)
    }

    fn issue_events(&self, events: Vec<Event>) -> Result<(), Error> {
        self.inner
            .borrow_mut()
            .issue(events.iter().map(|e| (e, &[][..])), true)
    }

    fn issue_entries(&self, entries: Vec<Entry>) -> Result<(), Error> {
        self.inner
            .borrow_mut()
            .issue(entries.iter().map(entry), true)
    }

    fn flush(&self) -> Result<(), Error> {
        let mut inner = self.inner.borrow_mut();
        let result = inner.flush();
        inner.note(result)
    }

    fn stats(&self) -> Stats {
        self.inner.borrow().stats()
    }
}

fn entry(e: &Entry) -> (&Event, &Pairs) {
    (&e.event, e.metadata.as_deref().unwrap_or_default())
}

/// The module-level functions share one client with the default settings.
fn with_default(f: impl FnOnce(&mut Inner) -> Result<(), Error>) -> Result<(), Error> {
    thread_local! {
        static DEFAULT: RefCell<Option<Client>> = const { RefCell::new(None) };
    }
    DEFAULT.with(|slot| {
        let mut slot = slot.borrow_mut();
        let client = match slot.as_mut() {
            Some(c) => c,
            None => slot.insert(Client::open(Settings::module_defaults()?)?),
        };
        f(client.inner.get_mut())
    })
}

/// A configured client. It keeps its buffers, batch and counters.
pub struct Client {
    inner: RefCell<Inner>,
}

struct Inner {
    settings: Settings,
    batch: Batch,
    encoder: Encoder,
    stats: Counters,
    spool: Option<Spool>,
    /// The last entry timestamp given out, to keep them strictly increasing.
    last_ts: u64,
}

/// The state of one flush: once delivery has failed for good, the rest of
/// the flush goes to the spool (keeping order) instead of being tried.
#[derive(Default)]
struct Run {
    down: Option<Error>,
    spooled: u32,
    lost: Option<Error>,
}

impl Client {
    fn open(settings: Settings) -> Result<Client, Error> {
        if let Some(path) = &settings.file_sink {
            // Fail at construction, not at the first event, when the host did
            // not preopen the directory.
            sink::check(path)?;
        }
        let spool = settings.spool.as_ref().map(Spool::open).transpose()?;
        Ok(Client {
            inner: RefCell::new(Inner {
                settings,
                batch: Batch::default(),
                encoder: Encoder::default(),
                stats: Counters::default(),
                spool,
                last_ts: 0,
            }),
        })
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let inner = self.inner.get_mut();
        if inner.batch.is_empty() {
            return;
        }
        let events = inner.batch.len();
        match inner.flush() {
            Ok(()) | Err(Error::Spooled(_)) => {}
            // Nothing to return the error to: say so rather than lose them
            // silently.
            Err(e) => {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "runner-metrics: a dropped client could not deliver {events} buffered events: {}",
                    describe(&e)
                );
            }
        }
    }
}

impl Inner {
    fn issue<'a>(
        &mut self,
        items: impl Iterator<Item = (&'a Event, &'a Pairs)>,
        indexed: bool,
    ) -> Result<(), Error> {
        let before = self.batch.len();
        // One clock read per call; entries within it count up from there.
        let now = if self.settings.use_event_timestamp {
            0
        } else {
            now_ns()
        };
        for (i, (event, metadata)) in items.enumerate() {
            if let Err(e) = self.stage(event, metadata, now) {
                // All or nothing: an invalid event leaves the batch as it was.
                self.batch.truncate(before);
                let e = if indexed { at_index(e, i) } else { e };
                return self.note(Err(e));
            }
        }
        let full = self.batch.len() >= self.settings.batch_max_events as usize
            || self.batch.bytes >= self.settings.batch_max_bytes as usize;
        let result = if full { self.flush() } else { Ok(()) };
        self.note(result)
    }

    /// Validate and encode one event into the batch.
    fn stage(&mut self, event: &Event, metadata: &Pairs, now: u64) -> Result<(), Error> {
        validate::event(event)?;
        if let Err((at, why)) = check_metadata(metadata) {
            return Err(invalid_event(format!("metadata{at}"), why));
        }
        let ts_ns = if self.settings.use_event_timestamp {
            // Saturating: an absurd timestamp is refused by Loki, not here.
            (validate::timestamp(event) * 1e9) as u64
        } else {
            // Strictly increasing, so two identical lines issued within the
            // same nanosecond are not taken for duplicates by Loki.
            self.last_ts = now.max(self.last_ts + 1);
            self.last_ts
        };
        self.batch
            .push(event, ts_ns, metadata)
            .map_err(|e| invalid_event("event", e.to_string()))
    }

    /// Replay the spool, then push (or write) the batch.
    fn flush(&mut self) -> Result<(), Error> {
        let mut batch = std::mem::take(&mut self.batch);
        let result = self.flush_batch(&batch);
        // Keep the buffers for the next batch.
        batch.clear();
        self.batch = batch;
        result
    }

    fn flush_batch(&mut self, batch: &Batch) -> Result<(), Error> {
        if let Some(path) = &self.settings.file_sink {
            if batch.is_empty() {
                return Ok(());
            }
            let written = sink::append(path, batch, &mut self.encoder.body);
            return match written {
                Ok(bytes) => {
                    self.stats.sent_events += batch.len() as u64;
                    self.stats.sent_bytes += bytes as u64;
                    Ok(())
                }
                Err(e) => {
                    self.stats.dropped_undeliverable += batch.len() as u64;
                    Err(e)
                }
            };
        }
        let deadline = Deadline::after_ms(self.settings.retry.deadline_ms);
        let mut run = Run::default();
        self.replay(deadline, &mut run);
        for chunk in batch.chunks(self.settings.batch_max_bytes as usize) {
            self.send(batch, chunk, deadline, &mut run);
        }
        let waiting = self.spool.as_ref().is_some_and(|s| s.events() > 0);
        match run {
            Run { lost: Some(e), .. } => Err(e),
            // Events are safe but not delivered: those of this call went to
            // the spool, or (a flush with nothing new) the spool could not be
            // replayed.
            Run {
                spooled: n,
                down: Some(cause),
                ..
            } if n > 0 || waiting => Err(spooled(n, &cause)),
            _ => Ok(()),
        }
    }

    /// Deliver spooled batches oldest-first, one attempt each: when the
    /// receiver is still down, the call goes on to spool its own events.
    fn replay(&mut self, deadline: Deadline, run: &mut Run) {
        let Some(spool) = &mut self.spool else { return };
        let mut evicted = Evicted::default();
        spool.expire(now_ns() / 1_000_000, &mut evicted);
        self.stats.dropped_spool_expired += evicted.expired;
        loop {
            let (f, body) = match spool.oldest() {
                Ok(Some(next)) => next,
                Ok(None) => return,
                Err(e) => {
                    run.down = Some(e);
                    return;
                }
            };
            match deliver::push(&self.settings, &mut self.stats, f.kind, &body, deadline, 1) {
                Ok(()) => {
                    spool.pop_front();
                    self.stats.replayed_events += u64::from(f.events);
                    self.stats.sent_events += u64::from(f.events);
                    self.stats.sent_bytes += body.len() as u64;
                }
                Err(Failure::Exhausted(e)) => {
                    run.down = Some(e);
                    return;
                }
                // Refused for good: replaying it again would never end.
                Err(Failure::Permanent(e) | Failure::TooLarge(e)) => {
                    spool.pop_front();
                    self.stats.dropped_rejected += u64::from(f.events);
                    self.stats.last_error =
                        Some(format!("a spooled batch was refused: {}", describe(&e)));
                }
            }
        }
    }

    /// Push `range` of `batch`, split in halves on a 413.
    fn send(&mut self, batch: &Batch, range: Range<usize>, deadline: Deadline, run: &mut Run) {
        let n = range.len();
        let halves = |r: &Range<usize>| (r.start..r.start + n / 2, r.start + n / 2..r.end);
        let streams = batch.streams(
            range.clone(),
            &self.settings.labels,
            &self.settings.metadata,
        );
        if let Err(why) = self.encoder.encode(self.settings.encoding, &streams) {
            self.stats.dropped_undeliverable += n as u64;
            run.lost.get_or_insert(storage("<encoder>", why));
            return;
        }
        drop(streams);
        let kind = BodyKind::of(self.settings.encoding);
        if let Some(cause) = run.down.clone() {
            return self.keep(kind, n, cause, run);
        }
        let attempts = self.settings.retry.max_attempts;
        match deliver::push(
            &self.settings,
            &mut self.stats,
            kind,
            &self.encoder.body,
            deadline,
            attempts,
        ) {
            Ok(()) => {
                self.stats.sent_events += n as u64;
                self.stats.sent_bytes += self.encoder.body.len() as u64;
            }
            Err(Failure::TooLarge(_)) if n > 1 => {
                let (a, b) = halves(&range);
                self.send(batch, a, deadline, run);
                self.send(batch, b, deadline, run);
            }
            Err(Failure::TooLarge(e) | Failure::Permanent(e)) => {
                match e {
                    Error::Rejected(_) => self.stats.dropped_rejected += n as u64,
                    _ => self.stats.dropped_undeliverable += n as u64,
                }
                run.lost.get_or_insert(e);
            }
            Err(Failure::Exhausted(e)) => {
                run.down = Some(e.clone());
                self.keep(kind, n, e, run);
            }
        }
    }

    /// The encoded body could not be delivered: spool it, or count it lost.
    fn keep(&mut self, kind: BodyKind, n: usize, cause: Error, run: &mut Run) {
        let Some(spool) = &mut self.spool else {
            self.stats.dropped_undeliverable += n as u64;
            run.lost.get_or_insert(cause);
            return;
        };
        let mut evicted = Evicted::default();
        let kept = spool.append(
            &self.encoder.body,
            kind,
            n as u32,
            now_ns() / 1_000_000,
            &mut evicted,
        );
        self.stats.dropped_spool_full += evicted.full;
        match kept {
            Ok(true) => {
                self.stats.spooled_events += n as u64;
                run.spooled += n as u32;
            }
            Ok(false) => {
                run.lost.get_or_insert(cause);
            }
            Err(e) => {
                self.stats.dropped_undeliverable += n as u64;
                run.lost.get_or_insert(e);
            }
        }
    }

    fn note(&mut self, result: Result<(), Error>) -> Result<(), Error> {
        if let Err(e) = &result {
            self.stats.last_error = Some(describe(e));
        }
        result
    }

    fn stats(&self) -> Stats {
        let (events, bytes) = self
            .spool
            .as_ref()
            .map_or((0, 0), |s| (s.events(), s.bytes()));
        self.stats.report(self.batch.len() as u64, events, bytes)
    }
}

/// `duration` becomes `events[3].duration` for the fourth event of a batch.
fn at_index(e: Error, i: usize) -> Error {
    match e {
        Error::InvalidEvent(mut input) => {
            input.field = format!("events[{i}].{}", input.field);
            Error::InvalidEvent(input)
        }
        other => other,
    }
}

/// Wall-clock time in Unix nanoseconds, the Loki entry timestamp.
fn now_ns() -> u64 {
    let now = wasi::clocks::wall_clock::now();
    now.seconds
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::from(now.nanoseconds))
}
