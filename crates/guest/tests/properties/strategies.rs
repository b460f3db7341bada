//! What the properties generate: texts, floats, names, events, and
//! `options` setter calls (any, or valid and kept on the rig's receiver).

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

/// One `options` setter call.
#[derive(Debug, Clone)]
pub(crate) enum Setting {
    Endpoint(String),
    Labels(Vec<(String, String)>),
    TimeoutMs(i64),
    Encoding(Encoding),
    Tenant(String),
    Auth(Auth),
    Headers(Vec<(String, String)>),
    StructuredMetadata(Vec<(String, String)>),
    UseEventTimestamp(bool),
    BatchMaxEvents(i64),
    BatchMaxBytes(i64),
    MaxLineBytes(i64),
    MaxAttempts(i64),
    MinBackoffMs(i64),
    MaxBackoffMs(i64),
    DeadlineMs(i64),
    Spool(String),
    SpoolMaxBytes(i64),
    SpoolMaxAgeMs(i64),
}

/// A number for a setter whose range is `min..=max` (`None`: no largest):
/// mostly its bounds and either side of them, else small or any.
pub(crate) fn number(min: i64, max: Option<i64>) -> BoxedStrategy<i64> {
    let max = max.unwrap_or(i64::MAX);
    let edges = vec![
        min.saturating_sub(1),
        min,
        max,
        max.saturating_add(1),
        i64::MIN,
        -1,
        0,
    ];
    prop_oneof![
        3 => proptest::sample::select(edges),
        1 => -3i64..3000,
        1 => any::<i64>(),
    ]
    .boxed()
}

fn auth() -> BoxedStrategy<Auth> {
    prop_oneof![
        (text(), text()).prop_map(|(user, password)| Auth::Basic(BasicAuth { user, password })),
        ("[ -~]{0,12}", "[ -~]{0,12}")
            .prop_map(|(user, password)| Auth::Basic(BasicAuth { user, password })),
        text().prop_map(Auth::Bearer),
        "[!-~]{1,40}".prop_map(Auth::Bearer),
    ]
    .boxed()
}

fn pairs() -> BoxedStrategy<Vec<(String, String)>> {
    prop_oneof![
        2 => Just(Vec::new()),
        3 => proptest::collection::vec(
            (
                prop_oneof![3 => "[a-zA-Z_][a-zA-Z0-9_-]{0,8}", 1 => text(), 1 => Just("job".to_string())],
                prop_oneof![3 => "[!-~]([ -~]{0,10}[!-~])?", 1 => text()],
            ),
            0..5,
        ),
        1 => proptest::collection::vec(("l[0-9]{1,2}", "v"), 13..16),
    ]
    .boxed()
}

fn encoding() -> BoxedStrategy<Encoding> {
    prop_oneof![
        Just(Encoding::Json),
        Just(Encoding::JsonGzip),
        Just(Encoding::Protobuf),
    ]
    .boxed()
}

/// Any setter with any value: most are refused.
pub(crate) fn setting(port: u16) -> BoxedStrategy<Setting> {
    let endpoint = prop_oneof![
        text(),
        text().prop_map(|t| format!("http://{t}")),
        text().prop_map(move |t| format!("http://127.0.0.1:{port}/{t}")),
        "[a-z]{1,10}://[ -~]{0,40}",
        "http://[a-z]{1,5}:[0-9a-zO:-]{0,6}/x",
    ];
    prop_oneof![
        endpoint.prop_map(Setting::Endpoint),
        pairs().prop_map(Setting::Labels),
        number(1, Some(600_000)).prop_map(Setting::TimeoutMs),
        encoding().prop_map(Setting::Encoding),
        prop_oneof!["[a-zA-Z0-9!_.*'()-]{0,160}", text()].prop_map(Setting::Tenant),
        auth().prop_map(Setting::Auth),
        pairs().prop_map(Setting::Headers),
        pairs().prop_map(Setting::StructuredMetadata),
        any::<bool>().prop_map(Setting::UseEventTimestamp),
        number(1, Some(1_000_000)).prop_map(Setting::BatchMaxEvents),
        number(1024, Some(104_857_600)).prop_map(Setting::BatchMaxBytes),
        number(1024, Some(104_857_600)).prop_map(Setting::MaxLineBytes),
        number(1, Some(1000)).prop_map(Setting::MaxAttempts),
        number(1, Some(3_600_000)).prop_map(Setting::MinBackoffMs),
        number(1, Some(3_600_000)).prop_map(Setting::MaxBackoffMs),
        number(1, Some(86_400_000)).prop_map(Setting::DeadlineMs),
        text().prop_map(Setting::Spool),
        number(65_536, None).prop_map(Setting::SpoolMaxBytes),
        number(1, None).prop_map(Setting::SpoolMaxAgeMs),
    ]
    .boxed()
}

/// A setter with an arbitrary but valid value, that keeps the client on
/// the rig's receiver: these cases really send, in every encoding.
pub(crate) fn plausible_setting() -> BoxedStrategy<Setting> {
    let label = ("[a-z][a-z0-9_]{0,8}", text())
        .prop_filter("a value Loki takes", |(_, v)| (1..=2048).contains(&v.len()));
    prop_oneof![
        proptest::collection::vec(label, 0..4).prop_map(Setting::Labels),
        proptest::collection::vec(("[a-z][a-z0-9_]{0,8}", text()), 0..4)
            .prop_filter("within 64 KiB", |p| contract::metadata(p))
            .prop_map(Setting::StructuredMetadata),
        encoding().prop_map(Setting::Encoding),
        "[!-~]{1,40}".prop_map(|t| Setting::Auth(Auth::Bearer(t))),
        (1i64..4).prop_map(Setting::BatchMaxEvents),
        (1024i64..(100 << 20)).prop_map(Setting::BatchMaxBytes),
        (1i64..3).prop_map(Setting::MaxAttempts),
        (1i64..5).prop_map(Setting::MinBackoffMs),
        (5i64..10).prop_map(Setting::MaxBackoffMs),
    ]
    .boxed()
}
