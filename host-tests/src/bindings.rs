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
    Config, Error as WitError, InvalidInput, Rejection, TransportFailure,
};

impl Config {
    /// The config with every default: Promtail's endpoint, no extra labels, 5 s.
    pub fn default_with_endpoint(endpoint: Option<String>) -> Config {
        Config {
            endpoint,
            labels: Vec::new(),
            timeout_ms: None,
        }
    }
}
