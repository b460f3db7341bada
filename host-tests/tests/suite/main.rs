//! The wasmtime host tests, in one test binary.
//!
//! Every binary links wasmtime and cranelift (~100 MB each in a debug build),
//! so one binary per file filled a CI machine's disk and spent most of the
//! test time linking. Run one area with a filter, e.g.
//! `cargo test -p host-tests --test suite faults::`. The soak and the property
//! tests stay separate binaries: the soak measures this process's memory, and
//! the property tests keep both cores busy.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod batches;
mod capabilities;
mod conformance;
mod dashboard;
mod defaults;
mod defaults_pinned;
mod encodings;
mod errors;
mod faults;
mod file_sink;
mod fixtures;
mod labels;
mod logql;
mod retries;
mod senders;
mod spool;
mod validation;
