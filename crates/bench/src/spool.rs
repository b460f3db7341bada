//! `bench --probe spool N`: how long issuing one event takes through a
//! spool of N batches (one 4 KiB block each, all for another receiver, so
//! none is sent; the call looks through them all, then sends its event to
//! an in-process receiver): the component's file operations on the instance's thread
//! (the host crate's default) against tokio's blocking pool, one
//! `spawn_blocking` per operation (wasmtime-wasi's default). Medians of
//! interleaved rounds, in ms.

use crate::timing::Rounds;
use runner_metrics::Encoding;
use runner_metrics::deliver::spool::file::{self, Name, State};
use runner_metrics_host::{Entry, Event, MetricsHost, RunnerInstalled};
use runner_metrics_testkit::Receiver;
use std::path::Path;
use std::time::Instant;

const ROUNDS: usize = 5;

pub fn probe(n: u64) -> serde_json::Value {
    let dir =
        std::env::temp_dir().join(format!("runner-metrics-spool-probe-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a spool directory");
    fill(&dir, n);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ms = runtime.block_on(async {
        let host = MetricsHost::builder().build().expect("the component loads");
        let rx = Receiver::start().await.expect("a receiver");
        let mut ms = [Rounds::default(), Rounds::default()];
        for _ in 0..ROUNDS {
            for (side, pool) in [false, true].into_iter().enumerate() {
                ms[side].push(issue_ms(&host, &dir, &rx.url(), pool, n).await);
            }
        }
        ms
    });
    let _ = std::fs::remove_dir_all(&dir);
    serde_json::json!({
        "batches": n,
        "on_thread_ms": ms[0].median(),
        "blocking_pool_ms": ms[1].median(),
    })
}

/// `n` ready batches for a receiver no client here has.
fn fill(dir: &Path, n: u64) {
    // A minute old: well within the default 24 h age.
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as u64
        - 60_000;
    for i in 0..n {
        let name = Name {
            created_ms: created + i,
            destination: file::destination("http://elsewhere/", None),
            writer: 1,
            n: i,
        };
        let bytes = file::encode(&name, Encoding::Json, 1, b"{}");
        std::fs::write(dir.join(name.file(&State::Ready)), bytes).expect("a batch");
    }
}

/// One event through a fresh client of this spool.
async fn issue_ms(host: &MetricsHost, dir: &Path, url: &str, pool: bool, n: u64) -> f64 {
    let host = host
        .with(|b| b.dir(dir, "/spool").filesystem_on_blocking_pool(pool))
        .expect("a host");
    let mut inst = host.instantiate().await.expect("an instance");
    let options = inst.options().await.expect("options");
    inst.set_endpoint(&options, url).await.expect("endpoint");
    inst.set_spool(&options, "/spool").await.expect("spool");
    // The default bound (64 MiB) holds 16,384 such batches: none is dropped.
    inst.set_deadline_ms(&options, 600_000)
        .await
        .expect("deadline");
    let client = inst.client(&options).await.expect("client");
    let event = Entry::from(Event::RunnerInstalled(RunnerInstalled {
        timestamp: 1_764_000_000.0,
        flavor: "small".into(),
        duration: 1.0,
    }));
    let started = Instant::now();
    inst.issue(&client, &[event]).await.expect("sent");
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let stats = inst.stats(&client).await.expect("stats");
    assert_eq!(stats.requests, 1, "the batches are another receiver's");
    assert_eq!(
        stats.spool_batches, n,
        "every batch was looked at, none dropped"
    );
    ms
}
