//! wasmtime hosts for the `runner-metrics` component, and a Loki push
//! receiver to test them against.
//!
//! - [`MetricsHost`] compiles the component once and makes [`Instance`]s;
//! - [`Error`] mirrors the WIT `error` variant, plus traps;
//! - [`receiver::Receiver`] is a Loki push API on loopback that parses what
//!   arrives the way Loki does.

pub mod bindings;
pub mod cache;
mod config;
mod error;
pub mod faulty;
pub mod hooks;
mod host;
mod json_event;
pub mod receiver;
pub mod sender;
pub mod wit_json;

pub use bindings::{CodeInformation, CustomEvent, Entry, Event, FieldValue, Stats};
pub use bindings::{Reconciliation, RunnerInstalled, RunnerStart, RunnerStop};
pub use config::{Auth, ClientConfig, Encoding, RetryPolicy, Sink, SpoolConfig};
pub use error::Error;
pub use host::{ClientHandle, HostOptions, Instance, MetricsHost, Preopen, SenderKind, engine};
pub use json_event::{event_from_json, event_from_pairs};

/// Path of the component `build.rs` built for this crate.
pub const COMPONENT_PATH: &str = env!("METRICS_COMPONENT");

/// The same component, embedded, so a host binary is self-contained.
pub static COMPONENT_BYTES: &[u8] = include_bytes!(env!("METRICS_COMPONENT"));
