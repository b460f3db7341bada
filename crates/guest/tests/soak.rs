//! Soak: events through a client with the spool on while the receiver is
//! stopped and restarted at random (seeded, bounded) intervals. Every event
//! arrives at least once, although some answers are lost on purpose (the
//! push stored, the 204 never sent); every duplicate comes in a request
//! received again byte for byte (a resend after a lost answer), at least one
//! per lost answer and no more than lost answers plus receiver stops; the
//! stats add up; memory stays bounded while
//! the receiver is down. `cargo test` runs 5,000 events; the full soak is
//! `SOAK_EVENTS=100000 cargo test --release -p runner-metrics --test soak -- --nocapture`.

mod common;

use common::*;
use runner_metrics_host::{Error, WitError};
use runner_metrics_testkit::{Receiver, Reply};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

const STREAMS: usize = 5;
const PER_CALL: usize = 10;

/// The receiver as it comes and goes, and what each incarnation received.
struct Flapper {
    addr: SocketAddr,
    current: Option<Receiver>,
    received: Vec<(String, i64)>,
    /// Each distinct request body received, by hash (the bodies themselves
    /// would hold every line twice): how many times, and its events.
    bodies: HashMap<u64, (usize, usize)>,
    stops: usize,
    /// Whether the current receiver stores its first push and never answers
    /// it (a lost 204), and how many such answers were really lost.
    losing: bool,
    lost_answers: usize,
    /// RSS when the receiver last went down, and the most it grew while down
    /// (when only the client, and its spool, can be growing).
    down_since_kib: u64,
    down_growth_kib: u64,
}

impl Flapper {
    async fn stop(&mut self) {
        if let Some(rx) = self.current.take() {
            if std::mem::take(&mut self.losing) && rx.push_count() > 0 {
                self.lost_answers += 1;
            }
            for p in rx.stop().await {
                let mut h = DefaultHasher::new();
                p.body.hash(&mut h);
                let events = p.streams.iter().map(|s| s.entries.len()).sum();
                self.bodies.entry(h.finish()).or_insert((0, events)).0 += 1;
                for s in p.streams {
                    let name = s.label("event").unwrap().to_string();
                    self.received
                        .extend(s.entries.iter().map(|e| (name.clone(), seq_of(&e.line))));
                }
            }
            self.stops += 1;
            self.down_since_kib = rss_kib();
        }
    }

