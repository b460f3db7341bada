//! Arbitrary settings: each setter call is taken or refused as
//! `invalid-config` naming its setting, exactly as the rules restated in
//! `contract` say (a refused value leaving the setting as it was); the
//! client is then made, or refused for the settings that only make sense
//! together (a spool bound without a spool, `max-backoff-ms` below
//! `min-backoff-ms`, more than 16 KiB of headers), or for a spool outside
//! every preopen (`storage`); and what it sends to the rig's receiver never
//! earns a 400.

use super::*;
use contract::*;
use runner_metrics_host::Options;
use std::collections::BTreeMap;
use strategies::*;

impl Setting {
    /// The setter's name without `set-`: what a refusal's field starts with.
    fn name(&self) -> &'static str {
        match self {
            Setting::Endpoint(_) => "endpoint",
            Setting::Labels(_) => "labels",
            Setting::TimeoutMs(_) => "timeout-ms",
            Setting::Encoding(_) => "encoding",
            Setting::Tenant(_) => "tenant",
            Setting::Auth(_) => "auth",
            Setting::Headers(_) => "headers",
            Setting::StructuredMetadata(_) => "structured-metadata",
            Setting::UseEventTimestamp(_) => "use-event-timestamp",
            Setting::BatchMaxEvents(_) => "batch-max-events",
            Setting::BatchMaxBytes(_) => "batch-max-bytes",
            Setting::MaxLineBytes(_) => "max-line-bytes",
            Setting::MaxAttempts(_) => "max-attempts",
            Setting::MinBackoffMs(_) => "min-backoff-ms",
            Setting::MaxBackoffMs(_) => "max-backoff-ms",
            Setting::DeadlineMs(_) => "deadline-ms",
            Setting::Spool(_) => "spool",
            Setting::SpoolMaxBytes(_) => "spool-max-bytes",
            Setting::SpoolMaxAgeMs(_) => "spool-max-age-ms",
        }
    }

    /// Whether the WIT takes the value: `None` where this file does not
    /// restate the rule (the endpoint's grammar, a spool path) or the WIT
    /// leaves it open.
    fn valid(&self) -> Option<bool> {
        let within = |v: i64, min: i64, max: i64| Some((min..=max).contains(&v));
        match self {
            Setting::Endpoint(_) | Setting::Spool(_) => None,
            Setting::Labels(l) => labels(l),
            Setting::TimeoutMs(v) => within(*v, 1, 600_000),
            Setting::Encoding(_) | Setting::UseEventTimestamp(_) => Some(true),
            Setting::Tenant(t) => Some(tenant(t)),
            Setting::Auth(a) => Some(auth(a)),
            Setting::Headers(h) => headers(h),
            Setting::StructuredMetadata(m) => Some(metadata(m)),
            Setting::BatchMaxEvents(v) => within(*v, 1, 1_000_000),
            Setting::BatchMaxBytes(v) | Setting::MaxLineBytes(v) => within(*v, 1024, 104_857_600),
            Setting::MaxAttempts(v) => within(*v, 1, 1000),
            Setting::MinBackoffMs(v) | Setting::MaxBackoffMs(v) => within(*v, 1, 3_600_000),
            Setting::DeadlineMs(v) => within(*v, 1, 86_400_000),
            Setting::SpoolMaxBytes(v) => within(*v, 65_536, i64::MAX),
            Setting::SpoolMaxAgeMs(v) => within(*v, 1, i64::MAX),
        }
    }

    async fn apply(&self, inst: &mut Instance, o: &Options) -> Result<(), Error> {
        match self {
            Setting::Endpoint(v) => inst.set_endpoint(o, v).await,
            Setting::Labels(v) => inst.set_labels(o, v).await,
            Setting::TimeoutMs(v) => inst.set_timeout_ms(o, *v).await,
            Setting::Encoding(v) => inst.set_encoding(o, *v).await,
            Setting::Tenant(v) => inst.set_tenant(o, v).await,
            Setting::Auth(v) => inst.set_auth(o, v).await,
            Setting::Headers(v) => inst.set_headers(o, v).await,
            Setting::StructuredMetadata(v) => inst.set_structured_metadata(o, v).await,
            Setting::UseEventTimestamp(v) => inst.set_use_event_timestamp(o, *v).await,
            Setting::BatchMaxEvents(v) => inst.set_batch_max_events(o, *v).await,
            Setting::BatchMaxBytes(v) => inst.set_batch_max_bytes(o, *v).await,
            Setting::MaxLineBytes(v) => inst.set_max_line_bytes(o, *v).await,
            Setting::MaxAttempts(v) => inst.set_max_attempts(o, *v).await,
            Setting::MinBackoffMs(v) => inst.set_min_backoff_ms(o, *v).await,
            Setting::MaxBackoffMs(v) => inst.set_max_backoff_ms(o, *v).await,
            Setting::DeadlineMs(v) => inst.set_deadline_ms(o, *v).await,
            Setting::Spool(v) => inst.set_spool(o, v).await,
            Setting::SpoolMaxBytes(v) => inst.set_spool_max_bytes(o, *v).await,
            Setting::SpoolMaxAgeMs(v) => inst.set_spool_max_age_ms(o, *v).await,
        }
    }
}

