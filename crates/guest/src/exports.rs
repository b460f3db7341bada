//! The exported `promtail` interface: the WIT boundary. Resources wrap the
//! pipeline's types, and the guest's error and counters become the WIT
//! `error` and `stats` here, and only here.

use crate::bindings::exports::github_runner::metrics::promtail::{
    self as wit, Auth, Entry, OptionsBorrow,
};
use crate::client::{Client, Place};
use crate::counters::Counters;
use crate::deliver::wasi_http::{WasiClock, WasiHttp};
use crate::error::{Error, code_name};
use crate::log_file::LogFile;
use crate::settings::{self, Settings};
use crate::{Component, Encoding, Event};
use std::cell::RefCell;

type Pairs = [(String, String)];

impl wit::Guest for Component {
    type Options = Options;
    type Client = ClientResource;
    type LogFile = LogFileResource;

    fn issue_event(event: Event) -> Result<(), wit::Error> {
        thread_local! {
            static DEFAULT: RefCell<Option<Client>> = const { RefCell::new(None) };
        }
        DEFAULT
            .with(|slot| {
                let mut slot = slot.borrow_mut();
                let client = match slot.as_mut() {
                    Some(c) => c,
                    None => slot.insert(new_client(Settings::module_defaults())?),
                };
                client.issue([(&event, &[][..])].into_iter(), Place::Alone)
            })
            .map_err(to_wit)
    }
}

fn new_client(settings: Settings) -> Result<Client, Error> {
    Client::new(settings, Box::new(WasiHttp), Box::new(WasiClock))
}

/// The `options` resource.
pub struct Options(RefCell<settings::Options>);

impl wit::GuestOptions for Options {
    fn new() -> Options {
        Options(RefCell::new(settings::Options::default()))
    }

    fn set_endpoint(&self, url: String) -> Result<(), wit::Error> {
        self.set(|o| o.set_endpoint(&url))
    }

    fn set_labels(&self, labels: Vec<(String, String)>) -> Result<(), wit::Error> {
        self.set(|o| o.set_labels(&labels))
    }

    fn set_timeout_ms(&self, limit: i64) -> Result<(), wit::Error> {
        self.set(|o| o.set_timeout_ms(limit))
    }

    fn set_encoding(&self, encoding: Encoding) -> Result<(), wit::Error> {
        self.set(|o| o.set_encoding(encoding))
    }

    fn set_tenant(&self, tenant: String) -> Result<(), wit::Error> {
        self.set(|o| o.set_tenant(&tenant))
    }

    fn set_auth(&self, auth: Auth) -> Result<(), wit::Error> {
        self.set(|o| o.set_auth(&auth))
    }

    fn set_headers(&self, headers: Vec<(String, String)>) -> Result<(), wit::Error> {
        self.set(|o| o.set_headers(&headers))
    }

    fn set_structured_metadata(&self, pairs: Vec<(String, String)>) -> Result<(), wit::Error> {
        self.set(|o| o.set_structured_metadata(&pairs))
    }

    fn set_use_event_timestamp(&self, enabled: bool) -> Result<(), wit::Error> {
        self.set(|o| o.set_use_event_timestamp(enabled))
    }

    fn set_batch_max_events(&self, count: i64) -> Result<(), wit::Error> {
        self.set(|o| o.set_batch_max_events(count))
    }

    fn set_batch_max_bytes(&self, bytes: i64) -> Result<(), wit::Error> {
        self.set(|o| o.set_batch_max_bytes(bytes))
    }

    fn set_max_line_bytes(&self, bytes: i64) -> Result<(), wit::Error> {
        self.set(|o| o.set_max_line_bytes(bytes))
    }

    fn set_max_attempts(&self, count: i64) -> Result<(), wit::Error> {
        self.set(|o| o.set_max_attempts(count))
    }

    fn set_min_backoff_ms(&self, delay: i64) -> Result<(), wit::Error> {
        self.set(|o| o.set_min_backoff_ms(delay))
    }

    fn set_max_backoff_ms(&self, delay: i64) -> Result<(), wit::Error> {
        self.set(|o| o.set_max_backoff_ms(delay))
    }

    fn set_deadline_ms(&self, limit: i64) -> Result<(), wit::Error> {
        self.set(|o| o.set_deadline_ms(limit))
    }

    fn set_spool(&self, dir: String) -> Result<(), wit::Error> {
        self.set(|o| o.set_spool(&dir))
    }

