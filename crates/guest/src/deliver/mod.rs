//! Delivery: replay the spool, then push a batch in chunks (splitting on
//! 413), and keep what cannot be delivered in the spool. Below it, in the
//! order a body goes: `attempt` (the attempt loop, with `retry`'s policy),
//! `transport` (the seam to the network; `wasi_http` in the component) and
//! `spool`. `clock` gives them time and the one `Deadline` type.

pub mod attempt;
pub mod clock;
pub mod retry;
pub mod spool;
pub mod transport;
pub mod wasi_http;

#[cfg(test)]
mod tests;

pub use clock::{Clock, Deadline};
pub use transport::{Request, Response, Transport};

use crate::Encoding;
use crate::batch::Batch;
use crate::counters::Dropped;
use crate::encode::Encoder;
use crate::error::Error;
pub use attempt::Exchange;
use attempt::{Body, Failure};
use spool::{Spool, Taken};
use std::ops::Range;

/// What delivery works with: a client's parts, borrowed for one flush.
pub struct Delivery<'a> {
    /// What each body's attempts go through.
    pub exchange: Exchange<'a>,
    pub encoder: &'a mut Encoder,
    pub spool: Option<&'a mut Spool>,
}

/// The state of one flush: once delivery has failed for good, the rest of
/// the flush goes to the spool (keeping order) instead of being tried.
#[derive(Default)]
struct Run {
    /// Why the receiver counts as down for the rest of this flush.
    down: Option<Error>,
    /// Events of this call that went to the spool.
    spooled: u32,
    /// The first error that lost events.
    lost: Option<Error>,
}

