//! The component's behaviour, through the wasmtime host, in one test binary.
//!
//! Every binary links wasmtime and cranelift (~100 MB each in a debug build),
//! so one binary per file filled a CI machine's disk and spent most of the
//! test time linking. Run one area with a filter, e.g.
//! `cargo test -p runner-metrics --test suite faults::`. The soak and the
//! property tests stay separate binaries: the soak measures this process's
//! memory, and the property tests keep both cores busy. What is the host's
//! own (its senders, allow-list, preopens, cache) is tested beside it, in
//! crates/host/tests.
//!
//! Each module's header says what it checks.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod batches;
mod conformance;
mod dashboard;
mod defaults;
mod defaults_pinned;
mod encodings;
mod errors;
mod extra_option;
mod fault_matrix;
mod faults;
mod file_sink;
mod fixtures;
mod labels;
mod logql;
mod retries;
mod shared_spool;
mod spool;
mod validation;
