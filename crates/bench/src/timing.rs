//! Timing samples and their summaries.

use std::time::{Duration, Instant};

/// Sorted durations of repeated runs.
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn new(mut d: Vec<Duration>) -> Samples {
        d.sort();
        Samples(d)
    }

    pub fn median(&self) -> Duration {
        self.0.get(self.0.len() / 2).copied().unwrap_or_default()
    }

    pub fn p99(&self) -> Duration {
        let i = ((self.0.len() * 99).div_ceil(100)).saturating_sub(1);
        self.0.get(i).copied().unwrap_or_default()
    }
}

/// Time `f` `n` times, after `warmup` untimed runs.
pub fn sample_sync(warmup: usize, n: usize, mut f: impl FnMut()) -> Samples {
    for _ in 0..warmup {
        f();
    }
    Samples::new(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

/// `1.23 µs`, `4.5 ms`, ...
pub fn show(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}
