//! 5. Start-up: compiling the component, loading it precompiled, and
//!    instantiating it through `InstancePre`.

use crate::report::Report;
use crate::timing::{sample_sync, show};
use runner_metrics_host::MetricsHost;
use std::time::Instant;
use wasmtime::component::Component;

pub async fn run(
    host: &MetricsHost,
    compiles: usize,
    loads: usize,
    instances: usize,
    report: &mut Report,
) {
    let engine = host.engine().clone();
    let bytes = runner_metrics_host::COMPONENT;
    let compile = sample_sync(0, compiles, || {
        Component::new(&engine, bytes).expect("compile");
    });
    report.row(
        "5 start-up",
        "Component::new (compile)",
        show(compile.median()),
    );

    let component = Component::new(&engine, bytes).expect("compile");
    let serialized = component.serialize().expect("serialize");
    let dir = std::env::temp_dir().join(format!("runner-metrics-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("component.cwasm");
    std::fs::write(&file, &serialized).expect("write");
    let load = sample_sync(2, loads, || {
        // SAFETY: bytes this process just produced with `serialize`.
        unsafe { Component::deserialize_file(&engine, &file) }.expect("deserialize");
    });
    let _ = std::fs::remove_dir_all(&dir);
    let r = load.median().as_secs_f64() / compile.median().as_secs_f64();
    report
        .row(
            "5 start-up",
            "Component::deserialize_file (precompiled)",
            show(load.median()),
        )
        .against(format!("compile {}", show(compile.median())), r)
        .target("≤ 5 ms", load.median().as_secs_f64() <= 0.005);

    let mut times = Vec::with_capacity(instances);
    for i in 0..instances + 10 {
        let t = Instant::now();
        let inst = host.instantiate().await.expect("instantiate");
        let took = t.elapsed();
        drop(inst);
        if i >= 10 {
            times.push(took);
        }
    }
    let inst = crate::timing::Samples::new(times);
    report
        .row(
            "5 start-up",
            "instantiate via InstancePre (store + WASI context included)",
            format!("{} (p99 {})", show(inst.median()), show(inst.p99())),
        )
        .target("≤ 20 µs", inst.median().as_secs_f64() <= 20e-6);
}
