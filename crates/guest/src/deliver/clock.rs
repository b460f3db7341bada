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
}

impl Deadline {
    /// `ms` from now.
    pub fn after_ms(clock: &dyn Clock, ms: u64) -> Deadline {
        Deadline {
            at_ns: clock.now_ns().saturating_add(ms.saturating_mul(1_000_000)),
            limit_ms: ms,
        }
    }

    /// An attempt's deadline within this one: `ms` from now, or this one's
    /// end if that is nearer (then its limit is what is left of this one).
    /// One clock read (each is a host call).
    pub fn within(&self, clock: &dyn Clock, ms: u64) -> Deadline {
        let now = clock.now_ns();
        let left = self.at_ns.saturating_sub(now) / 1_000_000;
        if ms <= left {
            Deadline {
                at_ns: now.saturating_add(ms.saturating_mul(1_000_000)),
                limit_ms: ms,
            }
        } else {
            Deadline {
                at_ns: self.at_ns,
                limit_ms: left,
            }
        }
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
