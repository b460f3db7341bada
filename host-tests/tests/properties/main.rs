//! Zero traps: arbitrary events, configs and answers go through the real
//! component. Each case either succeeds with a line that parses back to the
//! same values, or returns a typed error; which one is decided by rules
//! written here from the contract, independently of the component.
//!
//! `strategies` generates the inputs, `contract` restates the rules, and
//! `events`, `configs` and `answers` hold the properties.

#[path = "../common/mod.rs"]
mod common;

mod answers;
mod configs;
mod contract;
mod events;
mod strategies;

use common::*;
use metrics_host::bindings::WitError;
use metrics_host::receiver::{Receiver, Reply};
use metrics_host::{Auth, Encoding, RetryPolicy, Sink, SpoolConfig};
use metrics_host::{
    ClientConfig, ClientHandle, CodeInformation, CustomEvent, Error, Event, FieldValue, Instance,
};
use metrics_host::{Reconciliation, RunnerInstalled, RunnerStart, RunnerStop};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use std::cell::{Cell, RefCell};

/// What every property drives: one instance, reused across cases as a
/// service would (a trap would poison it for the cases after).
struct Rig {
    rt: tokio::runtime::Runtime,
    rx: Receiver,
    inst: RefCell<Instance>,
    client: ClientHandle,
}

fn rig() -> Rig {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (rx, mut inst) =
        rt.block_on(async { (Receiver::start().await.unwrap(), instance().await) });
    let client = rt.block_on(inst.client(&config(&rx.url()))).unwrap();
    Rig {
        rt,
        rx,
        inst: RefCell::new(inst),
        client,
    }
}

fn no_trap<T: std::fmt::Debug>(r: &Result<T, Error>) -> Result<(), TestCaseError> {
    if let Err(Error::Trap(t)) = r {
        return Err(TestCaseError::fail(format!("the component trapped: {t:#}")));
    }
    Ok(())
}
