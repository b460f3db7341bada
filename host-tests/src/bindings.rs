//! Host bindings generated from `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "metrics",
    exports: { default: async },
    additional_derives: [PartialEq, Clone],
});

pub use exports::github_runner::metrics::events::{
    CodeInformation, CustomEvent, Event, FieldValue, Reconciliation, RunnerInstalled, RunnerStart,
    RunnerStop,
};
pub use exports::github_runner::metrics::promtail::{
    Dropped, Entry, Error as WitError, InvalidInput, Rejection, SpoolNotice, Stats, StorageFailure,
    TransportFailure,
};
