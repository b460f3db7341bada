//! Host bindings generated from `wit/`.

mod generated {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "metrics",
        exports: { default: async },
        additional_derives: [PartialEq, Clone],
    });
}

// The generated `config`, `auth` and `basic-auth` types derive a `Debug`
// that prints the password, so they stay inside this crate: users build a
// `ClientConfig`, whose `Debug` redacts it.
pub(crate) use generated::*;

pub use generated::exports::github_runner::metrics::events::{
    CodeInformation, CustomEvent, Event, FieldValue, Reconciliation, RunnerInstalled, RunnerStart,
    RunnerStop,
};
pub use generated::exports::github_runner::metrics::promtail::{
    Dropped, Entry, Error as WitError, InvalidInput, Rejection, SpoolNotice, Stats, StorageFailure,
    TransportFailure,
};
