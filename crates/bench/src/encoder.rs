//! 4. The encoder alone: `runner_metrics::bench::Workload` compiled to a core
//!    wasm module and run in wasmtime, against the same Rust compiled natively.

use crate::report::Report;
use crate::timing::{Rounds, sample_cpu, secs};
use runner_metrics::bench::{Workload, encoding};
use std::path::{Path, PathBuf};
use std::process::Command;
use wasmtime::{Engine, Instance, Module, Store};

const EVENTS: u32 = 1000;
const NAMES: [&str; 3] = ["json", "json-gzip", "protobuf"];

/// `opt_level`: `None` for the release profile as it is; `Some("s")` to
/// compare the size-optimised build.
pub fn build_module(root: &Path, opt_level: Option<&str>) -> Result<PathBuf, String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    if installed
        .is_ok_and(|o| !String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
    {
        let _ = Command::new("rustup")
            .args(["target", "add", "wasm32-unknown-unknown"])
            .status();
    }
    let dir = root
        .join("target/bench-wasm")
        .join(opt_level.unwrap_or("release"));
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root)
        .args([
            "build",
            "--quiet",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "encoder-core",
        ])
        .arg("--target-dir")
        .arg(&dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    if let Some(level) = opt_level {
        cmd.env("CARGO_PROFILE_RELEASE_OPT_LEVEL", level);
    }
    let status = cmd.status().map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err(
            "building encoder-core failed (is the wasm32-unknown-unknown target installed?)".into(),
        );
    }
    Ok(dir.join("wasm32-unknown-unknown/release/encoder_core.wasm"))
}

/// `only`: the encodings to run (`--encodings json,protobuf`), all by default.
/// Native and wasm alternate, `rounds` times, each `iterations` runs, timed
/// in the thread's CPU time (so that other load on the machine counts less).
pub fn run(
    root: &Path,
    iterations: usize,
    rounds: usize,
    full: bool,
    only: Option<&[String]>,
    report: &mut Report,
) -> Result<(), String> {
    let wanted = |name: &str| only.is_none_or(|o| o.iter().any(|e| e == name));
    let mut native = Workload::new(EVENTS as usize);
    let levels: &[Option<&str>] = if full { &[None, Some("s")] } else { &[None] };
    for &level in levels {
        let path = build_module(root, level)?;
        // `BENCH_PERFMAP=1`: name the JIT code for `perf` (/tmp/perf-<pid>.map).
        let engine = match std::env::var_os("BENCH_PERFMAP") {
            Some(_) => {
                let mut config = wasmtime::Config::new();
                config.profiler(wasmtime::ProfilingStrategy::PerfMap);
                Engine::new(&config).map_err(|e| format!("{e:#}"))?
            }
            None => Engine::default(),
        };
        let module = Module::from_file(&engine, &path).map_err(|e| format!("{e:#}"))?;
        if module.imports().len() > 0 {
            return Err(format!(
                "encoder-core imports {} functions; it must import none",
                module.imports().len()
            ));
        }
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).map_err(|e| format!("{e:#}"))?;
        let prepare = instance
            .get_typed_func::<u32, ()>(&mut store, "prepare")
            .map_err(|e| e.to_string())?;
        let run = instance
            .get_typed_func::<u32, u32>(&mut store, "run")
            .map_err(|e| e.to_string())?;
        prepare
            .call(&mut store, EVENTS)
            .map_err(|e| e.to_string())?;
        for (enc, name) in NAMES.iter().enumerate() {
            if !wanted(name) {
                continue;
            }
            let enc = enc as u32;
            let (mut wasm_t, mut native_t) = (Rounds::default(), Rounds::default());
            for round in 0..rounds {
                let mut time_wasm = || {
                    sample_cpu(3, iterations, || {
                        std::hint::black_box(run.call(&mut store, enc).expect("run"));
                    })
                    .median()
                };
                let mut time_native = || {
                    sample_cpu(3, iterations, || {
                        std::hint::black_box(native.run(encoding(enc)));
                    })
                    .median()
                };
                if round % 2 == 0 {
                    wasm_t.push_duration(time_wasm());
                    native_t.push_duration(time_native());
                } else {
                    native_t.push_duration(time_native());
                    wasm_t.push_duration(time_wasm());
                }
            }
            let ratio = wasm_t.ratio_to(&native_t);
            let profile = match level {
                None => "opt-level 3",
                Some(_) => "opt-level s",
            };
            let per_event = wasm_t.median() / f64::from(EVENTS);
            let row = report
                .row(
                    "4 encoder",
                    format!("{EVENTS} events, {name}, wasm ({profile})"),
                    format!("{} ({}/event)", wasm_t.show_time(), secs(per_event)),
                )
                .against_rounds(format!("native {}", native_t.show_time()), &ratio);
            if level.is_none() {
                row.target("≤ 1.5×", ratio.median() <= 1.5);
            }
        }
    }
    Ok(())
}

/// `bench --probe encoder <json|json-gzip|protobuf> <wasm|native> <n>`: run
/// the encoder `n` times in `measured_loop`, for
/// `valgrind --tool=callgrind --toggle-collect='*measured_loop*'`, whose
/// instruction counts do not depend on the machine's other load.
pub fn probe(root: &Path, name: &str, side: &str, n: usize) -> serde_json::Value {
    let enc = NAMES.iter().position(|e| *e == name).expect("encoding") as u32;
    let mut native = Workload::new(EVENTS as usize);
    if side == "native" {
        measured_loop(n, &mut || {
            std::hint::black_box(native.run(encoding(enc)));
        });
        return serde_json::json!({"side": side, "encoding": name, "runs": n});
    }
    // `BENCH_ENCODER_MODULE`: a module built elsewhere (an older encoder).
    let path = match std::env::var_os("BENCH_ENCODER_MODULE") {
        Some(p) => PathBuf::from(p),
        None => build_module(root, None).expect("module"),
    };
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).expect("module");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instance");
    let prepare = instance
        .get_typed_func::<u32, ()>(&mut store, "prepare")
        .expect("prepare");
    let run = instance
        .get_typed_func::<u32, u32>(&mut store, "run")
        .expect("run");
    prepare.call(&mut store, EVENTS).expect("prepare");
    run.call(&mut store, enc).expect("warm-up");
    measured_loop(n, &mut || {
        std::hint::black_box(run.call(&mut store, enc).expect("run"));
    });
    serde_json::json!({"side": side, "encoding": name, "runs": n})
}

#[inline(never)]
fn measured_loop(n: usize, f: &mut dyn FnMut()) {
    for _ in 0..n {
        f();
    }
}
