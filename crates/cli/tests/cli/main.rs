//! The `runner-metrics` binary, run as a hook script runs it, against the
//! testkit's Loki receiver over real HTTP. Every test listens on an
//! ephemeral port, but `default_endpoint`'s, which needs Promtail's.

mod common;

mod cache;
mod credentials;
mod deadline;
mod default_endpoint;
mod event_names;
mod issue;
mod numbers;
mod reader;
mod storage;
