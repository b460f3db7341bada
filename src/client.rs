//! The exported `promtail` interface: the module-level functions and the
//! `client` resource. This file wires validation, encoding, delivery, the
//! spool and the file sink together; each lives in its own module.

use crate::batch::Batch;
use crate::bindings::exports::github_runner::metrics::promtail::{self, Entry, Stats};
use crate::config::{Settings, check_metadata};
use crate::encode::Encoder;
use crate::error::{describe, invalid_event};
use crate::spool::Spool;
use crate::stats::Counters;
use crate::{Component, Config, Error, Event, sink, validate};
use std::cell::RefCell;

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

/// A client's state; `flush.rs` holds the delivery half of its methods.
pub(crate) struct Inner {
    pub(crate) settings: Settings,
    pub(crate) batch: Batch,
    pub(crate) encoder: Encoder,
    pub(crate) stats: Counters,
    pub(crate) spool: Option<Spool>,
    /// The last entry timestamp given out, to keep them strictly increasing.
    last_ts: u64,
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
pub(crate) fn now_ns() -> u64 {
    let now = wasi::clocks::wall_clock::now();
    now.seconds
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::from(now.nanoseconds))
}
