//! The language-neutral fixtures (`conformance/fixtures.json`), which the
//! Python and JavaScript hosts run too: each case through the component's
//! own functions, called by WIT name with values built from the WIT-shaped
//! JSON by the types the component reports. Also: every error case's one
//! text (`error-texts`), rendered by this host and by the component.

use crate::common::wit_json::{from_val, to_val};
use crate::common::*;
use runner_metrics_host::{Error, Instance, WitError};
use runner_metrics_testkit::{Push, Receiver, Reply};
use serde_json::{Value, json};
use wasmtime::component::Val;

fn fixtures() -> Value {
    let text = std::fs::read_to_string(repo_root().join("conformance/fixtures.json")).unwrap();
    serde_json::from_str(&text).unwrap()
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

/// Call `name` with `args` given as WIT-shaped JSON (after any `pre`
/// values, such as `self`); the WIT-shaped result.
async fn call(
    inst: &mut Instance,
    name: &str,
    pre: &[Val],
    args: &[&Value],
) -> Result<Value, String> {
    let types = inst.func_params(name).map_err(|e| format!("{e:#}"))?;
    let mut vals = pre.to_vec();
    for (ty, arg) in types[pre.len()..].iter().zip(args) {
        vals.push(to_val(ty, arg)?);
    }
    let results = inst
        .call(name, &vals)
        .await
        .map_err(|e| format!("{name} trapped: {e:#}"))?;
    Ok(results.first().map_or(Value::Null, from_val))
}

/// A resource handle the call returned.
async fn make(
    inst: &mut Instance,
    name: &str,
    pre: &[Val],
    args: &[&Value],
) -> Result<Result<Val, Value>, String> {
    let types = inst.func_params(name).map_err(|e| format!("{e:#}"))?;
    let mut vals = pre.to_vec();
    for (ty, arg) in types[pre.len()..].iter().zip(args) {
        vals.push(to_val(ty, arg)?);
    }
    let results = inst
        .call(name, &vals)
        .await
        .map_err(|e| format!("{name} trapped: {e:#}"))?;
    Ok(match results.into_iter().next() {
        Some(Val::Result(Ok(Some(handle)))) => Ok(*handle),
        Some(Val::Result(Err(Some(e)))) => Err(from_val(&e)),
        Some(handle @ Val::Resource(_)) => Ok(handle),
        other => return Err(format!("{name} gave {other:?}")),
    })
}

/// The outcome of a case: `ok`, or the WIT error as JSON; and the client's
/// `stats.last-error`, when a client was made.
async fn outcome(
    inst: &mut Instance,
    case: &Value,
    url: &str,
) -> Result<(Value, Option<Value>), String> {
    let options = match make(inst, "[constructor]options", &[], &[]).await? {
        Ok(o) => o,
        Err(e) => return Err(format!("options: {e}")),
    };
    let mut settings = vec![
        ("endpoint".to_string(), json!(url)),
        ("max-attempts".to_string(), json!(1)),
    ];
    for (k, v) in case["options"].as_object().into_iter().flatten() {
        let v = if v == "$CLOSED" {
            json!(format!(
                "http://127.0.0.1:{}/loki/api/v1/push",
                closed_port()
            ))
        } else {
            v.clone()
        };
        settings.push((k.clone(), v));
    }
    for (setting, value) in settings {
        let setter = format!("[method]options.set-{setting}");
        let result = call(inst, &setter, std::slice::from_ref(&options), &[&value]).await?;
        if let Some(e) = result.get("err") {
            return Ok((e.clone(), None));
        }
    }
    let client = match make(inst, "[constructor]client", &[options], &[]).await? {
        Ok(c) => c,
        Err(e) => return Ok((e, None)),
    };
    let result = call(
        inst,
        "[method]client.issue",
        std::slice::from_ref(&client),
        &[&case["entries"]],
    )
    .await?;
    let stats = call(inst, "[method]client.stats", &[client], &[]).await?;
    let outcome = result.get("err").cloned().unwrap_or(json!("ok"));
    Ok((outcome, Some(stats["last-error"].clone())))
}

/// The WIT error JSON as the Rust host's type, by serde on the generated
/// type after turning WIT names into its serde names.
fn wit_error(v: &Value) -> WitError {
    let (case, payload) = v.as_object().unwrap().iter().next().unwrap();
    let payload = match payload {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.replace('-', "_"), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    };
    let pascal: String = case
        .split('-')
        .map(|w| w[..1].to_uppercase() + &w[1..])
        .collect();
    serde_json::from_value(json!({ pascal: payload })).expect("a WIT error")
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
    let mut inst = instance().await;
    let (outcome, last_error) = outcome(&mut inst, case, &rx.url()).await?;
    let expect = &case["expect"];
    match expect.get("error") {
        None if outcome == "ok" => {}
        Some(want) if outcome != "ok" => {
            let (case, payload) = outcome.as_object().unwrap().iter().next().unwrap();
            if want["case"] != *case {
                return Err(format!("error {outcome}, want {want}"));
            }
            for (k, v) in want.as_object().unwrap() {
                if k != "case" && payload[k] != *v {
                    return Err(format!("error {k}: got {}, want {v}", payload[k]));
                }
            }
            // The host's text is the component's.
            let text = Error::Component(wit_error(&outcome)).to_string();
            if let Some(last) = last_error
                && last != json!(text)
            {
                return Err(format!("text {text:?}, but stats.last-error {last}"));
            }
        }
        _ => return Err(format!("outcome {outcome}, want {expect}")),
    }
    let pushes = rx.pushes();
    let want = expect["requests"].as_array().unwrap();
    if pushes.len() != want.len() {
        return Err(format!("{} requests, want {}", pushes.len(), want.len()));
    }
    for (p, w) in pushes.iter().zip(want) {
        let got = push_json(p);
        let (gs, ws) = (
            got["streams"].as_array().unwrap(),
            w["streams"].as_array().unwrap(),
        );
        if gs.len() != ws.len() {
            return Err(format!(
                "streams: got {}, want {}",
                got["streams"], w["streams"]
            ));
        }
        for (g, w) in gs.iter().zip(ws) {
            for key in ["labels", "lines", "metadata"] {
                if w.get(key).is_some() && g[key] != w[key] {
                    return Err(format!("{key}: got {}, want {}", g[key], w[key]));
                }
            }
        }
        for (name, value) in w["headers"].as_object().into_iter().flatten() {
            let have = p.header(name);
            if have.as_deref() != value.as_str() {
                return Err(format!("header {name}: got {have:?}, want {value}"));
            }
        }
        if p.chunked || p.content_length != Some(p.body.len() as u64) {
            return Err(format!(
                "sent chunked={} with content-length {:?} for {} bytes",
                p.chunked,
                p.content_length,
                p.body.len()
            ));
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
    let doc = fixtures();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() > 60);
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

#[test]
fn every_error_case_has_its_one_text() {
    let doc = fixtures();
    let texts = doc["error-texts"].as_array().unwrap();
    for t in texts {
        let rendered = Error::Component(wit_error(&t["error"])).to_string();
        assert_eq!(rendered, t["text"].as_str().unwrap(), "{}", t["error"]);
    }
}