impl Delivery<'_> {
    /// Replay the spool, then push `batch`, all within one deadline.
    pub fn flush(&mut self, batch: &Batch) -> Result<(), Error> {
        let deadline = Deadline::after_ms(
            self.exchange.clock,
            self.exchange.settings.retry.deadline_ms,
        );
        let mut run = Run::default();
        self.replay(deadline, &mut run, !batch.is_empty());
        for chunk in batch.chunks(self.exchange.settings.batch_max_bytes as usize) {
            self.send(batch, chunk, deadline, &mut run);
        }
        let waiting = self.spool.as_ref().is_some_and(|s| s.batches() > 0);
        match run {
            Run { lost: Some(e), .. } => Err(e),
            // Events are safe but not delivered: those of this call went to
            // the spool, or (a flush with nothing new) the spool could not be
            // replayed.
            Run {
                spooled,
                down: Some(cause),
                ..
            } if spooled > 0 || waiting => Err(Error::Spooled {
                events: spooled,
                cause: cause.describe(),
            }),
            _ => Ok(()),
        }
    }

    /// Deliver spooled batches oldest-first, each with the retry policy:
    /// when one still fails after its retries, the receiver is down, and the
    /// call spools its own events behind it (keeping order) untried. `more`:
    /// the call has events of its own to send after.
    fn replay(&mut self, deadline: Deadline, run: &mut Run, more: bool) {
        let Some(spool) = self.spool.as_deref_mut() else {
            return;
        };
        let now_ms = self.exchange.clock.wall_ns() / 1_000_000;
        let clock = self.exchange.clock;
        let oldest = match spool.tidy(now_ms, self.exchange.counters, clock, deadline) {
            // In time, or out of it with nothing of this client's or this
            // call's waiting.
            Some(oldest) if !(deadline.passed(clock) && (more || !oldest.is_empty())) => oldest,
            _ => {
                // Batches of this client's may wait, or events of this call
                // do, and nothing was asked of the receiver: say what took
                // the time.
                run.down = Some(Error::Storage {
                    path: spool.dir(),
                    detail: format!(
                        "looking through it took the call's whole deadline ({} ms); \
                         the next call goes on",
                        deadline.limit_ms()
                    ),
                });
                return;
            }
        };
        // The claim lasts as long as this call may.
        let until_ms = now_ms + deadline.remaining_ms(self.exchange.clock);
        for ready in oldest {
            let (claim, stored) = match spool.take(&ready, until_ms, self.exchange.counters) {
                Ok(Taken::Batch(claim, stored)) => (claim, stored),
                Ok(Taken::Gone | Taken::Corrupt) => continue,
                // There but not to be claimed or read now (permissions, I/O):
                // keep it and the batches behind it (`spool-max-age-ms`
                // bounds the wait). The spool failed, not the receiver:
                // this call's own events are still pushed, ahead of them
                // (Loki takes them within its out-of-order window), rather
                // than spooled behind them, in a spool that may not take
                // them either.
                Err(e) if more => {
                    self.exchange.counters.failed(format!(
                        "a spooled batch could not be replayed: {}",
                        e.describe()
                    ));
                    return;
                }
                Err(e) => {
                    run.down = Some(e);
                    return;
                }
            };
            let events = u64::from(stored.events);
            let body = Body {
                bytes: &stored.body,
                encoding: stored.encoding,
                events,
            };
            match attempt::push(&mut self.exchange, &body, deadline) {
                Ok(()) => {
                    spool.finish(claim);
                    self.exchange.counters.replayed(events);
                }
                Err(Failure::Exhausted(e) | Failure::Unreachable(e)) => {
                    spool.release(claim);
                    run.down = Some(e);
                    return;
                }
                // Refused for good: replaying it again would never end.
                Err(Failure::Permanent(e) | Failure::TooLarge(e)) => {
                    spool.finish(claim);
                    self.exchange.counters.dropped(Dropped::Rejected, events);
                    self.exchange
                        .counters
                        .failed(format!("a spooled batch was refused: {}", e.describe()));
                }
            }
        }
    }

    /// Push `range` of `batch`, split in halves on a 413.
    fn send(&mut self, batch: &Batch, range: Range<usize>, deadline: Deadline, run: &mut Run) {
        let n = range.len();
        let streams = batch.streams(
            range.clone(),
            &self.exchange.settings.labels,
            &self.exchange.settings.metadata,
        );
        let encoding = self.exchange.settings.encoding;
        if let Err(why) = self.encoder.encode(encoding, &streams) {
            self.exchange
                .counters
                .dropped(Dropped::Undeliverable, n as u64);
            run.lost.get_or_insert(Error::Storage {
                path: "<encoder>".into(),
                detail: why,
            });
            return;
        }
        drop(streams);
        if let Some(cause) = run.down.clone() {
            return self.keep(encoding, n, cause, deadline, run);
        }
        let body = Body {
            bytes: &self.encoder.body,
            encoding,
            events: n as u64,
        };
        match attempt::push(&mut self.exchange, &body, deadline) {
            Ok(()) => {}
            Err(Failure::TooLarge(_)) if n > 1 => {
                let mid = range.start + n / 2;
                self.send(batch, range.start..mid, deadline, run);
                self.send(batch, mid..range.end, deadline, run);
            }
            Err(Failure::TooLarge(e) | Failure::Permanent(e)) => {
                let why = match e {
                    Error::Rejected { .. } => Dropped::Rejected,
                    _ => Dropped::Undeliverable,
                };
                self.exchange.counters.dropped(why, n as u64);
                run.lost.get_or_insert(e);
            }
            // Retries ran out (the receiver is down or overloaded), or it
            // cannot be reached until the operator fixes the path (a denied
            // host, a bad certificate): the bytes are good, keep them.
            Err(Failure::Unreachable(e) | Failure::Exhausted(e)) => {
                run.down = Some(e.clone());
                self.keep(encoding, n, e, deadline, run);
            }
        }
    }

    /// The encoded body could not be delivered: spool it, or count it lost.
    fn keep(
        &mut self,
        encoding: Encoding,
        n: usize,
        cause: Error,
        deadline: Deadline,
        run: &mut Run,
    ) {
        let Some(spool) = self.spool.as_deref_mut() else {
            self.exchange
                .counters
                .dropped(Dropped::Undeliverable, n as u64);
            run.lost.get_or_insert(cause);
            return;
        };
        let now_ms = self.exchange.clock.wall_ns() / 1_000_000;
        match spool.append(
            &self.encoder.body,
            encoding,
            n as u32,
            now_ms,
            self.exchange.counters,
        ) {
            Ok(true) => {
                self.exchange.counters.spooled(n as u64);
                run.spooled += n as u32;
                spool.trim(
                    now_ms,
                    self.exchange.counters,
                    self.exchange.clock,
                    deadline,
                );
            }
            Ok(false) => {
                run.lost.get_or_insert(cause);
            }
            Err(e) => {
                self.exchange
                    .counters
                    .dropped(Dropped::Undeliverable, n as u64);
                // Say why they needed the spool too: the storage failure
                // alone would hide that the receiver was down.
                let e = match e {
                    Error::Storage { path, detail } => Error::Storage {
                        path,
                        detail: format!(
                            "{detail} (spooling {n} events after: {})",
                            cause.describe()
                        ),
                    },
                    other => other,
                };
                run.lost.get_or_insert(e);
            }
        }
    }
}
