//! The exported `promtail` interface: the module-level `issue-event` and the
//! `client` resource. Validation, encoding and transport live in their own
//! modules; this file only wires them together.

use crate::bindings::exports::github_runner::metrics::promtail;
use crate::config::Settings;
use crate::encode::{self, Entry, Stream};
use crate::error::{invalid_event, rejected};
use crate::transport::{self, Request};
use crate::{Component, Config, Error, Event, retry, validate};
use std::cell::RefCell;

impl promtail::Guest for Component {
    type Client = Client;

    fn issue_event(event: Event) -> Result<(), Error> {
        thread_local! {
            static DEFAULT: RefCell<Option<Client>> = const { RefCell::new(None) };
        }
        DEFAULT.with(|slot| {
            let mut slot = slot.borrow_mut();
            let client = match slot.as_mut() {
                Some(c) => c,
                None => slot.insert(Client::open(Settings::defaults()?)),
            };
            client.issue(&event)
        })
    }
}

/// A configured client; it keeps its buffers between calls.
pub struct Client {
    inner: RefCell<Inner>,
}

struct Inner {
    settings: Settings,
    line: Vec<u8>,
    body: Vec<u8>,
}

impl Client {
    fn open(settings: Settings) -> Client {
        Client {
            inner: RefCell::new(Inner {
                settings,
                line: Vec::new(),
                body: Vec::new(),
            }),
        }
    }

    fn issue(&self, event: &Event) -> Result<(), Error> {
        self.inner.borrow_mut().issue(event)
    }
}

impl promtail::GuestClient for Client {
    fn new(config: Config) -> Result<Client, Error> {
        Ok(Client::open(Settings::new(config)?))
    }

    fn issue_event(&self, event: Event) -> Result<(), Error> {
        self.issue(&event)
    }
}

impl Inner {
    fn issue(&mut self, event: &Event) -> Result<(), Error> {
        validate::event(event)?;
        let encoding_failed = |e: serde_json::Error| invalid_event("event", e.to_string());
        self.line.clear();
        encode::line::write(event, &mut self.line).map_err(encoding_failed)?;
        let line =
            std::str::from_utf8(&self.line).map_err(|e| invalid_event("event", e.to_string()))?;

        let mut labels: Vec<(&str, &str)> = self
            .settings
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        labels.push(("event", validate::event_name(event)));
        let stream = Stream {
            labels,
            entries: vec![Entry {
                ts_ns: now_ns(),
                line,
            }],
        };
        self.body.clear();
        encode::json::write(&[stream], &mut self.body).map_err(encoding_failed)?;

        let response = transport::send(&Request {
            endpoint: &self.settings.endpoint,
            headers: &[("content-type", encode::json::CONTENT_TYPE.as_bytes())],
            body: &self.body,
            timeout_ms: self.settings.timeout_ms,
        })?;
        if (200..300).contains(&response.status) {
            Ok(())
        } else {
            let retry_after_ms = response
                .retry_after
                .as_deref()
                .and_then(|v| retry::retry_after_ms(v, std::time::SystemTime::now()));
            Err(rejected(response.status, &response.body, retry_after_ms))
        }
    }
}

/// Wall-clock time in Unix nanoseconds, the Loki entry timestamp.
fn now_ns() -> u64 {
    let now = wasi::clocks::wall_clock::now();
    now.seconds
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::from(now.nanoseconds))
}
