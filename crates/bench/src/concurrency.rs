//! 2. Concurrency: N callers issuing single events at once, each with an
//!    instance of its own (all sharing the host's one pooled sender), against
//!    N tasks sharing one native hyper client; both on the multi-thread
//!    runtime, to the out-of-process receiver. Events/s over the whole run and
//!    p99 of the calls, in interleaved rounds.

use crate::component::{Setup, client, entry};
use crate::native::{NativeClient, guest_event, host_event};
use crate::report::Report;
use crate::timing::{Rounds, Samples, secs};
use runner_metrics_host::MetricsHost;
use std::time::{Duration, Instant};

pub async fn run(
    host: &MetricsHost,
    url: &str,
    levels: &[usize],
    calls_per_caller: usize,
    rounds: usize,
    report: &mut Report,
) {
    let native = NativeClient::new(url);
    for &n in levels {
        let mut callers = Vec::with_capacity(n);
        for _ in 0..n {
            callers.push(client(host, url, Setup::default()).await);
        }
        let (mut comp_rate, mut comp_p99) = (Rounds::default(), Rounds::default());
        let (mut nat_rate, mut nat_p99) = (Rounds::default(), Rounds::default());
        // The first round warms up both (connections, pools).
        for round in 0..rounds + 1 {
            for k in 0..2 {
                let component_first = round % 2 == 0;
                let component = (k == 0) == component_first;
                let (rate, times) = if component {
                    let (c, t) =
                        run_component(std::mem::take(&mut callers), calls_per_caller).await;
                    callers = c;
                    t
                } else {
                    run_native(&native, n, calls_per_caller).await
                };
                if round > 0 {
                    let s = Samples::new(times);
                    if component {
                        comp_rate.push(rate);
                        comp_p99.push_duration(s.p99());
                    } else {
                        nat_rate.push(rate);
                        nat_p99.push_duration(s.p99());
                    }
                }
            }
        }
        // events/s: native over component, so that > 1 means slower.
        let ratio = nat_rate.ratio_to(&comp_rate);
        let p99_ratio = comp_p99.ratio_to(&nat_p99);
        let met = ratio.median() <= 1.25 && p99_ratio.median() <= 1.25;
        report
            .row(
                "2 concurrency",
                format!("{n} callers: component events/s (p99 per call)"),
                format!(
                    "{:.0}/s ({:.0}–{:.0}) (p99 {}, {:.2}× native's)",
                    comp_rate.median(),
                    comp_rate.min(),
                    comp_rate.max(),
                    secs(comp_p99.median()),
                    p99_ratio.median()
                ),
            )
            .against_rounds(
                format!(
                    "native hyper {:.0}/s ({:.0}–{:.0}) (p99 {})",
                    nat_rate.median(),
                    nat_rate.min(),
                    nat_rate.max(),
                    secs(nat_p99.median())
                ),
                &ratio,
            )
            .target("≤ 1.25× (time per event and p99)", met);
    }
}

type Caller = (runner_metrics_host::Instance, runner_metrics_host::Client);

/// Every caller issues `calls` events, at once; (events/s, each call's time).
async fn run_component(callers: Vec<Caller>, calls: usize) -> (Vec<Caller>, (f64, Vec<Duration>)) {
    let n = callers.len();
    let started = Instant::now();
    let tasks: Vec<_> = callers
        .into_iter()
        .map(|(mut inst, c)| {
            tokio::spawn(async move {
                let entries = [entry(&host_event())];
                let mut times = Vec::with_capacity(calls);
                for _ in 0..calls {
                    let t = Instant::now();
                    inst.issue(&c, &entries).await.expect("issue");
                    times.push(t.elapsed());
                }
                ((inst, c), times)
            })
        })
        .collect();
    let mut back = Vec::with_capacity(n);
    let mut all = Vec::with_capacity(n * calls);
    for t in tasks {
        let (caller, times) = t.await.expect("caller");
        back.push(caller);
        all.extend(times);
    }
    let rate = (n * calls) as f64 / started.elapsed().as_secs_f64();
    (back, (rate, all))
}

async fn run_native(native: &NativeClient, n: usize, calls: usize) -> (f64, Vec<Duration>) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let native = native.clone();
            tokio::spawn(async move {
                let event = guest_event();
                let mut line = Vec::new();
                let mut times = Vec::with_capacity(calls);
                for _ in 0..calls {
                    let t = Instant::now();
                    native.issue(&event, &mut line).await;
                    times.push(t.elapsed());
                }
                times
            })
        })
        .collect();
    let mut all = Vec::with_capacity(n * calls);
    for t in tasks {
        all.extend(t.await.expect("caller"));
    }
    let rate = (n * calls) as f64 / started.elapsed().as_secs_f64();
    (rate, all)
}
