//! Section 1. One event per call, sequentially: the component (pooled and
//! per-request senders) against a native keep-alive hyper client sending the
//! same request, in the same process, to the same null receiver: the test
//! kit's in this process, and its binary in another process. The cases run
//! in interleaved rounds (each round times every case once, in a rotating
//! order), and each figure is the median over rounds with the range.

use crate::component::{Setup, client, entry};
use crate::native::{NativeClient, guest_event, host_event};
use crate::receivers::{Running, Where};
use crate::report::Report;
use crate::timing::{Rounds, Samples, secs};
use runner_metrics_host::{MetricsHost, Sender};
use std::path::Path;
use std::time::Instant;

/// How much to measure.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Calls per case per round.
    pub calls: usize,
    pub rounds: usize,
}

#[derive(Default)]
struct Case {
    median: Rounds,
    p99: Rounds,
}

impl Case {
    fn add(&mut self, s: &Samples) {
        self.median.push_duration(s.median());
        self.p99.push_duration(s.p99());
    }
}

/// `runtime` names the tokio runtime this runs on, for the report.
pub async fn run(
    host: &MetricsHost,
    plan: Plan,
    runtime: &str,
    receiver: &Path,
    report: &mut Report,
) {
    let per_request_host = host
        .with(|b| b.sender(Sender::PerRequest))
        .expect("per-request host");
    for place in [Where::InProcess, Where::OutOfProcess] {
        let rx = match Running::start(place, receiver).await {
            Ok(rx) => rx,
            Err(why) => {
                report.note(format!("section 1, {}: skipped: {why}", place.name()));
                continue;
            }
        };
        let url = rx.url();
        let (mut pooled, pooled_client) = client(host, &url, Setup::default()).await;
        let (mut per_request, per_request_client) =
            client(&per_request_host, &url, Setup::default()).await;
        let native = NativeClient::new(&url);
        let entries = [entry(&host_event())];
        let event = guest_event();
        let mut line = Vec::new();
        // A new connection per request leaves a socket in TIME-WAIT each:
        // fewer of those.
        let per_request_calls = (plan.calls / 4).max(10);

        let mut cases: [Case; 3] = Default::default();
        for round in 0..plan.rounds + 1 {
            let warm_up = round == 0;
            for k in 0..3 {
                let which = (round + k) % 3;
                let calls = if which == 2 {
                    per_request_calls
                } else {
                    plan.calls
                };
                let mut times = Vec::with_capacity(calls);
                for _ in 0..calls {
                    let t = Instant::now();
                    match which {
                        0 => pooled.issue(&pooled_client, &entries).await.expect("issue"),
                        1 => native.issue(&event, &mut line).await,
                        _ => per_request
                            .issue(&per_request_client, &entries)
                            .await
                            .expect("issue"),
                    }
                    times.push(t.elapsed());
                }
                if !warm_up {
                    cases[which].add(&Samples::new(times));
                }
            }
        }
        drop(rx);

        let [pooled, native, per_request] = &cases;
        let reference = format!(
            "native hyper {} (p99 {})",
            native.median.show_time(),
            secs(native.p99.median())
        );
        let section = "1 single event";
        let r = pooled.median.ratio_to(&native.median);
        let p = pooled.p99.ratio_to(&native.p99);
        let met = r.median() <= 1.25 && p.median() <= 1.25;
        report
            .row(
                section,
                format!(
                    "{runtime}, {}: component, pooled sender: median (p99)",
                    place.name()
                ),
                format!(
                    "{} (p99 {}, {:.2}× native's)",
                    pooled.median.show_time(),
                    secs(pooled.p99.median()),
                    p.median()
                ),
            )
            .against_rounds(reference.clone(), &r)
            .target("≤ 1.25× (median and p99)", met);
        let r = per_request.median.ratio_to(&native.median);
        report
            .row(
                section,
                format!(
                    "{runtime}, {}: component, per-request sender: median (p99)",
                    place.name()
                ),
                format!(
                    "{} (p99 {})",
                    per_request.median.show_time(),
                    secs(per_request.p99.median())
                ),
            )
            .against_rounds(reference, &r);
    }
}
