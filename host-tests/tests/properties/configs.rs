//! Arbitrary client configs.

use super::*;
use strategies::*;

#[test]
fn arbitrary_configs_are_taken_or_refused_typed() {
    let rig = rig();
    let url = rig.rx.url();
    // Empty lists and no tenant often enough that many configs are taken
    // and really send: arbitrary header names and tenants rarely are valid.
    let pairs = || {
        prop_oneof![
            3 => Just(Vec::new()),
            2 => proptest::collection::vec(
                (
                    prop_oneof![2 => "[a-zA-Z_][a-zA-Z0-9_]{0,8}", 1 => text()],
                    text(),
                ),
                0..5,
            ),
        ]
    };
    let port = rig.rx.addr().port();
    let endpoint = prop_oneof![
        text(),
        text().prop_map(|t| format!("http://{t}")),
        text().prop_map(move |t| format!("http://127.0.0.1:{port}/{t}")),
        "[a-z]{1,10}://[ -~]{0,40}",
    ];
    let cfg = (
        pairs(),
        pairs(),
        pairs(),
        proptest::option::weighted(0.3, text()),
        proptest::option::of(any::<u32>()),
        proptest::option::weighted(0.3, endpoint),
        any::<bool>(),
        delivery(),
        // Half the cases keep only the fields whose values are arbitrary
        // but valid (label and metadata values, encoding, auth, batching,
        // retry), so that those reach the receiver in every encoding.
        (
            any::<bool>(),
            proptest::collection::vec(("[a-z][a-z0-9_]{0,8}", text()), 0..4),
            proptest::collection::vec(("[a-z][a-z0-9_]{0,8}", text()), 0..4),
        ),
    );
    // Configs that reached our receiver, by encoding: the cases must not
    // all end at construction.
    let delivered = RefCell::new(std::collections::BTreeMap::<String, usize>::new());
    let refused = RefCell::new(std::collections::BTreeMap::<String, usize>::new());
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &cfg,
            |(
                labels,
                headers,
                structured_metadata,
                tenant,
                timeout_ms,
                endpoint,
                use_event_timestamp,
                (encoding, auth, batch_max_events, batch_max_bytes, retry, sink, spool),
                (plausible, valid_labels, valid_metadata),
            )| {
                let (labels, headers, structured_metadata, tenant, endpoint, sink, spool) =
                    if plausible {
                        (valid_labels, vec![], valid_metadata, None, None, None, None)
                    } else {
                        (
                            labels,
                            headers,
                            structured_metadata,
                            tenant,
                            endpoint,
                            sink,
                            spool,
                        )
                    };
                let batch_max_bytes = batch_max_bytes.map(|b| {
                    if plausible {
                        b.clamp(1 << 16, 100 << 20)
                    } else {
                        b
                    }
                });
                let batch_max_events = batch_max_events.filter(|n| !plausible || *n > 0);
                let auth = auth.filter(|a| {
                    !plausible
                        || matches!(a, Auth::Bearer(t) if t.bytes().all(|b| b.is_ascii_graphic()))
                });
                let retry = retry.map(|r| match plausible {
                    false => r,
                    true => RetryPolicy {
                        max_attempts: r.max_attempts.map(|n| n.max(1)),
                        max_backoff_ms: r.max_backoff_ms.max(r.min_backoff_ms),
                        deadline_ms: r.deadline_ms.map(|d| d.max(500)),
                        ..r
                    },
                });
                // Our receiver decodes like Loki: a 400 from it for a config
                // the component took is a bug (a body it cannot decode, a label
                // Loki refuses), unless the entry timestamp is the event's
                // own, which is older than Loki's 7 days.
                let to_receiver = endpoint.is_none() && !use_event_timestamp;
                let c = ClientConfig {
                    endpoint: Some(endpoint.unwrap_or_else(|| url.clone())),
                    labels,
                    headers,
                    structured_metadata,
                    tenant,
                    use_event_timestamp,
                    timeout_ms: timeout_ms.map(|t| t.min(2000)),
                    encoding,
                    auth,
                    batch_max_events,
                    batch_max_bytes,
                    retry: retry.or(config(&url).retry),
                    sink,
                    spool,
                };
                let made = rig.rt.block_on(rig.inst.borrow_mut().client(&c));
                no_trap(&made)?;
                match made {
                    Ok(handle) => {
                        let sent = rig.rt.block_on(
                            rig.inst
                                .borrow_mut()
                                .client_issue_event(handle, &one_of_each()[1]),
                        );
                        no_trap(&sent)?;
                        if sent.is_ok() && to_receiver {
                            *delivered
                                .borrow_mut()
                                .entry(format!("{:?}", c.encoding))
                                .or_default() += 1;
                        }
                        // A client dropped with a buffer flushes it.
                        rig.rt
                            .block_on(rig.inst.borrow_mut().drop_client(handle))
                            .map_err(|e| TestCaseError::fail(e.to_string()))?;
                        if let Err(Error::Component(WitError::Rejected(r))) = &sent {
                            prop_assert!(!(to_receiver && r.status == 400), "{r:?}");
                        }
                    }
                    // A sink or spool path outside every preopen (this
                    // instance has none) is a storage error.
                    Err(Error::Component(WitError::InvalidConfig(i))) => {
                        let field = i.field.split(['[', '.']).next().unwrap_or("").to_string();
                        *refused.borrow_mut().entry(field).or_default() += 1;
                    }
                    Err(Error::Component(WitError::Storage(_))) => {
                        *refused.borrow_mut().entry("storage".into()).or_default() += 1;
                    }
                    Err(other) => prop_assert!(false, "unexpected {other:?}"),
                }
                Ok(())
            },
        )
        .unwrap();
    let delivered = delivered.into_inner();
    println!("configs delivered to the receiver, by encoding: {delivered:?}");
    println!("configs refused, by field: {:?}", refused.into_inner());
    // About 1 case in 5 delivers; 8 of 256 is far below what a working
    // generator gives and far above what a vacuous one does.
    let total: usize = delivered.values().sum();
    assert!(total >= 8, "too few configs delivered: {delivered:?}");
}
