//! Any number of processes may share one spool directory, as runner hooks
//! do (one process per event): processes issue events while the receiver is
//! down, some are killed with SIGKILL at random moments, then the receiver
//! comes up and more processes replay the spool while issuing their own.
//! Every event whose call returned `ok` or `spooled` arrives at least once;
//! duplicates (a killed replayer's batch, sent again once its claim goes
//! stale) are counted and bounded by the kills.
//!
//! The processes are this test binary run again as a worker
//! (`shared_spool::worker`, which does nothing unless
//! `RUNNER_METRICS_SPOOL_WORKER` is set).

use crate::common::*;
use runner_metrics_host::{CustomEvent, Event, FieldValue, WitError};
use runner_metrics_testkit::Receiver;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WORKER_ENV: &str = "RUNNER_METRICS_SPOOL_WORKER";
const MARK: &str = "SPOOL-WORKER";
const PROCESSES: usize = 4;
const CALLS: usize = 12;

/// One call of a worker: a client (as the CLI makes one per process) that
/// issues one event, identified by `id`, through the shared spool.
async fn worker_call(url: &str, spool: &str, id: &str) -> &'static str {
    let mut inst = instance_with(|b| b.dir(spool, "/spool")).await;
    let c = client_with(&mut inst, url, async |i, o| {
        i.set_spool(o, "/spool").await?;
        i.set_timeout_ms(o, 300).await?;
        i.set_deadline_ms(o, 3000).await
    })
    .await;
    let event = Event::Custom(CustomEvent {
        name: "spool_test".into(),
        timestamp: now_s(),
        fields: vec![("id".into(), FieldValue::Text(id.into()))],
    });
    let outcome = match issue(&mut inst, &c, &event).await {
        Ok(()) => "ok",
        Err(e) => match e.component() {
            Some(WitError::Spooled(_)) => "spooled",
            _ => {
                eprintln!("{MARK} {id}: {e}");
                "error"
            }
        },
    };
    let _ = inst.close(c).await;
    outcome
}

/// The worker: `CALLS` calls, each outcome on a line of its own.
#[tokio::test]
async fn worker() {
    let Ok(spec) = std::env::var(WORKER_ENV) else {
        return;
    };
    let mut parts = spec.splitn(3, ' ');
    let (url, spool, name) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    for i in 0..CALLS {
        let id = format!("{name}-{i}");
        let outcome = worker_call(url, spool, &id).await;
        println!("{MARK} {outcome} {id}");
    }
}

fn spawn(url: &str, spool: &std::path::Path, name: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "shared_spool::worker",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(WORKER_ENV, format!("{url} {} {name}", spool.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Run `names` as workers at once; kill those in `kill` after a random
/// moment. The outcome of every call that finished, by event id.
fn run_workers(
    url: &str,
    spool: &std::path::Path,
    names: &[String],
    kill: &[usize],
) -> BTreeMap<String, String> {
    let mut children: Vec<Child> = names.iter().map(|n| spawn(url, spool, n)).collect();
    for &k in kill {
        // Somewhere inside the worker's run: before, during or between calls
        // (std's hasher keys are random per process: a random number).
        use std::hash::{BuildHasher, Hasher};
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let ms = 150 + random % 1500;
        eprintln!("shared spool: killing {} after {ms} ms", names[k]);
        std::thread::sleep(Duration::from_millis(ms));
        let _ = children[k].kill();
    }
    let mut outcomes = BTreeMap::new();
    for child in &mut children {
        let stdout = child.stdout.take().unwrap();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix(&format!("{MARK} ")) {
                let (outcome, id) = rest.split_once(' ').unwrap();
                outcomes.insert(id.to_string(), outcome.to_string());
            }
        }
        let _ = child.wait();
    }
    outcomes
}

fn batches_left(spool: &std::path::Path) -> usize {
    std::fs::read_dir(spool)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(".batch") || name.contains(".claim-")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn processes_sharing_a_spool_lose_nothing() {
    if std::env::var(WORKER_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().to_path_buf();
    // A port to bring the receiver up on later; nothing listens there yet.
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/loki/api/v1/push");

    // Down: every call spools; two workers are killed along the way.
    let down: Vec<String> = (0..PROCESSES).map(|p| format!("down{p}")).collect();
    let mut outcomes = run_workers(&url, &spool, &down, &[1, 3]);
    let spooled = outcomes.values().filter(|o| *o == "spooled").count();
    assert!(spooled >= CALLS * 2, "most calls spooled: {outcomes:?}");

    // Up: new workers replay the spool while issuing their own events; one
    // is killed mid-run.
    let rx = Receiver::start_on(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap();
    let up: Vec<String> = (0..PROCESSES).map(|p| format!("up{p}")).collect();
    outcomes.extend(run_workers(&url, &spool, &up, &[2]));

    // What a killed replayer claimed comes back once its claim is stale
    // (its deadline plus a few seconds): keep replaying until the spool is empty.
    let started = Instant::now();
    let mut drains = 0;
    while batches_left(&spool) > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the spool drains"
        );
        outcomes.extend(run_workers(&url, &spool, &[format!("drain{drains}")], &[]));
        drains += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let mut arrived: BTreeMap<String, usize> = BTreeMap::new();
    for push in rx.pushes() {
        for s in push.streams {
            for e in s.entries {
                let v: serde_json::Value = serde_json::from_str(&e.line).unwrap();
                *arrived
                    .entry(v["id"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
        }
    }
    let promised: BTreeSet<&String> = outcomes
        .iter()
        .filter(|(_, o)| *o == "ok" || *o == "spooled")
        .map(|(id, _)| id)
        .collect();
    let lost: Vec<&&String> = promised
        .iter()
        .filter(|id| !arrived.contains_key(**id))
        .collect();
    let duplicates: usize = arrived.values().map(|n| n - 1).sum();
    let errors: Vec<_> = outcomes.iter().filter(|(_, o)| *o == "error").collect();
    eprintln!(
        "shared spool: {} calls finished, {} promised (ok or spooled), {} arrived, {} duplicates, {} drain runs, errors {errors:?}",
        outcomes.len(),
        promised.len(),
        arrived.len(),
        duplicates,
        drains
    );
    assert!(lost.is_empty(), "lost {} events: {lost:?}", lost.len());
    assert!(
        errors.is_empty(),
        "no call failed other than by spooling: {errors:?}"
    );
    // Each of the 3 kills can leave at most the batch it was replaying (one
    // event) claimed but sent.
    assert!(duplicates <= 3, "{duplicates} duplicates");
    let quarantined = std::fs::read_dir(&spool)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".bad")
        })
        .count();
    assert_eq!(quarantined, 0, "no batch was corrupted");
}
