//! Without `--endpoint`, events go to Promtail's push API on this machine.
//! The only test that needs a fixed port: it skips, saying why, when
//! 127.0.0.1:3100 is taken (Reliability §19).

use crate::common::issue;
use runner_metrics_testkit::Receiver;

#[tokio::test]
async fn without_endpoint_events_go_to_promtail_on_this_machine() {
    let rx = match Receiver::start_on(([127, 0, 0, 1], 3100).into()).await {
        Ok(rx) => rx,
        Err(e) => {
            eprintln!(
                "SKIPPED without_endpoint_events_go_to_promtail_on_this_machine: \
                 127.0.0.1:3100, Promtail's port, cannot be bound ({e})"
            );
            return;
        }
    };
    issue(&[]).run().await.assert_ok();
    assert_eq!(rx.push_count(), 1);
}