    fn set_spool_max_bytes(&self, bytes: i64) -> Result<(), wit::Error> {
        self.set(|o| o.set_spool_max_bytes(bytes))
    }

    fn set_spool_max_age_ms(&self, age: i64) -> Result<(), wit::Error> {
        self.set(|o| o.set_spool_max_age_ms(age))
    }

    #[cfg(feature = "test-extra-option")]
    fn set_test_extra_option(&self, _value: String) -> Result<(), wit::Error> {
        Ok(())
    }
}

impl Options {
    fn set(
        &self,
        f: impl FnOnce(&mut settings::Options) -> Result<(), Error>,
    ) -> Result<(), wit::Error> {
        f(&mut self.0.borrow_mut()).map_err(to_wit)
    }
}

/// The `client` resource.
pub struct ClientResource(RefCell<Client>);

impl wit::GuestClient for ClientResource {
    fn new(options: OptionsBorrow<'_>) -> Result<ClientResource, wit::Error> {
        let settings = options.get::<Options>().0.borrow().settings();
        settings
            .and_then(new_client)
            .map(|c| ClientResource(RefCell::new(c)))
            .map_err(to_wit)
    }

    fn issue(&self, entries: Vec<Entry>) -> Result<(), wit::Error> {
        let items = entries
            .iter()
            .map(|e| (&e.event, &e.metadata[..] as &Pairs));
        self.0
            .borrow_mut()
            .issue(items, Place::Entries)
            .map_err(to_wit)
    }

    fn flush(&self) -> Result<(), wit::Error> {
        self.0.borrow_mut().flush().map_err(to_wit)
    }

    fn stats(&self) -> wit::Stats {
        let client = self.0.borrow();
        let (batches, bytes) = client.spool_gauges();
        stats(&client.counters, client.buffered(), batches, bytes)
    }
}

/// The `log-file` resource.
pub struct LogFileResource(RefCell<LogFile>);

impl wit::GuestLogFile for LogFileResource {
    fn new(path: String) -> Result<LogFileResource, wit::Error> {
        LogFile::open(&path)
            .map(|f| LogFileResource(RefCell::new(f)))
            .map_err(to_wit)
    }

    fn write(&self, events: Vec<Event>) -> Result<(), wit::Error> {
        self.0.borrow_mut().write(&events).map_err(to_wit)
    }
}

/// The WIT `error` of a guest error.
fn to_wit(e: Error) -> wit::Error {
    match e {
        Error::InvalidEvent(i) => wit::Error::InvalidEvent(wit::InvalidInput {
            field: i.field,
            reason: i.reason,
        }),
        Error::InvalidConfig(i) => wit::Error::InvalidConfig(wit::InvalidInput {
            field: i.field,
            reason: i.reason,
        }),
        Error::Transport { code, detail } => wit::Error::Transport(wit::TransportFailure {
            code: code_name(&code).to_string(),
            detail,
        }),
        Error::Timeout(ms) => wit::Error::Timeout(signed(ms)),
        Error::Rejected {
            status,
            body,
            retry_after_ms,
        } => wit::Error::Rejected(wit::Rejection {
            status,
            body,
            retry_after_ms: retry_after_ms.map(signed),
        }),
        Error::Storage { path, detail } => {
            wit::Error::Storage(wit::StorageFailure { path, detail })
        }
        Error::Spooled { events, cause } => wit::Error::Spooled(wit::SpoolNotice { events, cause }),
    }
}

/// Milliseconds as the WIT's signed type (saturating: no real delay nears 2^63).
fn signed(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// The WIT `stats` of a client's counters and gauges.
fn stats(c: &Counters, buffered: u64, spool_batches: u64, spool_bytes: u64) -> wit::Stats {
    wit::Stats {
        sent_events: c.sent_events,
        sent_bytes: c.sent_bytes,
        requests: c.requests,
        retries: c.retries,
        accepted_not_204: c.accepted_not_204,
        spooled_events: c.spooled_events,
        replayed_events: c.replayed_events,
        buffered_events: buffered,
        spool_batches,
        spool_bytes,
        spool_quarantined: c.spool_quarantined,
        spool_skipped: c.spool_skipped,
        dropped: wit::Dropped {
            spool_full: c.dropped_spool_full,
            spool_expired: c.dropped_spool_expired,
            rejected: c.dropped_rejected,
            undeliverable: c.dropped_undeliverable,
        },
        last_error: c.last_error.clone(),
    }
}
