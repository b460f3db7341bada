//! The benchmark suite. `cargo run --release -p runner-metrics-bench` runs it
//! all and writes `target/bench-results.md`; `-- --quick` runs every section
//! with few iterations (CI runs it to keep the suite working; it asserts
//! nothing). See BENCHMARKS.md.
//!
//! ```text
//! bench [--quick] [--only 1,4] [--sizes 1000] [--encodings protobuf] [--rounds N]
//! bench --probe calls|memory     (run by the suite in a child process)
//! bench --probe spool N           (one issue through a spool of N batches)
//! ```

mod batches;
mod component;
mod concurrency;
mod encoder;
mod hosts;
mod native;
mod probe;
mod receivers;
mod report;
mod single;
mod size;
mod spool;
mod startup;
mod timing;

use receivers::External;
use report::Report;
use runner_metrics_host::MetricsHost;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const SECTIONS: usize = 9;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--probe") {
        let out = match args.get(i + 1).map(String::as_str) {
            Some("calls") => probe::calls(),
            Some("memory") => {
                let idle = args.get(i + 2).and_then(|n| n.parse().ok()).unwrap_or(1000);
                let busy = args.get(i + 3).and_then(|n| n.parse().ok()).unwrap_or(20);
                probe::memory(idle, busy)
            }
            Some("loop") => {
                // `bench --probe loop component|native N`: N single events on a
                // current-thread runtime to an in-process receiver (for strace
                // or perf of one side alone).
                let side = args.get(i + 2).cloned().unwrap_or_default();
                let n: usize = args.get(i + 3).and_then(|n| n.parse().ok()).unwrap_or(1000);
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(event_loop(&side, n))
            }
            Some("encoder") => {
                let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .ancestors()
                    .nth(2)
                    .expect("repo root")
                    .to_path_buf();
                let arg = |k: usize| args.get(i + k).map(String::as_str).unwrap_or("");
                encoder::probe(&root, arg(2), arg(3), arg(4).parse().unwrap_or(10))
            }
            Some("spool") => spool::probe(
                args.get(i + 2)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(16_000),
            ),
            other => panic!("--probe {other:?}: calls, memory, loop, encoder or spool"),
        };
        println!("{out}");
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(suite(args));
}

