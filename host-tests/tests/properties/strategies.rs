//! What the properties generate: texts, floats, names, events, and the
//! delivery half of a config.

use super::*;

/// Control characters, quotes and backslashes, any Unicode, or (rarely) a
/// mebibyte.
pub(crate) fn text() -> BoxedStrategy<String> {
    prop_oneof![
        8 => any::<String>(),
        4 => "[\\x00-\\x1f\"\\\\/\\u{7f}-\\u{9f}\\u{2028}\\u{fffd}]{0,20}",
        2 => proptest::collection::vec(any::<char>(), 0..40).prop_map(|c| c.into_iter().collect()),
        1 => Just("é".repeat(512 * 1024)),
    ]
    .boxed()
}

/// Every class of f64, weighted towards the edges.
pub(crate) fn float() -> BoxedStrategy<f64> {
    prop_oneof![
        4 => any::<f64>(),
        2 => 0.0..2e9f64,
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(-0.0),
                         Just(5e-324), Just(2.2250738585072014e-308), Just(1e308), Just(f64::MAX), Just(-1.0)],
    ]
    .boxed()
}

pub(crate) fn snake() -> BoxedStrategy<String> {
    prop_oneof![3 => "[a-z][a-z0-9_]{0,20}", 1 => text(), 1 => Just("event".to_string()), 1 => Just("timestamp".to_string())].boxed()
}

pub(crate) fn field_value() -> BoxedStrategy<FieldValue> {
    prop_oneof![
        any::<bool>().prop_map(FieldValue::Boolean),
        any::<i64>().prop_map(FieldValue::Integer),
        float().prop_map(FieldValue::Number),
        text().prop_map(FieldValue::Text),
    ]
    .boxed()
}

pub(crate) fn event() -> BoxedStrategy<Event> {
    let count = prop_oneof![3 => 0..1000i64, 1 => any::<i64>()];
    prop_oneof![
        (float(), text(), float()).prop_map(
            |(timestamp, flavor, duration)| Event::RunnerInstalled(RunnerInstalled {
                timestamp,
                flavor,
                duration
            })
        ),
        (
            float(),
            text(),
            text(),
            text(),
            text(),
            float(),
            proptest::option::of(float())
        )
            .prop_map(
                |(timestamp, flavor, workflow, repo, github_event, idle, queue_duration)| {
                    Event::RunnerStart(RunnerStart {
                        timestamp,
                        flavor,
                        workflow,
                        repo,
                        github_event,
                        idle,
                        queue_duration,
                    })
                }
            ),
        (
            float(),
            (text(), text(), text(), text(), text()),
            proptest::option::of(any::<i64>()),
            float(),
            proptest::option::of(text())
        )
            .prop_map(
                |(
                    timestamp,
                    (flavor, workflow, repo, github_event, status),
                    code,
                    job_duration,
                    job_conclusion,
                )| Event::RunnerStop(RunnerStop {
                    timestamp,
                    flavor,
                    workflow,
                    repo,
                    github_event,
                    status,
                    status_info: code.map(|code| CodeInformation { code }),
                    job_duration,
                    job_conclusion,
                })
            ),
        (
            float(),
            text(),
            [count.clone(), count.clone(), count.clone(), count],
            float()
        )
            .prop_map(
                |(
                    timestamp,
                    flavor,
                    [
                        crashed_runners,
                        idle_runners,
                        active_runners,
                        expected_runners,
                    ],
                    duration,
                )| Event::Reconciliation(Reconciliation {
                    timestamp,
                    flavor,
                    crashed_runners,
                    idle_runners,
                    active_runners,
                    expected_runners,
                    duration,
                })
            ),
        (
            snake(),
            float(),
            prop_oneof![
                3 => proptest::collection::vec((snake(), field_value()), 0..12),
                // Keys from a pool of two, so that duplicates really occur.
                1 => proptest::collection::vec((prop_oneof!["a", "b"], field_value()), 0..6),
            ]
        )
            .prop_map(|(name, timestamp, fields)| Event::Custom(CustomEvent {
                name,
                timestamp,
                fields
            })),
    ]
    .boxed()
}

/// Encoding, auth, batching, retry, sink and spool of an arbitrary config:
/// retries short enough to keep the cases quick.
#[allow(clippy::type_complexity)]
pub(crate) fn delivery() -> impl Strategy<
    Value = (
        Option<Encoding>,
        Option<Auth>,
        Option<u32>,
        Option<u32>,
        Option<RetryPolicy>,
        Option<Sink>,
        Option<SpoolConfig>,
    ),
> {
    let encoding = proptest::option::of(prop_oneof![
        Just(Encoding::Json),
        Just(Encoding::JsonGzip),
        Just(Encoding::Protobuf),
    ]);
    let auth = proptest::option::of(prop_oneof![
        (text(), text()).prop_map(|(user, password)| Auth::Basic { user, password }),
        text().prop_map(Auth::Bearer),
        "[!-~]{1,40}".prop_map(Auth::Bearer),
    ]);
    let retry = proptest::option::of(
        (0u32..3, 0u32..5, 0u32..5, proptest::option::of(0u32..2000)).prop_map(
            |(attempts, min, max, deadline)| RetryPolicy {
                max_attempts: Some(attempts),
                min_backoff_ms: Some(min),
                max_backoff_ms: Some(max),
                deadline_ms: deadline,
            },
        ),
    );
    let sink = proptest::option::weighted(
        0.3,
        prop_oneof![Just(Sink::Push), text().prop_map(Sink::File)],
    );
    let spool = proptest::option::weighted(
        0.2,
        (
            text(),
            proptest::option::of(any::<u64>()),
            proptest::option::of(any::<u64>()),
        )
            .prop_map(|(dir, max_bytes, max_age_ms)| SpoolConfig {
                dir,
                max_bytes,
                max_age_ms,
            }),
    );
    (
        encoding,
        auth,
        proptest::option::of(0u32..4),
        proptest::option::of(prop_oneof![any::<u32>(), 1u32..(1 << 20)]),
        retry,
        sink,
        spool,
    )
}
