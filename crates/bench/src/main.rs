//! The benchmark suite. `cargo run --release -p runner-metrics-bench` runs it
//! all (under 5 minutes on 2 cores) and writes `benches/results.md`;
//! `-- --quick` runs every section with few iterations, asserting nothing,
//! so CI keeps it working. See BENCHMARKS.md.

mod batches;
mod encoder;
mod native;
mod python;
mod report;
mod single;
mod size;
mod startup;
mod timing;

use metrics_host::{HostOptions, MetricsHost};
use report::Report;
use std::path::PathBuf;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `--only 1,3`: run just those sections (while working on one).
    let only: Option<Vec<char>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|list| list.chars().filter(char::is_ascii_digit).collect());
    let run = |n: char| only.as_ref().is_none_or(|o| o.contains(&n));
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf();
    let started = Instant::now();
    let mut report = Report::default();
    let host = MetricsHost::from_bytes(metrics_host::COMPONENT_BYTES, HostOptions::default(), None)
        .expect("the component loads");

    let mut single = std::time::Duration::ZERO;
    if run('1') {
        eprintln!("1/6 single events");
        let n = if quick { 50 } else { 5000 };
        single = single::run(&host, n, "multi-thread runtime", &mut report).await;
        // The same on one thread: no cross-thread wake-ups, so what remains
        // is each side's own CPU cost per request.
        let alone = host.with_options(HostOptions::default()).expect("host");
        report = std::thread::scope(|s| {
            s.spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(single::run(
                    &alone,
                    n,
                    "current-thread runtime",
                    &mut report,
                ));
                report
            })
            .join()
            .expect("current-thread run")
        });
    }
    // `--sizes 1000 --encodings protobuf`: one case alone, to profile it.
    let list = |flag: &str| -> Option<Vec<String>> {
        let i = args.iter().position(|a| a == flag)?;
        Some(args.get(i + 1)?.split(',').map(str::to_string).collect())
    };
    let encodings = list("--encodings");
    if run('2') {
        eprintln!("2/6 batches");
        let sizes: Vec<usize> = match list("--sizes") {
            Some(l) => l.iter().filter_map(|s| s.parse().ok()).collect(),
            None if quick => vec![1, 100],
            None => vec![1, 100, 1000, 10_000],
        };
        let per_case = if quick { 300 } else { 100_000 };
        batches::run(&host, &sizes, encodings.as_deref(), per_case, &mut report).await;
    }
    if run('3') {
        eprintln!("3/6 encoder, wasm and native");
        let iterations = if quick { 5 } else { 300 };
        // With `--encodings` (one case, to profile) only the release module.
        let both_levels = !quick && encodings.is_none();
        if let Err(why) = encoder::run(
            &root,
            iterations,
            both_levels,
            encodings.as_deref(),
            &mut report,
        ) {
            report.note(format!("section 3 failed: {why}"));
        }
    }
    if run('4') {
        eprintln!("4/6 start-up");
        let (compiles, loads, instances) = if quick { (1, 3, 20) } else { (3, 50, 2000) };
        startup::run(compiles, loads, instances, &mut report).await;
    }
    if run('5') {
        eprintln!("5/6 size");
        if let Err(why) = size::run(&root, !quick, &mut report) {
            report.note(format!("section 5 failed: {why}"));
        }
    }
    if run('6') && run('1') {
        eprintln!("6/6 python");
        python::run(&root, if quick { 20 } else { 1000 }, single, &mut report).await;
    }

    let header = format!(
        "Benchmark results ({} run, {:.0} s) on {}",
        if quick { "quick" } else { "full" },
        started.elapsed().as_secs_f64(),
        machine()
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
        root.join("benches/results.md")
    };
    if let Err(e) = std::fs::write(&out, &table) {
        eprintln!("could not write {}: {e}", out.display());
    } else {
        eprintln!("written to {}", out.display());
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