async fn suite(args: Vec<String>) {
    let quick = args.iter().any(|a| a == "--quick");
    // `--only 1,4`: run just those sections (while working on one).
    let only: Option<Vec<char>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|list| list.chars().filter(char::is_ascii_digit).collect());
    let run = |n: char| only.as_ref().is_none_or(|o| o.contains(&n));
    let list = |flag: &str| -> Option<Vec<String>> {
        let i = args.iter().position(|a| a == flag)?;
        Some(args.get(i + 1)?.split(',').map(str::to_string).collect())
    };
    let rounds: usize = list("--rounds")
        .and_then(|l| l.first()?.parse().ok())
        .unwrap_or(if quick { 2 } else { 7 });
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("repo root")
        .to_path_buf();
    let started = Instant::now();
    let mut report = Report::default();
    let host = load_host();
    if let Some(path) = std::env::var_os("BENCH_COMPONENT") {
        report.note(format!(
            "component from BENCH_COMPONENT={}",
            Path::new(&path).display()
        ));
    }
    let step = |n: usize, what: &str| {
        eprintln!(
            "{n}/{SECTIONS} {what} ({:.0} s)",
            started.elapsed().as_secs_f64()
        )
    };

    let receiver = match receivers::build_receiver(&root) {
        Ok(path) => Some(path),
        Err(why) => {
            report.note(format!("no out-of-process receiver: {why}"));
            None
        }
    };
    let receiver_path = receiver.clone().unwrap_or_default();

    if run('1') {
        step(1, "single events");
        let plan = single::Plan {
            calls: if quick { 100 } else { 2000 },
            rounds,
        };
        single::run(
            &host,
            plan,
            "multi-thread runtime",
            &receiver_path,
            &mut report,
        )
        .await;
        // The same on one thread: no cross-thread wake-ups, so what remains
        // is each side's own CPU cost per request. A host of its own, whose
        // pool's connections live on that runtime.
        let alone = host.with(|b| b).expect("host");
        let path = receiver_path.clone();
        report = std::thread::scope(|s| {
            s.spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(single::run(
                    &alone,
                    plan,
                    "current-thread runtime",
                    &path,
                    &mut report,
                ));
                report
            })
            .join()
            .expect("current-thread run")
        });
        host_calls(&mut report);
    }
    if run('2') {
        step(2, "concurrency");
        match receiver.as_deref().map(External::start) {
            Some(Ok(rx)) => {
                let levels = [1, 2, 8, 32];
                let calls = if quick { 20 } else { 400 };
                concurrency::run(&host, rx.url(), &levels, calls, rounds, &mut report).await;
            }
            Some(Err(why)) => report.note(format!("section 2 skipped: {why}")),
            None => report.note("section 2 skipped: no receiver"),
        }
    }
    let encodings = list("--encodings");
    if run('3') {
        step(3, "batches");
        let sizes: Vec<usize> = match list("--sizes") {
            Some(l) => l.iter().filter_map(|s| s.parse().ok()).collect(),
            None if quick => vec![1, 100],
            None => vec![1, 100, 1000, 10_000],
        };
        let per_case = if quick { 300 } else { 100_000 };
        batches::run(&host, &sizes, encodings.as_deref(), per_case, &mut report).await;
    }
    if run('4') {
        step(4, "encoder, wasm and native");
        let iterations = if quick { 5 } else { 300 };
        // With `--encodings` (one case, to profile) only the release module.
        let both_levels = !quick && encodings.is_none();
        if let Err(why) = encoder::run(
            &root,
            iterations,
            if quick { 1 } else { rounds },
            both_levels,
            encodings.as_deref(),
            &mut report,
        ) {
            report.note(format!("section 4 failed: {why}"));
        }
    }
    if run('5') {
        step(5, "start-up");
        let (compiles, loads, instances) = if quick { (1, 3, 20) } else { (3, 50, 2000) };
        startup::run(&host, compiles, loads, instances, &mut report).await;
    }
    if run('6') {
        step(6, "memory");
        let (idle, busy) = if quick { (50, 2) } else { (1000, 20) };
        memory(idle, busy, &mut report);
    }
    if run('7') {
        step(7, "size");
        if let Err(why) = size::run(&root, !quick, &mut report) {
            report.note(format!("section 7 failed: {why}"));
        }
    }
    if run('8') || run('9') {
        match receiver.as_deref().map(External::start) {
            Some(Ok(rx)) => {
                let calls = if quick { 20 } else { 500 };
                if run('8') {
                    step(8, "Python");
                    hosts::python(&root, rx.url(), calls, rounds, &mut report);
                }
                if run('9') {
                    step(9, "JavaScript");
                    hosts::javascript(&root, rx.url(), calls, rounds, &mut report);
                }
            }
            Some(Err(why)) => report.note(format!("sections 8 and 9 skipped: {why}")),
            None => report.note("sections 8 and 9 skipped: no receiver"),
        }
    }

    let header = format!(
        "Benchmark results ({} run, {} rounds, {:.0} s) on {}, load average before: {}",
        if quick { "quick" } else { "full" },
        rounds,
        started.elapsed().as_secs_f64(),
        machine(),
        load_average(),
    );
    let table = report.markdown(&header);
    println!("{table}");
    // Only a full run of every case replaces the recorded results.
    let partial = ["--only", "--sizes", "--encodings"]
        .iter()
        .any(|f| args.iter().any(|a| a == f));
    let out = if quick {
        root.join("target/bench-quick.md")
    } else if partial {
        root.join("target/bench-partial.md")
    } else {
        root.join("target/bench-results.md")
    };
    if let Err(e) = std::fs::write(&out, &table) {
        eprintln!("could not write {}: {e}", out.display());
    } else {
        eprintln!("written to {}", out.display());
    }
}

async fn event_loop(side: &str, n: usize) -> serde_json::Value {
    let rx = runner_metrics_testkit::Receiver::start_null()
        .await
        .expect("receiver");
    let url = rx.url();
    let t = Instant::now();
    if side == "native" {
        let native = native::NativeClient::new(&url);
        let event = native::guest_event();
        let mut line = Vec::new();
        for _ in 0..n {
            native.issue(&event, &mut line).await;
        }
    } else {
        let host = load_host();
        let (mut inst, c) = component::client(&host, &url, component::Setup::default()).await;
        let entries = [component::entry(&native::host_event())];
        for _ in 0..n {
            inst.issue(&c, &entries).await.expect("issue");
        }
    }
    serde_json::json!({"side": side, "events": n, "seconds": t.elapsed().as_secs_f64(), "connections": rx.connections()})
}

