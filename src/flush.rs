//! Flushing a client's batch: replay the spool, then push the batch in
//! chunks (splitting on 413), spool what cannot be delivered, or write it to
//! the file sink.

use crate::Error;
use crate::batch::Batch;
use crate::client::{Inner, now_ns};
use crate::deliver::{self, Deadline, Failure};
use crate::encode::BodyKind;
use crate::error::{describe, spooled, storage};
use crate::sink;
use crate::spool::{Evicted, Oldest};
use std::ops::Range;

/// The state of one flush: once delivery has failed for good, the rest of
/// the flush goes to the spool (keeping order) instead of being tried.
#[derive(Default)]
struct Run {
    down: Option<Error>,
    spooled: u32,
    lost: Option<Error>,
}

impl Inner {
    /// Replay the spool, then push (or write) the batch.
    pub(crate) fn flush(&mut self) -> Result<(), Error> {
        let mut batch = std::mem::take(&mut self.batch);
        // The file sink keeps issue order, as the Python original writes.
        if self.settings.use_event_timestamp && self.settings.file_sink.is_none() {
            batch.sort_by_stream_and_time();
        }
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
        match run {
            Run { lost: Some(e), .. } => Err(e),
            // Events are safe but not delivered: those of this call went to
            // the spool, or (a flush with nothing new) the spool could not be
            // replayed.
            Run {
                spooled: n,
                down: Some(cause),
                ..
            } if n > 0 || self.spool.as_ref().is_some_and(|s| s.events() > 0) => {
                Err(spooled(n, &cause))
            }
            _ => Ok(()),
        }
    }

    /// Deliver spooled batches oldest-first, each with the retry policy:
    /// when one still fails after its retries, the receiver is down, and the
    /// call spools its own events behind it (keeping order) untried.
    fn replay(&mut self, deadline: Deadline, run: &mut Run) {
        let Some(spool) = &mut self.spool else { return };
        let mut evicted = Evicted::default();
        spool.expire(now_ns() / 1_000_000, &mut evicted);
        self.stats.dropped_spool_expired += evicted.expired;
        let attempts = self.settings.retry.max_attempts;
        loop {
            let (f, body) = match spool.oldest() {
                Ok(Oldest::Batch(f, body)) => (f, body),
                Ok(Oldest::Empty) => return,
                // Deleted behind the client's back: waiting cannot bring it
                // back, and it must not block the batches behind it.
                Ok(Oldest::Gone(f)) => {
                    spool.pop_front();
                    self.stats.dropped_undeliverable += u64::from(f.events);
                    self.stats.last_error = Some(format!(
                        "a spooled batch of {} events was deleted before its replay",
                        f.events
                    ));
                    continue;
                }
                // There but unreadable for now (permissions, I/O): keep it
                // and everything behind it; `max-age-ms` bounds the wait.
                Err(e) => {
                    run.down = Some(e);
                    return;
                }
            };
            match deliver::push(
                &self.settings,
                &mut self.stats,
                f.kind,
                &body,
                deadline,
                attempts,
            ) {
                Ok(()) => {
                    spool.pop_front();
                    self.stats.replayed_events += u64::from(f.events);
                    self.stats.sent_events += u64::from(f.events);
                    self.stats.sent_bytes += body.len() as u64;
                }
                Err(Failure::Exhausted(e) | Failure::Unreachable(e)) => {
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
            // Retries ran out (the receiver is down or overloaded), or it
            // cannot be reached until the operator fixes the path (a denied
            // host, a bad certificate): the bytes are good, keep them.
            Err(Failure::Unreachable(e) | Failure::Exhausted(e)) => {
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
}
