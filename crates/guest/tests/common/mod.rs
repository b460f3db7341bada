//! Shared by the integration tests: one compiled component per test binary,
//! clients with settings, events, and checks that secrets stay hidden.
#![allow(dead_code)]

pub mod wit_json;

use runner_metrics_host::{
    Client, CodeInformation, CustomEvent, Entry, Error, Event, FieldValue, HostBuilder, Instance,
    InvalidInput, MetricsHost, Options, Reconciliation, RunnerInstalled, RunnerStart, RunnerStop,
    WitError,
};
use runner_metrics_testkit::{Push, Receiver};
// Shared with the test kit; not every test binary uses each.
#[allow(unused_imports)]
pub use runner_metrics_testkit::{closed_port, closed_url, local_url, repo_root};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The component, compiled once per test binary.
pub fn host() -> &'static MetricsHost {
    static HOST: OnceLock<MetricsHost> = OnceLock::new();
    HOST.get_or_init(|| {
        // Precompiled once for every test binary, keyed by the component's bytes.
        let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("component-cache");
        MetricsHost::builder()
            .cache_dir(cache)
            .build()
            .expect("the built component loads")
    })
}

pub async fn instance() -> Instance {
    host().instantiate().await.expect("instantiate")
}

/// An instance of the same compiled component, with other host settings.
pub async fn instance_with(f: impl FnOnce(HostBuilder) -> HostBuilder) -> Instance {
    host().with(f).unwrap().instantiate().await.unwrap()
}

/// An instance whose store preopens `dir` at guest path `/data`.
pub async fn instance_with_dir(dir: &std::path::Path) -> Instance {
    let dir = dir.to_path_buf();
    instance_with(move |b| b.dir(dir, "/data")).await
}

/// A client to `url` with every default but one attempt per request, so
/// that each answer is seen as it is.
pub async fn client(inst: &mut Instance, url: &str) -> Client {
    client_with(inst, url, async |_, _| Ok(())).await
}

/// [`client`], after `more` changed more settings (with the generated
/// setters: `async |i, o| i.set_encoding(o, Encoding::Protobuf).await`).
pub async fn client_with(
    inst: &mut Instance,
    url: &str,
    more: impl AsyncFnOnce(&mut Instance, &Options) -> Result<(), Error>,
) -> Client {
    try_client(inst, url, more)
        .await
        .expect("the client is made")
}

/// [`client_with`], returning the error of a refused setting or client.
pub async fn try_client(
    inst: &mut Instance,
    url: &str,
    more: impl AsyncFnOnce(&mut Instance, &Options) -> Result<(), Error>,
) -> Result<Client, Error> {
    let options = inst.options().await?;
    inst.set_endpoint(&options, url).await?;
    inst.set_max_attempts(&options, 1).await?;
    more(inst, &options).await?;
    let client = inst.client(&options).await;
    inst.drop_options(options).await?;
    client
}

/// Issue one event through `client`.
pub async fn issue(inst: &mut Instance, client: &Client, event: &Event) -> Result<(), Error> {
    inst.issue(client, &[Entry::from(event.clone())]).await
}

/// Issue events through `client`, in one call.
pub async fn issue_all(
    inst: &mut Instance,
    client: &Client,
    events: &[Event],
) -> Result<(), Error> {
    let entries: Vec<Entry> = events.iter().cloned().map(Entry::from).collect();
    inst.issue(client, &entries).await
}

/// One line of `conformance/runner-events.jsonl`.
pub struct Case {
    pub name: String,
    pub fields: Value,
    pub event: Event,
    pub line: String,
}

pub fn conformance_cases() -> Vec<Case> {
    use runner_metrics_host::json::{Names, event_from_json};
    let text = std::fs::read_to_string(repo_root().join("conformance/runner-events.jsonl"))
        .expect("conformance file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let case: Value = serde_json::from_str(l).expect("case is JSON");
            let name = case["event"].as_str().expect("event name").to_string();
            let mut flat = serde_json::Map::new();
            flat.insert("event".into(), Value::String(name.clone()));
            for (k, v) in case["fields"].as_object().expect("fields") {
                // The models' `None` is a missing key in the line.
                if !v.is_null() {
                    flat.insert(k.clone(), v.clone());
                }
            }
            let event = event_from_json(&Value::Object(flat), Names::BuiltIn)
                .unwrap_or_else(|e| panic!("case {name} converts: {e}"));
            Case {
                name,
                fields: case["fields"].clone(),
                event,
                line: case["line"].as_str().expect("line").to_string(),
            }
        })
        .collect()
}

/// `ours` (under the repository) is the file `shared` (under `../shared`),
/// unchanged, when `../shared` is there to compare with.
pub fn assert_copy_is_current(ours: &str, shared: &str) {
    let shared = repo_root().join("../shared").join(shared);
    if let Ok(upstream) = std::fs::read(&shared) {
        let copy = std::fs::read(repo_root().join(ours)).unwrap();
        assert!(copy == upstream, "{ours} differs from {}", shared.display());
    }
}