    async fn start(&mut self) {
        if self.stops > 0 {
            let growth = rss_kib().saturating_sub(self.down_since_kib);
            self.down_growth_kib = self.down_growth_kib.max(growth);
        }
        // The stopped listener closes asynchronously; try again shortly.
        for _ in 0..200 {
            if let Ok(rx) = Receiver::start_on(self.addr).await {
                self.current = Some(rx);
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("could not listen on {} again", self.addr);
    }
}

/// A tiny seeded generator for the flapping schedule.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_while_the_receiver_flaps() {
    let total: usize = std::env::var("SOAK_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let seed: u64 = std::env::var("SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let dir = tempfile::tempdir().unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], closed_port()));
    let flapper = Arc::new(Mutex::new(Flapper {
        addr,
        current: None,
        received: Vec::new(),
        bodies: HashMap::new(),
        stops: 0,
        losing: false,
        lost_answers: 0,
        down_since_kib: 0,
        down_growth_kib: 0,
    }));
    flapper.lock().await.start().await;

    // Up or down for 20 to 300 ms at a time.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flapping = {
        let (flapper, done) = (flapper.clone(), done.clone());
        tokio::spawn(async move {
            let mut rng = Lcg(seed);
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(20 + rng.below(280))).await;
                let mut f = flapper.lock().await;
                if f.current.is_some() {
                    f.stop().await;
                } else {
                    f.start().await;
                    // Every third restart stores its first push but loses
                    // the answer: the client must send it again. (Each
                    // costs the client a timeout, so not every restart.)
                    if f.stops % 3 == 1 {
                        f.current.as_ref().unwrap().script([Reply::LostAnswer]);
                        f.losing = true;
                    }
                }
            }
        })
    };

    let mut inst = instance_with_dir(dir.path()).await;
    let c = client_with(
        &mut inst,
        &format!("http://{addr}/loki/api/v1/push"),
        async |i, o| {
            i.set_timeout_ms(o, 500).await?;
            i.set_max_attempts(o, 3).await?;
            i.set_min_backoff_ms(o, 5).await?;
            i.set_max_backoff_ms(o, 20).await?;
            i.set_deadline_ms(o, 1000).await?;
            i.set_spool(o, "/data/spool").await
        },
    )
    .await;
    let started = Instant::now();
    let (rss_start, mut rss_max) = (rss_kib(), 0);
    let (mut calls_spooled, mut issued) = (0, 0);
    while issued < total {
        let events: Vec<_> = (issued..issued + PER_CALL)
            .map(|i| numbered(&format!("s{}", i % STREAMS), i as i64, 1.0))
            .collect();
        match issue_all(&mut inst, &c, &events).await {
            Ok(()) => {}
            Err(Error::Component(WitError::Spooled(_))) => calls_spooled += 1,
            Err(other) => panic!("only `spooled` may fail a call here: {other}"),
        }
        issued += PER_CALL;
        rss_max = rss_max.max(rss_kib());
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    flapping.await.unwrap();

    // Up for good: drain the spool.
    {
        let mut f = flapper.lock().await;
        if f.current.is_none() {
            f.start().await;
        }
    }
    for _ in 0..100 {
        if inst.flush(&c).await.is_ok() && inst.stats(&c).await.unwrap().spool_batches == 0 {
            break;
        }
    }
    let stats = inst.stats(&c).await.unwrap();
    let mut f = flapper.lock().await;
    f.stop().await;

    let mut seen: HashMap<(String, i64), usize> = HashMap::new();
    for key in f.received.drain(..) {
        *seen.entry(key).or_default() += 1;
    }
    let missing = (0..total)
        .filter(|i| !seen.contains_key(&(format!("s{}", i % STREAMS), *i as i64)))
        .count();
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    // A resend after a lost answer is the same bytes again: the requests
    // received more than once, and the events they carried each extra time.
    let resent_requests: usize = f.bodies.values().map(|(n, _)| n - 1).sum();
    let resent_events: usize = f.bodies.values().map(|(n, events)| (n - 1) * events).sum();
    println!(
        "soak: {total} events in {:.1} s, receiver stopped {} times, {calls_spooled} calls spooled; \
         stats: sent {} spooled {} replayed {} retries {} requests {}; \
         {} requests accepted, {resent_requests} of them again, with {resent_events} events; \
         {} answers lost on purpose; \
         {duplicates} duplicate events; \
         RSS {} MiB at start, {} MiB at most (every received line is kept in this process); \
         it grew at most {} KiB while the receiver was down",
        started.elapsed().as_secs_f64(),
        f.stops,
        stats.sent_events,
        stats.spooled_events,
        stats.replayed_events,
        stats.retries,
        stats.requests,
        f.bodies.len() + resent_requests,
        f.lost_answers,
        rss_start / 1024,
        rss_max / 1024,
        f.down_growth_kib
    );
    assert_eq!(missing, 0, "every event arrived at least once");
    // The client sends one request at a time, so a stop interrupts at most
    // one, whose answer it then never gets; and each answer lost on purpose
    // leaves one stored push the client must send again.
    assert!(
        resent_requests <= f.stops + f.lost_answers,
        "{resent_requests} requests received again, {} interrupted at most",
        f.stops + f.lost_answers
    );
    assert!(
        resent_requests >= f.lost_answers,
        "{resent_requests} requests received again after {} lost answers",
        f.lost_answers
    );
    assert!(f.lost_answers >= 1, "an answer was really lost");
    assert_eq!(
        duplicates, resent_events,
        "every duplicate event came in a request received again"
    );
    assert_eq!(stats.spool_batches, 0);
    assert_eq!((stats.spool_quarantined, stats.spool_skipped), (0, 0));
    assert_eq!(
        stats.sent_events + stats.spooled_events - stats.replayed_events,
        total as u64
    );
    assert_eq!(
        stats.dropped.spool_full
            + stats.dropped.spool_expired
            + stats.dropped.rejected
            + stats.dropped.undeliverable,
        0
    );
    assert!(f.stops >= 2, "the receiver really flapped");
    // The spool is on disk: while the receiver is down, the host does not
    // grow with what the spool takes in.
    assert!(
        f.down_growth_kib < 16 * 1024,
        "grew {} KiB while down",
        f.down_growth_kib
    );
    assert!(
        rss_max < rss_start + 256 * 1024,
        "RSS grew from {rss_start} KiB to {rss_max} KiB"
    );
}
