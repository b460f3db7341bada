//! Time (and the randomness that spreads retries), behind a trait so that
//! the delivery rules run natively in tests with a clock they control, and
//! the one [`Deadline`] type, which carries its own limit.

use crate::error::Error;

/// The clocks delivery reads and the waits it makes.
pub trait Clock {
    /// A monotonic instant, in nanoseconds.
    fn now_ns(&self) -> u64;
    /// Wall-clock time, Unix nanoseconds: Loki's entry timestamps, spool ages.
    fn wall_ns(&self) -> u64;
    /// Wait this long.
    fn sleep_ms(&self, ms: u64);
    /// A uniform number in [0, 1), to spread retries (jitter).
    fn jitter(&self) -> f64;
    /// A random number, to name spool files uniquely across processes.
    fn random_u64(&self) -> u64;
}

/// A point on the monotonic clock, and the limit (in ms) it was set with:
/// the `timeout(ms)` a call reports when it passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    at_ns: u64,
    limit_ms: u64,
    /// How long it was from `at_ns` when made: what a host-side timeout set
    /// at once should be (no second clock read).
    span_ns: u64,
}

impl Deadline {
    /// `ms` from now.
    pub fn after_ms(clock: &dyn Clock, ms: u64) -> Deadline {
        let span_ns = ms.saturating_mul(1_000_000);
        Deadline {
            at_ns: clock.now_ns().saturating_add(span_ns),
            limit_ms: ms,
            span_ns,
        }
    }

    /// An attempt's deadline within this one: `ms` from now, or this one's
    /// end if that is nearer (then it keeps this one's limit, which is the
    /// limit such an attempt hits). `None` once this one has passed. One
    /// clock read (each is a host call).
    pub fn within(&self, clock: &dyn Clock, ms: u64) -> Option<Deadline> {
        let now = clock.now_ns();
        let left_ns = self.at_ns.saturating_sub(now);
        if left_ns == 0 {
            return None;
        }
        let own_ns = ms.saturating_mul(1_000_000);
        Some(if own_ns <= left_ns {
            Deadline {
                at_ns: now.saturating_add(own_ns),
                limit_ms: ms,
                span_ns: own_ns,
            }
        } else {
            Deadline {
                span_ns: left_ns,
                ..*self
            }
        })
    }

    /// Whether this deadline ends where `other` does (an attempt the call's
    /// deadline cut short).
    pub fn ends_with(&self, other: &Deadline) -> bool {
        self.at_ns == other.at_ns
    }

    /// How long it had to run when it was made, in ns.
    pub fn span_ns(&self) -> u64 {
        self.span_ns
    }

    /// The limit this deadline was set with, in ms.
    pub fn limit_ms(&self) -> u64 {
        self.limit_ms
    }

    /// The instant it passes, in monotonic nanoseconds.
    pub fn at_ns(&self) -> u64 {
        self.at_ns
    }

    /// Milliseconds left, rounded down.
    pub fn remaining_ms(&self, clock: &dyn Clock) -> u64 {
        self.remaining_ns(clock) / 1_000_000
    }

    /// Nanoseconds left.
    pub fn remaining_ns(&self, clock: &dyn Clock) -> u64 {
        self.at_ns.saturating_sub(clock.now_ns())
    }

    pub fn passed(&self, clock: &dyn Clock) -> bool {
        clock.now_ns() >= self.at_ns
    }

    /// The error of an exchange this deadline ended.
    pub fn timeout(&self) -> Error {
        Error::Timeout(self.limit_ms)
    }
}
