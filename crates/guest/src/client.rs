//! A client: events in, through validation and their lines into the batch,
//! and out through delivery when the batch is full or flushed. It owns the
//! state that lives between calls: the batch, the encoder's buffers, the
//! counters and the spool.

use crate::Event;
use crate::batch::Batch;
use crate::counters::Counters;
use crate::deliver::spool::{Spool, file};
use crate::deliver::{Clock, Delivery, Exchange, Transport};
use crate::encode::{Encoder, Pairs};
use crate::error::{Error, invalid_event};
use crate::event::{self, validate};
use crate::settings::{Settings, labels};

/// A configured client.
pub struct Client {
    pub settings: Settings,
    pub counters: Counters,
    batch: Batch,
    encoder: Encoder,
    spool: Option<Spool>,
    transport: Box<dyn Transport>,
    clock: Box<dyn Clock>,
    /// The last entry timestamp given out, to keep them strictly increasing.
    last_ts: u64,
}

/// How a call names the place of a bad event in its error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// One event, named as its fields (`duration`).
    Alone,
    /// Items of a list, prefixed (`entries[3].duration`).
    Entries,
}

impl Client {
    /// A client that sends through `transport` and keeps time by `clock`.
    pub fn new(
        settings: Settings,
        transport: Box<dyn Transport>,
        clock: Box<dyn Clock>,
    ) -> Result<Client, Error> {
        let spool = match &settings.spool {
            Some(s) => {
                let destination = file::destination(&settings.endpoint.url(), settings.tenant());
                Some(Spool::open(s, destination, clock.random_u64())?)
            }
            None => None,
        };
        Ok(Client {
            settings,
            counters: Counters::default(),
            batch: Batch::default(),
            encoder: Encoder::default(),
            spool,
            transport,
            clock,
            last_ts: 0,
        })
    }

    /// Issue events: all are checked first (an invalid one leaves the batch
    /// as it was), then buffered, then pushed if the batch is full.
    pub fn issue<'a>(
        &mut self,
        items: impl Iterator<Item = (&'a Event, &'a Pairs)>,
        place: Place,
    ) -> Result<(), Error> {
        let before = self.batch.len();
        // One clock read per call; entries within it count up from there.
        let now = if self.settings.use_event_timestamp {
            0
        } else {
            self.clock.wall_ns()
        };
        let bytes_before = self.batch.bytes;
        for (i, (event, metadata)) in items.enumerate() {
            let staged = self.stage(event, metadata, now);
            let e = match staged {
                Err(e) => match place {
                    Place::Alone => e,
                    Place::Entries => at_index(e, i),
                },
                Ok(()) if self.batch.bytes - bytes_before > event::CALL_LINES_MAX => {
                    event::too_many_lines("entries")
                }
                Ok(()) => continue,
            };
            self.batch.truncate(before);
            return self.note(Err(e));
        }
        let full = self.batch.len() >= self.settings.batch_max_events as usize
            || self.batch.bytes >= self.settings.batch_max_bytes as usize;
        let result = if full { self.flush_batch() } else { Ok(()) };
        self.note(result)
    }

    /// Replay the spool, then push everything buffered.
    pub fn flush(&mut self) -> Result<(), Error> {
        let result = self.flush_batch();
        self.note(result)
    }

    /// Events in the buffer.
    pub fn buffered(&self) -> u64 {
        self.batch.len() as u64
    }

    /// Spooled batches and their bytes on disk, when last looked at.
    pub fn spool_gauges(&self) -> (u64, u64) {
        self.spool
            .as_ref()
            .map_or((0, 0), |s| (s.batches(), s.bytes()))
    }

    /// Validate one event and write its line into the batch.
    fn stage(&mut self, event: &Event, metadata: &Pairs, now: u64) -> Result<(), Error> {
        let max_line = self.settings.max_line_bytes as usize;
        validate::event(event, max_line)?;
        if let Err((at, why)) = labels::metadata(&self.settings.metadata, metadata) {
            return Err(invalid_event(format!("metadata{at}"), why));
        }
        let ts_ns = if self.settings.use_event_timestamp {
            entry_time(event::timestamp(event))?
        } else {
            // Strictly increasing, so two identical lines issued within the
            // same nanosecond are not taken for duplicates by Loki.
            self.last_ts = now.max(self.last_ts + 1);
            self.last_ts
        };
        self.batch
            .push(event, ts_ns, metadata, max_line)
            .map_err(|why| invalid_event("event", why))
    }

    fn flush_batch(&mut self) -> Result<(), Error> {
        let mut batch = std::mem::take(&mut self.batch);
        if self.settings.use_event_timestamp {
            batch.sort_by_stream_and_time();
        }
        let result = Delivery {
            exchange: Exchange {
                settings: &self.settings,
                counters: &mut self.counters,
                transport: self.transport.as_mut(),
                clock: self.clock.as_ref(),
            },
            encoder: &mut self.encoder,
            spool: self.spool.as_mut(),
        }
        .flush(&batch);
        // Keep the buffers for the next batch.
        batch.clear();
        self.batch = batch;
        result
    }

    fn note(&mut self, result: Result<(), Error>) -> Result<(), Error> {
        if let Err(e) = &result {
            self.counters.failed(e.describe());
        }
        result
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let events = self.batch.len();
        match self.flush_batch() {
            Ok(()) | Err(Error::Spooled { .. }) => {}
            // Nothing to return the error to: say so rather than lose them
            // silently.
            Err(e) => {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "runner-metrics: a dropped client could not deliver {events} buffered events: {}",
                    e.describe()
                );
            }
        }
    }
}

/// The Loki entry time of an event's own timestamp (finite and >= 0, as
/// validated): Unix nanoseconds, which Loki keeps as an int64, so the
/// timestamp must be before 2262-04-11. A later one (milliseconds passed as
/// seconds, say) would make Loki refuse the whole request.
fn entry_time(timestamp: f64) -> Result<u64, Error> {
    let ns = timestamp * 1e9;
    if ns >= i64::MAX as f64 {
        return Err(invalid_event(
            "timestamp",
            format!(
                "with use-event-timestamp it must be before 9223372036.854775807 (2262-04-11, the end of Loki's nanosecond time), got {}",
                crate::error::number(timestamp)
            ),
        ));
    }
    Ok(ns as u64)
}

/// `duration` becomes `entries[3].duration` for the fourth entry.
fn at_index(e: Error, i: usize) -> Error {
    match e {
        Error::InvalidEvent(mut input) => {
            input.field = format!("entries[{i}].{}", input.field);
            Error::InvalidEvent(input)
        }
        other => other,
    }
}
