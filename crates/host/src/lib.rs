#![deny(missing_docs)]
//! Run the runner-metrics WebAssembly component from Rust: issue GitHub
//! runner metric events to Loki (Promtail, Loki, Grafana Alloy) through
//! wasmtime.
//!
//! The component (`wit/` in the repository is its contract) is embedded in
//! this crate; [`MetricsHost`] compiles it once (or loads it precompiled from
//! a cache) and makes cheap [`Instance`]s, each with its own store.
//!
//! ```
//! use runner_metrics_host::{Entry, Event, MetricsHost, RunnerInstalled};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let loki = runner_metrics_testkit::Receiver::start().await?;
//! # let url = loki.url();
//! let host = MetricsHost::builder().build()?;
//! let mut instance = host.instantiate().await?;
//!
//! // A client with its own settings (each setter is the WIT's, checked at once).
//! let options = instance.options().await?;
//! instance.set_endpoint(&options, &url).await?;
//! instance.set_max_attempts(&options, 5).await?;
//! let client = instance.client(&options).await?;
//! instance.drop_options(options).await?; // its handle lives in the instance until then
//!
//! let event = Event::RunnerInstalled(RunnerInstalled {
//!     timestamp: 1_764_000_000.0,
//!     flavor: "small".into(),
//!     duration: 12.5,
//! });
//! instance.issue(&client, &[Entry::from(event)]).await?;
//! assert_eq!(instance.stats(&client).await?.sent_events, 1);
//! # assert_eq!(loki.push_count(), 1);
//! # Ok(()) }
//! ```
//!
//! `instance.issue_event(&event)` is the Python original's `issue_event`:
//! Promtail's default endpoint on this machine, one attempt.

/// The raw `bindgen!` bindings of the `metrics` world, for embedders that
/// keep a store state of their own (a `ResourceLimiter`, a call hook); most
/// want [`MetricsHost`]. The public types below come from here.
#[allow(missing_docs)]
pub mod bindings;
mod builtin_events;
pub mod cache;
mod call_limits;
mod calls;
mod classify;
mod error;
mod file_size;
pub mod hooks;
mod host;
mod instance;
pub mod json;
mod options;
pub mod sender;

pub use bindings::exports::github_runner::metrics::events::{
    CodeInformation, CustomEvent, Event, FieldValue, Reconciliation, RunnerInstalled, RunnerStart,
    RunnerStop,
};
pub use bindings::exports::github_runner::metrics::promtail::{
    Auth, BasicAuth, Dropped, Encoding, Entry, Error as WitError, InvalidInput, Rejection,
    SpoolNotice, Stats, StorageFailure, TransportFailure,
};
pub use error::Error;
pub use host::{DEFAULT_MAX_INSTANCES, HostBuilder, MetricsHost, Preopen, Sender};
pub use instance::{Client, Instance, LogFile, Options};

/// The component this crate embeds.
pub static COMPONENT: &[u8] = include_bytes!(env!("RUNNER_METRICS_COMPONENT"));

/// Paths of the guests built in the repository, for its tests.
#[doc(hidden)]
#[cfg(workspace_guests)]
pub mod built {
    /// The component [`crate::COMPONENT`] embeds.
    pub const COMPONENT: &str = env!("RUNNER_METRICS_COMPONENT");
    /// The component built with the test-only `set-test-extra-option`.
    pub const TEST_EXTRA_OPTION: &str = env!("RUNNER_METRICS_TEST_EXTRA_OPTION");
    /// The command that imports `promtail` (`crates/caller`), to compose.
    pub const CALLER: &str = env!("RUNNER_METRICS_CALLER");
}

/// The repository README's Rust example, compiled as a doctest (only in the
/// repository: the packaged crate has no README beside it).
#[cfg(all(doctest, workspace_guests))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
