//! A client's counters, as the WIT `stats` record reports them.

use crate::bindings::exports::github_runner::metrics::promtail::{Dropped, Stats};

/// Counters kept by a client; gauges (buffer, spool) are filled in when read.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    pub sent_events: u64,
    pub sent_bytes: u64,
    pub requests: u64,
    pub retries: u64,
    pub accepted_not_204: u64,
    pub spooled_events: u64,
    pub replayed_events: u64,
    pub dropped_spool_full: u64,
    pub dropped_spool_expired: u64,
    pub dropped_rejected: u64,
    pub dropped_undeliverable: u64,
    pub last_error: Option<String>,
}

impl Counters {
    /// The WIT record, with the current buffer and spool sizes.
    pub fn report(&self, buffered: u64, spool_events: u64, spool_bytes: u64) -> Stats {
        Stats {
            sent_events: self.sent_events,
            sent_bytes: self.sent_bytes,
            requests: self.requests,
            retries: self.retries,
            accepted_not_204: self.accepted_not_204,
            spooled_events: self.spooled_events,
            replayed_events: self.replayed_events,
            buffered_events: buffered,
            spool_events,
            spool_bytes,
            dropped: Dropped {
                spool_full: self.dropped_spool_full,
                spool_expired: self.dropped_spool_expired,
                rejected: self.dropped_rejected,
                undeliverable: self.dropped_undeliverable,
            },
            last_error: self.last_error.clone(),
        }
    }
}
