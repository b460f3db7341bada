//! The runner-metrics component: validates GitHub runner metric events,
//! writes them as the Python runner manager's JSON lines, and delivers them
//! to a Loki push endpoint through `wasi:http/outgoing-handler`.
//!
//! One pipeline, in one direction (no module imports its caller):
//!
//! ```text
//! exports ─▶ client ─▶ event (name, validation, the line) ─▶ batch ─▶ encode
//!                  └─▶ deliver (attempts, retry policy, transport, spool)
//! ```
//!
//! `exports` is the only module that knows the WIT resources; `deliver`
//! reaches the network through the [`deliver::Transport`] trait, whose WASI
//! implementation is `deliver::wasi_http`, so the delivery rules are unit
//! tested natively with a scripted transport.

pub mod batch;
#[cfg(feature = "bench")]
pub mod bench;
pub mod client;
pub mod counters;
pub mod deliver;
pub mod encode;
pub mod error;
pub mod event;
mod exports;
pub mod log_file;
pub mod preopens;
pub mod redact;
pub mod settings;

/// Bindings for the `metrics` world in `wit/`. A cargo feature may add to
/// them: `test-extra-option` the test-only setter, `fuzz` `Arbitrary`
/// derives for the fuzz targets (derives no production build carries).
pub mod bindings {
    macro_rules! bindings {
        ($($more:tt)*) => {
            wit_bindgen::generate!({
                path: "../../wit",
                world: "metrics",
                pub_export_macro: true,
                $($more)*
            });
        };
    }
    #[cfg(not(any(feature = "test-extra-option", feature = "fuzz")))]
    bindings!();
    #[cfg(feature = "test-extra-option")]
    bindings!(features: ["test-extra-option"],);
    #[cfg(all(feature = "fuzz", not(feature = "test-extra-option")))]
    bindings!(additional_derives: [arbitrary::Arbitrary],);
}

pub use bindings::exports::github_runner::metrics::events::{
    CodeInformation, CustomEvent, Event, FieldValue, Reconciliation, RunnerInstalled, RunnerStart,
    RunnerStop,
};
pub use bindings::exports::github_runner::metrics::promtail::{Encoding, Entry};

/// The exported component.
pub struct Component;

// Only the wasm build exports: native builds (unit tests, benches) link the
// crate as an ordinary library, and the export names are not valid native
// symbols. `target_os = "wasi"`: the encoder benchmark links this crate into
// a plain wasm32-unknown-unknown module, which must not carry the exports.
#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
bindings::export!(Component with_types_in bindings);
