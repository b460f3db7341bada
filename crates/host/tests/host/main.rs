//! The host crate's own behaviour, in one test binary (each binary links
//! wasmtime): its two request senders, the limits it puts on the component
//! (an allow-list of authorities, no filesystem but preopened directories,
//! the imports it links), its precompiled-component cache, and the README's
//! Rust example (examples/readme.rs). The component's behaviour is tested
//! in crates/guest/tests.
//!
//! Each module's header says what it checks.

mod cache;
mod calls;
mod capabilities;
mod common;
mod embedding;
mod file_size;
mod senders;
