//! The runner-metrics test kit: the one Loki push receiver that every
//! language's test suite (Rust, Python, JavaScript) and the benchmarks use,
//! and peers that misbehave on purpose for the fault tests.
//!
//! - [`Receiver`] serves Loki's push API (`POST /loki/api/v1/push`) on
//!   loopback. It decodes JSON, gzip'd JSON and snappy protobuf bodies as
//!   Loki does, answers 400 to a malformed body and 413 to one over the size
//!   limit, records every accepted [`Push`] (headers, `Content-Length`,
//!   chunking, decoded streams), can be scripted with [`Reply`]s, and has a
//!   null mode for benchmarks;
//! - [`control`] is its JSON control API under `/control/`, through which a
//!   test in another process drives it: the `runner-metrics-receiver`
//!   binary serves both;
//! - [`FaultyServer`] misbehaves at the TCP level as a [`Fault`] says
//!   (resets, hangs, never reads, answers slowly or endlessly);
//! - [`TlsServer`] answers HTTPS with a self-signed certificate, which a
//!   verifying client must refuse;
//! - [`local`]: loopback push URLs, a closed port, the repository's root.
//!
//! Every server listens on `127.0.0.1`, on an ephemeral port unless told
//! otherwise, and stops when dropped.

#![deny(missing_docs)]

pub mod control;
pub mod faulty;
pub mod local;
pub mod receiver;
pub mod tls;

pub use faulty::{Fault, FaultyServer};
pub use local::{closed_port, closed_url, local_url, repo_root};
pub use receiver::{Options, PUSH_PATH, Push, PushEntry, PushStream, Receiver, Rejection, Reply};
pub use tls::TlsServer;
