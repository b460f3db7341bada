//! What a client has done: one counters type, changed only through its
//! methods (each names an event of delivery), and read as the WIT `stats`.

/// Why events were given up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// The spool was over its bound.
    SpoolFull,
    /// A spooled batch grew too old.
    SpoolExpired,
    /// The receiver refused them for good.
    Rejected,
    /// They failed with no spool to keep them.
    Undeliverable,
}

/// A client's counters. Gauges (the buffer, the spool) are filled in when
/// read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counters {
    pub sent_events: u64,
    pub sent_bytes: u64,
    pub requests: u64,
    pub retries: u64,
    pub accepted_not_204: u64,
    pub spooled_events: u64,
    pub replayed_events: u64,
    pub spool_quarantined: u64,
    pub spool_skipped: u64,
    pub dropped_spool_full: u64,
    pub dropped_spool_expired: u64,
    pub dropped_rejected: u64,
    pub dropped_undeliverable: u64,
    pub last_error: Option<String>,
}

impl Counters {
    /// A request is about to be made; `retry` when it is not the first
    /// attempt for its body.
    pub fn attempt(&mut self, retry: bool) {
        self.requests += 1;
        self.retries += u64::from(retry);
    }

    /// The receiver accepted `events` in a body of `bytes`.
    pub fn accepted(&mut self, events: u64, bytes: u64, status: u16) {
        self.sent_events += events;
        self.sent_bytes += bytes;
        self.accepted_not_204 += u64::from(status != 204);
    }

    /// `events` of a spooled batch were delivered (already counted as sent
    /// by [`Counters::accepted`]).
    pub fn replayed(&mut self, events: u64) {
        self.replayed_events += events;
    }

    /// `events` went to the spool.
    pub fn spooled(&mut self, events: u64) {
        self.spooled_events += events;
    }

    /// `events` were given up on.
    pub fn dropped(&mut self, why: Dropped, events: u64) {
        let counter = match why {
            Dropped::SpoolFull => &mut self.dropped_spool_full,
            Dropped::SpoolExpired => &mut self.dropped_spool_expired,
            Dropped::Rejected => &mut self.dropped_rejected,
            Dropped::Undeliverable => &mut self.dropped_undeliverable,
        };
        *counter += events;
    }

    /// A spool file was set aside as corrupt.
    pub fn quarantined(&mut self) {
        self.spool_quarantined += 1;
    }

    /// A spool entry that is not a regular file was skipped (counted once).
    pub fn skipped(&mut self) {
        self.spool_skipped += 1;
    }

    /// Remember the last error, as text.
    pub fn failed(&mut self, text: String) {
        self.last_error = Some(text);
    }
}
