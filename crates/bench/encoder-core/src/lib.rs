//! The component's encoder (`runner_metrics::bench::Workload`) exported from
//! a plain core wasm module: the benchmark runs it in wasmtime and compares
//! it with the same Rust compiled natively. A core module rather than a
//! component, so the comparison measures the encoder and not the canonical
//! ABI.

use runner_metrics::bench::{Workload, encoding};
use std::cell::RefCell;

thread_local! {
    static WORKLOAD: RefCell<Option<Workload>> = const { RefCell::new(None) };
}

/// Build `count` events to encode.
#[unsafe(no_mangle)]
pub extern "C" fn prepare(count: u32) {
    WORKLOAD.with(|w| *w.borrow_mut() = Some(Workload::new(count as usize)));
}

/// Encode them all once (0 json, 1 json-gzip, 2 protobuf); the body size.
#[unsafe(no_mangle)]
pub extern "C" fn run(encoding_id: u32) -> u32 {
    WORKLOAD.with(|w| match w.borrow_mut().as_mut() {
        Some(w) => w.run(encoding(encoding_id)) as u32,
        None => 0,
    })
}