/// The host of the embedded component, or of the component file
/// `BENCH_COMPONENT` names (to compare two builds with the same suite).
pub fn load_host() -> MetricsHost {
    let mut builder = MetricsHost::builder();
    if let Some(path) = std::env::var_os("BENCH_COMPONENT") {
        builder = builder.component_file(path);
    }
    builder.build().expect("the component loads")
}

/// Run `bench --probe ...` in a child process; its JSON.
fn probe(args: &[&str]) -> Result<serde_json::Value, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .arg("--probe")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

/// Section 1's host calls per event, and which.
fn host_calls(report: &mut Report) {
    let v = match probe(&["calls"]) {
        Ok(v) => v,
        Err(why) => return report.note(format!("host calls not counted: {why}")),
    };
    let total = v["calls_per_event"].as_f64().unwrap_or(0.0);
    let named = v["named_per_event"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let traced: f64 = named.values().filter_map(|x| x.as_f64()).sum();
    let mut list: Vec<(String, f64)> = named
        .into_iter()
        .map(|(k, x)| (k, x.as_f64().unwrap_or(0.0)))
        .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    let names: Vec<String> = list
        .iter()
        .map(|(k, n)| {
            if (n - 1.0).abs() < 1e-9 {
                k.clone()
            } else {
                format!("{k} ×{n}")
            }
        })
        .collect();
    report.row(
        "1 single event",
        "host calls per single-event issue (Store::call_hook, CallingHost)",
        format!("{total:.1}"),
    );
    report.note(format!(
        "Host calls per single-event `client.issue` (pooled sender): {total:.1} by the call hook; \
         {traced:.1} of them named by the bindings' spans (the rest are resource drops the bindings \
         do not trace, such as `[drop]output-stream`): {}.",
        names.join(", ")
    ));
}

/// Section 6, from `bench --probe memory` in a child process.
fn memory(idle: usize, busy: usize, report: &mut Report) {
    let v = match probe(&["memory", &idle.to_string(), &busy.to_string()]) {
        Ok(v) => v,
        Err(why) => return report.note(format!("section 6 failed: {why}")),
    };
    let n = |k: &str| v[k].as_f64().unwrap_or(0.0);
    let kib = |b: f64| format!("{:.0} KiB", b / 1024.0);
    report.row(
        "6 memory",
        "linear memory per instance: instantiated / with a client (idle) / after a 10,000-event batch",
        format!(
            "{} / {} / {}",
            kib(n("linear_instantiated")),
            kib(n("linear_idle")),
            kib(n("linear_after_batch"))
        ),
    );
    let made = n("idle_instances");
    let per = n("idle_rss") / made.max(1.0);
    report.row(
        "6 memory",
        "resident memory per idle instance with a client (host + linear memory)",
        format!("{} ({} instances)", kib(per), made),
    );
    let per_busy = n("busy_rss_growth") / n("busy_instances").max(1.0);
    report.row(
        "6 memory",
        "resident memory each instance gains with a 10,000-event batch",
        format!("{} ({} instances)", kib(per_busy), n("busy_instances")),
    );
    let total = n("idle_rss");
    let row = report.row(
        "6 memory",
        format!("{made} idle instances at once (the host crate's default limit: 1,000)"),
        format!(
            "{:.0} MiB ({} per instance)",
            total / 1048576.0,
            kib(total / made.max(1.0))
        ),
    );
    if idle >= 1000 {
        row.target(
            "1,000 in ≤ 1 GiB",
            made >= 1000.0 && total <= 1024.0 * 1048576.0,
        );
    }
    if let Some(why) = v["idle_failed"].as_str() {
        report.note(format!("section 6: {why}"));
    }
}

/// CPU model and core count, from /proc/cpuinfo.
fn machine() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {cores} cores")
}

fn load_average() -> String {
    std::fs::read_to_string(Path::new("/proc/loadavg"))
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_default()
}
