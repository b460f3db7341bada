//! Options that can grow: the component built with one setting more (the
//! test-only `set-test-extra-option`, cargo feature `test-extra-option`)
//! loads in this host, which was generated from the WIT without it, and
//! issues events through a client as the usual build does.

use crate::common::*;
use runner_metrics_host::{MetricsHost, built};
use runner_metrics_testkit::Receiver;

const EXTRA: &str = "[method]options.set-test-extra-option";

#[tokio::test]
async fn a_component_with_a_setting_this_host_does_not_know_still_works() {
    let newer = MetricsHost::builder()
        .component_file(built::TEST_EXTRA_OPTION)
        .build()
        .expect("the host loads a component with an extra setter");
    let mut inst = newer.instantiate().await.unwrap();
    // It really is the other build: the setter is there, as it is not in
    // the usual one.
    assert!(inst.func_params(EXTRA).is_ok(), "the extra setter exists");
    assert!(instance().await.func_params(EXTRA).is_err());

    let rx = Receiver::start().await.unwrap();
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_labels(o, &[("juju_unit".into(), "runner/0".into())])
            .await
    })
    .await;
    issue_all(&mut inst, &c, &one_of_each()).await.unwrap();
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!(stats.sent_events, 5);
    let pushes = rx.pushes();
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].streams.len(), 5);
    assert_eq!(pushes[0].streams[0].label("juju_unit"), Some("runner/0"));
}
