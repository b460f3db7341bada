//! Zero traps: arbitrary events, settings and answers go through the real
//! component. Each case either succeeds with a line that parses back to the
//! same values, or returns a typed error; which one is decided by rules
//! written here from the contract (wit/), independently of the component.
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
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use runner_metrics_host::{
    Auth, BasicAuth, Client, CodeInformation, CustomEvent, Encoding, Entry, Error, Event,
    FieldValue, Instance, Reconciliation, RunnerInstalled, RunnerStart, RunnerStop, WitError,
};
use runner_metrics_testkit::{Receiver, Reply};
use serde_json::Value;
use std::cell::{Cell, RefCell};

/// What every property drives: one instance, reused across cases as a
/// service would (a trap would poison it for the cases after).
struct Rig {
    rt: tokio::runtime::Runtime,
    rx: Receiver,
    inst: RefCell<Instance>,
    client: Client,
}

fn rig() -> Rig {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (rx, mut inst) =
        rt.block_on(async { (Receiver::start().await.unwrap(), instance().await) });
    let client = rt.block_on(common::client(&mut inst, &rx.url()));
    Rig {
        rt,
        rx,
        inst: RefCell::new(inst),
        client,
    }
}

impl Rig {
    /// Issue `entries` through the rig's client.
    fn issue(&self, events: &[Event]) -> Result<(), Error> {
        let entries: Vec<Entry> = events.iter().cloned().map(Entry::from).collect();
        self.rt
            .block_on(self.inst.borrow_mut().issue(&self.client, &entries))
    }
}

fn no_trap<T: std::fmt::Debug>(r: &Result<T, Error>) -> Result<(), TestCaseError> {
    if let Err(Error::Trap(t)) = r {
        return Err(TestCaseError::fail(format!("the component trapped: {t:#}")));
    }
    Ok(())
}