/// A valid event of each kind.
pub fn one_of_each() -> Vec<Event> {
    vec![
        Event::RunnerInstalled(RunnerInstalled {
            timestamp: 1.5,
            flavor: "small".into(),
            duration: 2.0,
        }),
        Event::RunnerStart(RunnerStart {
            timestamp: 1.5,
            flavor: "small".into(),
            workflow: "CI".into(),
            repo: "octo/hello".into(),
            github_event: "push".into(),
            idle: 3.0,
            queue_duration: Some(4.0),
        }),
        Event::RunnerStop(RunnerStop {
            timestamp: 1.5,
            flavor: "small".into(),
            workflow: "CI".into(),
            repo: "octo/hello".into(),
            github_event: "push".into(),
            status: "normal".into(),
            status_info: Some(CodeInformation { code: 1 }),
            job_duration: 5.0,
            job_conclusion: Some("success".into()),
        }),
        Event::Reconciliation(Reconciliation {
            timestamp: 1.5,
            flavor: "small".into(),
            crashed_runners: 0,
            idle_runners: 1,
            active_runners: 2,
            expected_runners: 3,
            duration: 6.0,
        }),
        Event::Custom(CustomEvent {
            name: "image_built".into(),
            timestamp: 1.5,
            fields: vec![("ok".into(), FieldValue::Boolean(true))],
        }),
    ]
}

/// A custom event carrying a sequence number, in stream `name`.
pub fn numbered(name: &str, seq: i64, timestamp: f64) -> Event {
    Event::Custom(CustomEvent {
        name: name.into(),
        timestamp,
        fields: vec![("seq".into(), FieldValue::Integer(seq))],
    })
}

/// A custom event `big` carrying `seq` and `pad` bytes of padding, to make
/// lines (and bodies) of a known size.
pub fn padded(seq: i64, pad: usize) -> Event {
    Event::Custom(CustomEvent {
        name: "big".into(),
        timestamp: 1.0,
        fields: vec![
            ("seq".into(), FieldValue::Integer(seq)),
            ("pad".into(), FieldValue::Text("x".repeat(pad))),
        ],
    })
}

/// The `seq` field of a line written for `numbered`.
pub fn seq_of(line: &str) -> i64 {
    let v: Value = serde_json::from_str(line).expect("line is JSON");
    v["seq"].as_i64().expect("seq")
}

/// Current Unix time in seconds.
pub fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The base64 credentials of a basic `Authorization` value, computed here
/// independently of the component, so that a leak of the encoded form is
/// caught too.
pub fn basic_credentials(user: &str, password: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

/// Fails if `text` holds any of `secrets`.
pub fn assert_no_secret(text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(!text.contains(secret), "a secret leaked into: {text}");
    }
}

/// The WIT error of a call that must have failed with one.
pub fn component_error<T: std::fmt::Debug>(r: Result<T, Error>) -> WitError {
    match r {
        Err(Error::Component(e)) => e,
        other => panic!("expected a component error, got {other:?}"),
    }
}

/// The `invalid-config` of a refused setting (or client).
pub fn invalid_config<T: std::fmt::Debug>(r: Result<T, Error>) -> InvalidInput {
    match component_error(r) {
        WitError::InvalidConfig(i) => i,
        other => panic!("expected invalid-config, got {other:?}"),
    }
}

/// The `invalid-event` of a refused call.
pub fn invalid_event<T: std::fmt::Debug>(r: Result<T, Error>) -> InvalidInput {
    match component_error(r) {
        WitError::InvalidEvent(i) => i,
        other => panic!("expected invalid-event, got {other:?}"),
    }
}

/// Every request carries its body with `Content-Length`, never chunked.
pub fn assert_framed(p: &Push) {
    assert!(!p.chunked, "sent chunked");
    assert_eq!(
        p.content_length,
        Some(p.body.len() as u64),
        "Content-Length is the body's length"
    );
}

/// The lines of every stream the receiver got, across pushes, in order.
pub fn lines(rx: &Receiver) -> Vec<String> {
    rx.streams()
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| e.line.clone()))
        .collect()
}

/// After an error, the same instance issues a good event to a good receiver.
pub async fn still_works(inst: &mut Instance) {
    let good = Receiver::start().await.unwrap();
    let c = client(inst, &good.url()).await;
    issue(inst, &c, &one_of_each()[0])
        .await
        .expect("instance still works");
    assert_eq!(good.pushes().len(), 1);
    inst.close(c).await.unwrap();
}

/// Whether Promtail's default port can be had here; when it cannot, the
/// tests of the default endpoint are skipped, with this said once.
pub fn default_port_free() -> bool {
    match std::net::TcpListener::bind("127.0.0.1:3100") {
        Ok(_) => true,
        Err(e) => {
            eprintln!(
                "SKIPPED: 127.0.0.1:3100 is taken ({e}), so the tests of the default endpoint \
                 cannot run; scripts/test-all runs the suites in their own network namespace \
                 (unshare -rn) where the port is free"
            );
            false
        }
    }
}