/// The settings taken so far: the last accepted value of each setter.
#[derive(Default)]
struct Taken(BTreeMap<&'static str, Setting>);

impl Taken {
    fn number(&self, name: &str) -> Option<i64> {
        match self.0.get(name)? {
            Setting::MinBackoffMs(v)
            | Setting::MaxBackoffMs(v)
            | Setting::SpoolMaxBytes(v)
            | Setting::SpoolMaxAgeMs(v) => Some(*v),
            _ => None,
        }
    }

    /// The fields the client constructor may name, each for a rule broken;
    /// empty when the settings go together.
    fn clashes(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let min = self.number("min-backoff-ms").unwrap_or(500);
        let max = self.number("max-backoff-ms").unwrap_or(5000);
        if max < min {
            // The one the caller wrote: the max, or the min against the
            // default max.
            out.push(if self.0.contains_key("max-backoff-ms") {
                "max-backoff-ms"
            } else {
                "min-backoff-ms"
            });
        }
        if !self.0.contains_key("spool") {
            out.extend(
                ["spool-max-bytes", "spool-max-age-ms"]
                    .into_iter()
                    .filter(|n| self.0.contains_key(n)),
            );
        }
        let tenant = match self.0.get("tenant") {
            Some(Setting::Tenant(t)) => Some(t.as_str()),
            _ => None,
        };
        let auth = match self.0.get("auth") {
            Some(Setting::Auth(a)) => Some(a),
            _ => None,
        };
        let headers = match self.0.get("headers") {
            Some(Setting::Headers(h)) => h.as_slice(),
            _ => &[],
        };
        // Over the bound, the setting that adds the most is named.
        let parts = header_bytes(tenant, auth, headers);
        if parts.iter().map(|(_, n)| n).sum::<usize>() > 16 * 1024 {
            out.extend(parts.iter().max_by_key(|(_, n)| *n).map(|(s, _)| *s));
        }
        out
    }
}

#[test]
fn arbitrary_settings_are_taken_or_refused_as_the_contract_says() {
    let rig = rig();
    let url = rig.rx.url();
    let port = rig.rx.addr().port();
    // Half the cases use only arbitrary but valid values that keep the
    // client on the rig's receiver, so that those reach it in every
    // encoding; the other half anything at all.
    let settings = prop_oneof![
        proptest::collection::vec(plausible_setting(), 0..6),
        proptest::collection::vec(setting(port), 0..10),
    ];
    // Clients that reached the receiver, by encoding, and refusals by
    // field: the cases must not all end before the client.
    let delivered = RefCell::new(BTreeMap::<String, usize>::new());
    let refused = RefCell::new(BTreeMap::<String, usize>::new());
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&settings, |settings| {
            let mut inst = rig.inst.borrow_mut();
            let o = rig.rt.block_on(inst.options()).expect("options");
            let mut taken = Taken::default();
            rig.rt
                .block_on(inst.set_endpoint(&o, &url))
                .expect("the rig's URL");
            taken.0.insert("endpoint", Setting::Endpoint(url.clone()));
            for s in &settings {
                let result = rig.rt.block_on(s.apply(&mut inst, &o));
                no_trap(&result)?;
                match (&result, s.valid()) {
                    (Ok(()), Some(false)) => prop_assert!(false, "took {s:?}"),
                    (Err(e), Some(true)) => prop_assert!(false, "refused {s:?}: {e}"),
                    _ => {}
                }
                match result {
                    Ok(()) => {
                        taken.0.insert(s.name(), s.clone());
                    }
                    Err(Error::Component(WitError::InvalidConfig(i))) => {
                        let name = s.name();
                        let rest = i.field.strip_prefix(name);
                        prop_assert!(
                            rest.is_some_and(|r| r.is_empty()
                                || r.starts_with('[')
                                || r.starts_with('.')),
                            "{} for {name}",
                            i.field
                        );
                        *refused.borrow_mut().entry(name.to_string()).or_default() += 1;
                    }
                    Err(other) => prop_assert!(false, "{s:?}: unexpected {other:?}"),
                }
            }
            // Every case quick, whatever was taken: these have no rule
            // together with another setting.
            let quick = [Setting::DeadlineMs(2000), Setting::TimeoutMs(2000)];
            for s in quick {
                rig.rt.block_on(s.apply(&mut inst, &o)).expect("in range");
            }
            let clashes = taken.clashes();
            let made = rig.rt.block_on(inst.client(&o));
            rig.rt.block_on(inst.drop_options(o)).expect("dropped");
            no_trap(&made)?;
            let client = match made {
                Ok(c) => {
                    prop_assert!(clashes.is_empty(), "made with clashes {clashes:?}");
                    prop_assert!(!taken.0.contains_key("spool"), "a spool with no preopen");
                    c
                }
                Err(Error::Component(WitError::InvalidConfig(i))) => {
                    prop_assert!(
                        clashes.contains(&i.field.as_str()),
                        "refused for {}: {}, but the clashes are {clashes:?}",
                        i.field,
                        i.reason
                    );
                    *refused.borrow_mut().entry(i.field).or_default() += 1;
                    return Ok(());
                }
                // This instance has no preopened directory.
                Err(Error::Component(WitError::Storage(_))) => {
                    prop_assert!(clashes.is_empty(), "storage before {clashes:?}");
                    prop_assert!(taken.0.contains_key("spool"), "storage with no spool");
                    *refused.borrow_mut().entry("storage".into()).or_default() += 1;
                    return Ok(());
                }
                Err(other) => return Err(TestCaseError::fail(format!("unexpected {other:?}"))),
            };
            let entries = [Entry::from(one_of_each()[1].clone())];
            let sent = rig.rt.block_on(inst.issue(&client, &entries));
            no_trap(&sent)?;
            // Our receiver decodes like Loki: a 400 from it for what the
            // component took is a bug (a body it cannot decode, a label Loki
            // refuses), unless the entry timestamp is the event's own, which
            // is older than Loki's 7 days.
            let own_timestamp = matches!(
                taken.0.get("use-event-timestamp"),
                Some(Setting::UseEventTimestamp(true))
            );
            let to_receiver =
                matches!(taken.0.get("endpoint"), Some(Setting::Endpoint(e)) if *e == url);
            if let Err(Error::Component(WitError::Rejected(r))) = &sent {
                prop_assert!(!(to_receiver && !own_timestamp && r.status == 400), "{r:?}");
            }
            if sent.is_ok() && to_receiver && !own_timestamp {
                let encoding = match taken.0.get("encoding") {
                    Some(Setting::Encoding(e)) => format!("{e:?}"),
                    _ => "default".into(),
                };
                *delivered.borrow_mut().entry(encoding).or_default() += 1;
            }
            // A client closed with a buffer flushes it, and answers as a
            // `flush` would: the same rules as for the issue above.
            let closed = rig.rt.block_on(inst.close(client));
            no_trap(&closed)?;
            if let Err(Error::Component(WitError::Rejected(r))) = &closed {
                prop_assert!(!(to_receiver && !own_timestamp && r.status == 400), "{r:?}");
            }
            Ok(())
        })
        .unwrap();
    let delivered = delivered.into_inner();
    let refused = refused.into_inner();
    println!("clients delivered to the receiver, by encoding: {delivered:?}");
    println!("settings and clients refused, by field: {refused:?}");
    // Most plausible cases deliver; 8 of 256 is far below what a working
    // generator gives and far above what a vacuous one does.
    let total: usize = delivered.values().sum();
    assert!(total >= 8, "too few clients delivered: {delivered:?}");
    for encoding in ["Encoding::Json", "Encoding::JsonGzip", "Encoding::Protobuf"] {
        assert!(delivered.contains_key(encoding), "none in {encoding}");
    }
    // And the rules this file restates were each exercised by a refusal.
    for field in [
        "labels",
        "tenant",
        "auth",
        "headers",
        "timeout-ms",
        "max-backoff-ms",
    ] {
        assert!(
            refused.contains_key(field),
            "no refusal of {field}: {refused:?}"
        );
    }
}
