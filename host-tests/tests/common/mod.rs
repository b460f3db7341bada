//! Shared by the integration tests: one compiled component per test binary,
//! configs, and the conformance cases.
#![allow(dead_code)]

use metrics_host::bindings::WitError;
use metrics_host::receiver::Receiver;
use metrics_host::{ClientConfig, Error, Event, HostOptions, Instance, MetricsHost};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The component, compiled once per test binary.
pub fn host() -> &'static MetricsHost {
    static HOST: OnceLock<MetricsHost> = OnceLock::new();
    HOST.get_or_init(|| {
        // Precompiled once for every test binary, keyed by the component's bytes.
        let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("component-cache");
        MetricsHost::from_bytes(
            metrics_host::COMPONENT_BYTES,
            HostOptions::default(),
            Some(&cache),
        )
        .expect("the built component loads")
    })
}

pub async fn instance() -> Instance {
    host().instantiate().await.expect("instantiate")
}

/// A config with every default but the endpoint, and one attempt per
/// request, so that each answer is seen as it is.
pub fn config(endpoint: &str) -> ClientConfig {
    ClientConfig::new(endpoint).single_attempt()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// One line of `conformance/runner-events.jsonl`.
pub struct Case {
    pub name: String,
    pub fields: Value,
    pub event: Event,
    pub line: String,
}

pub fn conformance_cases() -> Vec<Case> {
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
                flat.insert(k.clone(), v.clone());
            }
            let event = metrics_host::event_from_json(&Value::Object(flat)).expect("case converts");
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

/// A port with nothing listening on it.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A valid event of each kind.
pub fn one_of_each() -> Vec<Event> {
    use metrics_host::*;
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
    Event::Custom(metrics_host::CustomEvent {
        name: name.into(),
        timestamp,
        fields: vec![("seq".into(), metrics_host::FieldValue::Integer(seq))],
    })
}

/// A custom event `big` carrying `seq` and `pad` bytes of padding, to make
/// lines (and bodies) of a known size.
pub fn padded(seq: i64, pad: usize) -> Event {
    Event::Custom(metrics_host::CustomEvent {
        name: "big".into(),
        timestamp: 1.0,
        fields: vec![
            ("seq".into(), metrics_host::FieldValue::Integer(seq)),
            (
                "pad".into(),
                metrics_host::FieldValue::Text("x".repeat(pad)),
            ),
        ],
    })
}

/// The `seq` field of a line written for `numbered`.
pub fn seq_of(line: &str) -> i64 {
    let v: serde_json::Value = serde_json::from_str(line).expect("line is JSON");
    v["seq"].as_i64().expect("seq")
}

/// Current Unix time in seconds.
pub fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// An instance of the same compiled component, with other host options.
pub async fn instance_with(options: HostOptions) -> Instance {
    host()
        .with_options(options)
        .unwrap()
        .instantiate()
        .await
        .unwrap()
}

/// An instance whose store preopens `dir` at guest path `/data`.
pub async fn instance_with_dir(dir: &std::path::Path) -> Instance {
    instance_with(HostOptions {
        dirs: vec![metrics_host::Preopen {
            host: dir.to_path_buf(),
            guest: "/data".into(),
        }],
        ..HostOptions::default()
    })
    .await
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
pub fn component_error(r: Result<(), Error>) -> WitError {
    match r {
        Err(Error::Component(e)) => e,
        other => panic!("expected a component error, got {other:?}"),
    }
}

/// After an error, the same instance issues a good event to a good receiver.
pub async fn still_works(inst: &mut Instance) {
    let good = Receiver::start().await.unwrap();
    let client = inst.client(&config(&good.url())).await.unwrap();
    inst.client_issue_event(client, &one_of_each()[0])
        .await
        .expect("instance still works");
    assert_eq!(good.pushes().len(), 1);
    inst.drop_client(client).await.unwrap();
}
