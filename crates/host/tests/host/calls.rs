//! The most one call carries (the WIT's `client.issue`): a call of events
//! that are each valid, but too many or with too much text for the
//! component's memory, is refused before the call as `invalid-event` naming
//! the list (or `event`), and the instance goes on. Without the check, the
//! text was copied into the component until its memory ran out: a trap.

use crate::common::*;
use runner_metrics_host::{Entry, Event, RunnerInstalled, WitError};
use runner_metrics_testkit::Receiver;

const TEXT: &str = "holds more than 268435456 bytes of text, the most one call takes";

fn installed(flavor: String) -> Event {
    Event::RunnerInstalled(RunnerInstalled {
        timestamp: 1.0,
        flavor,
        duration: 1.0,
    })
}

fn refusal(e: WitError) -> (String, String) {
    match e {
        WitError::InvalidEvent(i) => (i.field, i.reason),
        other => panic!("expected invalid-event, got {other:?}"),
    }
}

#[tokio::test]
async fn a_call_larger_than_the_component_takes_is_refused_before_it() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = host().instantiate().await.unwrap();
    let c = client(&mut inst, &rx.url()).await;
    // 1,100 events of 250 kB each, every one valid alone: 275 MB of text.
    let big = Entry::from(installed("x".repeat(250_000)));
    let many = vec![big.clone(); 1_100];
    let e = component_error(inst.issue(&c, &many).await);
    assert_eq!(refusal(e), ("entries".into(), TEXT.into()));
    drop(many);
    let small = Entry::from(event());
    let e = component_error(inst.issue(&c, &vec![small; (1 << 20) + 1]).await);
    assert_eq!(
        refusal(e),
        (
            "entries".into(),
            "holds 1048577 items, more than the 1048576 one call takes".into()
        )
    );
    let one = installed("é".repeat((1 << 27) + 1));
    let e = component_error(inst.issue_event(&one).await);
    assert_eq!(refusal(e), ("event".into(), TEXT.into()));
    // The instance goes on, and nothing was sent.
    assert_eq!(rx.push_count(), 0);
    issue(&mut inst, &c).await.unwrap();
    assert_eq!(rx.push_count(), 1);
}
