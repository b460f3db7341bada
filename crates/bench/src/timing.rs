//! Timing samples and their summaries; rounds of interleaved cases.

use std::time::{Duration, Instant};

/// Sorted durations of repeated runs.
#[derive(Clone, Debug, Default)]
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

/// This thread's CPU time: what a CPU-bound case costs, without the time
/// the thread waited for a core (the machine's other load).
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write to.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// `sample_sync` timed in this thread's CPU time.
pub fn sample_cpu(warmup: usize, n: usize, mut f: impl FnMut()) -> Samples {
    for _ in 0..warmup {
        f();
    }
    Samples::new(
        (0..n)
            .map(|_| {
                let t = thread_cpu();
                f();
                thread_cpu() - t
            })
            .collect(),
    )
}

/// One figure measured in several rounds (interleaved with the figures it is
/// compared with): the median over rounds, and the lowest and highest round,
/// which show the noise.
#[derive(Clone, Debug, Default)]
pub struct Rounds(Vec<f64>);

impl Rounds {
    pub fn push(&mut self, v: f64) {
        self.0.push(v);
    }

    pub fn push_duration(&mut self, d: Duration) {
        self.0.push(d.as_secs_f64());
    }

    pub fn median(&self) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        match v.len() {
            0 => 0.0,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }

    pub fn min(&self) -> f64 {
        self.0.iter().copied().fold(f64::INFINITY, f64::min)
    }

    pub fn max(&self) -> f64 {
        self.0.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }

    /// `12.3 µs (11.9–13.0)` for seconds.
    pub fn show_time(&self) -> String {
        format!(
            "{} ({}–{})",
            secs(self.median()),
            secs(self.min()),
            secs(self.max())
        )
    }

    /// The ratio of each round to the same round of `other`: median, range.
    pub fn ratio_to(&self, other: &Rounds) -> Rounds {
        Rounds(self.0.iter().zip(&other.0).map(|(a, b)| a / b).collect())
    }

    /// `1.23× (1.18–1.30)`.
    pub fn show_ratio(&self) -> String {
        format!(
            "{:.2}× ({:.2}–{:.2})",
            self.median(),
            self.min(),
            self.max()
        )
    }
}

/// `1.23 µs`, `4.5 ms`, ...
pub fn show(d: Duration) -> String {
    secs(d.as_secs_f64())
}

/// The same for seconds as a float.
pub fn secs(s: f64) -> String {
    let ns = s * 1e9;
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
