//! The runner-metrics component: validates GitHub runner metric events,
//! encodes them as the Python runner manager's JSON lines, and pushes them to
//! a Loki push endpoint through `wasi:http/outgoing-handler`.
//!
//! The pure parts (validation, encoding) are plain Rust over the WIT types, so
//! they also build and unit-test natively; only `transport` needs WASI.

mod batch;
pub mod bench;
mod client;
mod config;
mod deliver;
pub mod encode;
pub mod error;
mod flush;
pub mod retry;
mod sink;
mod spool;
mod stats;
mod transport;
pub mod validate;

/// Bindings for the `metrics` world in `wit/`.
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "metrics",
        pub_export_macro: true,
    });
}

pub use bindings::exports::github_runner::metrics::events::{
    CodeInformation, CustomEvent, Event, FieldValue, Reconciliation, RunnerInstalled, RunnerStart,
    RunnerStop,
};
pub use bindings::exports::github_runner::metrics::promtail::{
    Config, Error, InvalidInput, Rejection, TransportFailure,
};

/// The exported component.
pub struct Component;

// Only the wasm build exports: native builds (unit tests, benches) link the
// crate as an ordinary library, and the export names are not valid native
// symbols.
// `target_os = "wasi"`: the encoder benchmark links this crate into a plain
// wasm32-unknown-unknown module, which must not carry the component exports.
#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
bindings::export!(Component with_types_in bindings);
