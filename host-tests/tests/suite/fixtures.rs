//! The language-neutral fixtures (`conformance/fixtures.json`), which the
//! Python and JavaScript hosts run too, through the Rust host.

use crate::common::*;
use metrics_host::bindings::WitError;
use metrics_host::receiver::{Push, Receiver, Reply};
use metrics_host::{Error, wit_json};
use serde_json::{Value, json};

fn error_json(e: &WitError) -> Value {
    match e {
        WitError::InvalidEvent(i) => {
            json!({"case": "invalid-event", "field": i.field, "reason": i.reason})
        }
        WitError::InvalidConfig(i) => {
            json!({"case": "invalid-config", "field": i.field, "reason": i.reason})
        }
        WitError::Transport(t) => json!({"case": "transport", "code": t.code, "detail": t.detail}),
        WitError::Timeout(ms) => json!({"case": "timeout", "timeout-ms": ms}),
        WitError::Rejected(r) => {
            json!({"case": "rejected", "status": r.status, "body": r.body, "retry-after-ms": r.retry_after_ms})
        }
        WitError::Storage(s) => json!({"case": "storage", "path": s.path, "detail": s.detail}),
        WitError::Spooled(s) => json!({"case": "spooled", "events": s.events, "cause": s.cause}),
    }
}

fn push_json(p: &Push) -> Value {
    let streams: Vec<Value> = p
        .streams
        .iter()
        .map(|s| {
            json!({
                "labels": s.labels.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                "lines": s.entries.iter().map(|e| e.line.clone()).collect::<Vec<_>>(),
                "metadata": s.entries.iter().map(|e| {
                    e.metadata.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>()
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "streams": streams })
}

/// Run one case; `Err` says how it failed.
async fn run(case: &Value) -> Result<(), String> {
    let rx = Receiver::start().await.unwrap();
    for r in case["replies"].as_array().into_iter().flatten() {
        let headers = r["headers"].as_object().into_iter().flatten();
        rx.script([Reply::Status {
            status: r["status"].as_u64().unwrap() as u16,
            headers: headers
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect(),
            body: r["body"].as_str().unwrap_or("").as_bytes().to_vec(),
        }]);
    }
    let mut cfg = wit_json::config(config(&rx.url()), case.get("config").unwrap_or(&json!({})))?;
    if cfg.endpoint.as_deref() == Some("$CLOSED") {
        cfg.endpoint = Some(format!(
            "http://127.0.0.1:{}/loki/api/v1/push",
            closed_port()
        ));
    }
    let events: Vec<_> = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(wit_json::event)
        .collect::<Result<_, _>>()?;
    let mut inst = instance().await;
    let result = match inst.client(&cfg).await {
        Ok(c) if events.len() == 1 => inst.client_issue_event(c, &events[0]).await,
        Ok(c) => inst.client_issue_events(c, &events).await,
        Err(e) => Err(e),
    };
    let expect = &case["expect"];
    match (&result, expect.get("error")) {
        (Ok(()), None) => {}
        (Err(Error::Component(e)), Some(want)) => {
            let got = error_json(e);
            for (k, v) in want.as_object().unwrap() {
                if &got[k] != v {
                    return Err(format!("error {k}: got {}, want {v}", got[k]));
                }
            }
        }
        (got, _) => return Err(format!("outcome {got:?}, want {expect}")),
    }
    let pushes = rx.pushes();
    let want = expect["requests"].as_array().unwrap();
    if pushes.len() != want.len() {
        return Err(format!("{} requests, want {}", pushes.len(), want.len()));
    }
    for (p, w) in pushes.iter().zip(want) {
        let got = push_json(p);
        for (gs, ws) in got["streams"]
            .as_array()
            .unwrap()
            .iter()
            .zip(w["streams"].as_array().unwrap())
        {
            for key in ["labels", "lines", "metadata"] {
                if ws.get(key).is_some() && gs[key] != ws[key] {
                    return Err(format!("{key}: got {}, want {}", gs[key], ws[key]));
                }
            }
        }
        if got["streams"].as_array().unwrap().len() != w["streams"].as_array().unwrap().len() {
            return Err(format!(
                "streams: got {}, want {}",
                got["streams"], w["streams"]
            ));
        }
        for (name, value) in w["headers"].as_object().into_iter().flatten() {
            let have = p.headers.get(name).map(|v| v.to_str().unwrap_or(""));
            if have != value.as_str() {
                return Err(format!("header {name}: got {have:?}, want {value}"));
            }
        }
    }
    if let Some(n) = expect.get("attempts").and_then(Value::as_u64)
        && rx.requests() as u64 != n
    {
        return Err(format!("{} attempts, want {n}", rx.requests()));
    }
    Ok(())
}

#[tokio::test]
async fn every_fixture_passes() {
    let text = std::fs::read_to_string(repo_root().join("conformance/fixtures.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() > 40);
    let mut failures = Vec::new();
    for case in cases {
        if let Err(why) = run(case).await {
            failures.push(format!("{}: {why}", case["name"]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
