//! The cross-host fault matrix (`conformance/faults.json`) through this
//! host, with its pooled sender and with wasmtime's default sender: each
//! fault must give the same WIT error case and payload as in every other
//! host (the Python and JavaScript suites run the same file).

use crate::common::*;
use runner_metrics_host::{Error, Event, Sender};
use runner_metrics_testkit::{Fault, FaultyServer, Receiver, Reply, TlsServer};
use serde_json::{Value, json};

/// What keeps a fault's peer alive while its case runs.
#[allow(dead_code)]
enum Peer {
    None,
    Faulty(FaultyServer),
    Tls(TlsServer),
}

/// The endpoint a case names, and its peer.
async fn endpoint(spec: &Value, rx: &Receiver) -> (String, Peer) {
    if let Some(url) = spec["url"].as_str() {
        return (url.to_string(), Peer::None);
    }
    if let Some(scheme) = spec["receiver"].as_str() {
        return (rx.url().replacen("http", scheme, 1), Peer::None);
    }
    let fault = match spec["fault"].as_str().unwrap() {
        "refused" => {
            let url = format!("http://127.0.0.1:{}/loki/api/v1/push", closed_port());
            return (url, Peer::None);
        }
        "tls-self-signed" => {
            let tls = TlsServer::start().await.unwrap();
            return (tls.url(), Peer::Tls(tls));
        }
        "reset-mid-body" => Fault::ResetMidBody { after: 1 },
        "hang" => Fault::Hang,
        "raw" => Fault::Raw(spec["bytes"].as_str().unwrap().as_bytes().to_vec()),
        other => panic!("a fault this suite does not know: {other}"),
    };
    let server = FaultyServer::start(fault).await.unwrap();
    (server.url(), Peer::Faulty(server))
}

/// The error as `{case, payload}` in WIT names, from the generated type's
/// serde form.
fn error_json(e: &Error) -> (String, Value) {
    let Error::Component(e) = e else {
        panic!("a trap: {e}")
    };
    let value = serde_json::to_value(e).unwrap();
    let (case, payload) = value.as_object().unwrap().iter().next().unwrap();
    let mut kebab = String::new();
    for (i, c) in case.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            kebab.push('-');
        }
        kebab.push(c.to_ascii_lowercase());
    }
    let payload = match payload {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.replace('_', "-"), v.clone()))
                .collect(),
        ),
        bare => json!({ "value": bare }),
    };
    (kebab, payload)
}

#[tokio::test]
async fn every_host_configuration_reports_each_fault_alike() {
    let text = std::fs::read_to_string(repo_root().join("conformance/faults.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    for sender in [Sender::Pooled, Sender::PerRequest] {
        let mut inst = instance_with(move |b| b.sender(sender)).await;
        for fault in doc["faults"].as_array().unwrap() {
            let rx = Receiver::start().await.unwrap();
            for r in fault["replies"].as_array().into_iter().flatten() {
                let mut reply = Reply::status(
                    r["status"].as_u64().unwrap() as u16,
                    r["body"].as_str().unwrap_or(""),
                );
                for (k, v) in r["headers"].as_object().into_iter().flatten() {
                    reply = reply.with_header(k, v.as_str().unwrap());
                }
                rx.script([reply]);
            }
            let (url, _peer) = endpoint(&fault["endpoint"], &rx).await;
            let made = try_client(&mut inst, &url, async |i, o| {
                i.set_timeout_ms(o, 1000).await?;
                if let Some(headers) = fault["options"]["headers"].as_array() {
                    let pairs: Vec<(String, String)> = headers
                        .iter()
                        .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
                        .collect();
                    i.set_headers(o, &pairs).await?;
                }
                Ok(())
            })
            .await;
            let mut event = one_of_each().remove(0);
            if let (Some(n), Event::RunnerInstalled(installed)) =
                (fault["flavor-bytes"].as_u64(), &mut event)
            {
                installed.flavor = "x".repeat(n as usize);
            }
            let result = match made {
                Ok(c) => issue(&mut inst, &c, &event).await,
                Err(e) => Err(e),
            };
            let name = format!("{sender:?}: {}", fault["name"]);
            let want = &fault["expect"];
            let Err(e) = result else {
                if want["case"] != "ok" {
                    failures.push(format!("{name}: accepted"));
                }
                continue;
            };
            let (case, payload) = error_json(&e);
            if want["case"] != json!(case) {
                failures.push(format!("{name}: {case} {payload}, want {want}"));
                continue;
            }
            for (k, v) in want.as_object().unwrap() {
                if k != "case" && payload[k] != *v {
                    failures.push(format!("{name}: {k} is {}, want {v} ({e})", payload[k]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
