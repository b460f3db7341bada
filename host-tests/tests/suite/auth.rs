//! Tenant, credentials and extra headers reach the receiver; credentials
//! never show in an error, a stats record or a `Debug` print.

use crate::common::*;
use metrics_host::receiver::{Receiver, Reply};
use metrics_host::{Auth, ClientConfig};

const PASSWORD: &str = "pa55-Secret-9f3c";
const TOKEN: &str = "tok-Secret-77e1";
const HEADER_SECRET: &str = "hdr-Secret-0b2d";

/// The secrets of this file, and the basic `Authorization` values of both
/// users it sends them with.
fn assert_no_secret(text: &str) {
    let secrets = [
        PASSWORD.to_string(),
        TOKEN.to_string(),
        HEADER_SECRET.to_string(),
        basic_credentials("12345", PASSWORD),
        basic_credentials("u", PASSWORD),
    ];
    crate::common::assert_no_secret(text, &secrets);
}

#[tokio::test]
async fn tenant_basic_auth_and_headers_are_sent() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let cfg = ClientConfig {
        tenant: Some("team-a".into()),
        auth: Some(Auth::Basic {
            user: "12345".into(),
            password: PASSWORD.into(),
        }),
        headers: vec![("X-Api-Key".into(), HEADER_SECRET.into())],
        ..config(&rx.url())
    };
    let c = inst.client(&cfg).await.unwrap();
    inst.client_issue_event(c, &one_of_each()[0]).await.unwrap();
    let h = &rx.pushes()[0].headers;
    assert_eq!(h["x-scope-orgid"], "team-a");
    assert_eq!(h["x-api-key"], HEADER_SECRET);
    // base64("12345:pa55-Secret-9f3c")
    assert_eq!(h["authorization"], "Basic MTIzNDU6cGE1NS1TZWNyZXQtOWYzYw==");
    // The form the leak checks look for is the form on the wire.
    assert_eq!(
        h["authorization"],
        format!("Basic {}", basic_credentials("12345", PASSWORD))
    );
    assert_no_secret(&format!("{cfg:?}"));
}

#[tokio::test]
async fn bearer_tokens_are_sent() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let cfg = ClientConfig {
        auth: Some(Auth::Bearer(TOKEN.into())),
        ..config(&rx.url())
    };
    let c = inst.client(&cfg).await.unwrap();
    inst.client_issue_event(c, &one_of_each()[0]).await.unwrap();
    assert_eq!(
        rx.pushes()[0].headers["authorization"],
        format!("Bearer {TOKEN}")
    );
    assert_no_secret(&format!("{cfg:?}"));
}

#[tokio::test]
async fn credentials_never_appear_in_errors_or_stats() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let good = ClientConfig {
        auth: Some(Auth::Basic {
            user: "u".into(),
            password: PASSWORD.into(),
        }),
        headers: vec![("x-api-key".into(), HEADER_SECRET.into())],
        ..config(&rx.url())
    };
    let mut errors = Vec::new();
    // A rejection, a server error and a timeout, with credentials set.
    let timeout = ClientConfig {
        timeout_ms: Some(200),
        ..good.clone()
    };
    let c = inst.client(&timeout).await.unwrap();
    rx.script([
        Reply::status(401, "invalid credentials"),
        Reply::status(500, "boom"),
        Reply::Hang,
    ]);
    for _ in 0..3 {
        errors.push(
            inst.client_issue_event(c, &one_of_each()[0])
                .await
                .unwrap_err(),
        );
    }
    let refused = ClientConfig {
        endpoint: Some(format!(
            "http://127.0.0.1:{}/loki/api/v1/push",
            closed_port()
        )),
        ..good.clone()
    };
    let c3 = inst.client(&refused).await.unwrap();
    errors.push(
        inst.client_issue_event(c3, &one_of_each()[0])
            .await
            .unwrap_err(),
    );
    // A rejection and a timeout with a bearer token.
    let bearer = ClientConfig {
        auth: Some(Auth::Bearer(TOKEN.into())),
        ..timeout.clone()
    };
    let c4 = inst.client(&bearer).await.unwrap();
    rx.script([Reply::status(403, "forbidden"), Reply::Hang]);
    for _ in 0..2 {
        errors.push(
            inst.client_issue_event(c4, &one_of_each()[0])
                .await
                .unwrap_err(),
        );
    }
    // Invalid configs that carry the secret in the bad value.
    let bad_configs = [
        ClientConfig {
            auth: Some(Auth::Bearer(format!("{TOKEN} has spaces"))),
            ..good.clone()
        },
        ClientConfig {
            auth: Some(Auth::Basic {
                user: "a:b".into(),
                password: PASSWORD.into(),
            }),
            ..good.clone()
        },
        ClientConfig {
            headers: vec![("x-k".into(), format!("{HEADER_SECRET}\r\nx: y"))],
            ..good.clone()
        },
        ClientConfig {
            headers: vec![("authorization".into(), HEADER_SECRET.into())],
            ..good.clone()
        },
    ];
    for cfg in &bad_configs {
        errors.push(inst.client(cfg).await.unwrap_err());
        assert_no_secret(&format!("{cfg:?}"));
    }
    for e in &errors {
        assert_no_secret(&e.to_string());
        assert_no_secret(&format!("{e:?}"));
    }
    for client in [c, c3, c4] {
        assert_no_secret(&format!("{:?}", inst.stats(client).await.unwrap()));
    }
}

#[tokio::test]
async fn bad_tenants_and_headers_are_invalid_configs() {
    let mut inst = instance().await;
    let base = config("http://127.0.0.1:1/x");
    let cases: Vec<(ClientConfig, &str)> = vec![
        (
            ClientConfig {
                tenant: Some(String::new()),
                ..base.clone()
            },
            "tenant",
        ),
        (
            ClientConfig {
                tenant: Some("a|b".into()),
                ..base.clone()
            },
            "tenant",
        ),
        (
            ClientConfig {
                tenant: Some("x".repeat(151)),
                ..base.clone()
            },
            "tenant",
        ),
        (
            ClientConfig {
                tenant: Some("..".into()),
                ..base.clone()
            },
            "tenant",
        ),
        (
            ClientConfig {
                headers: vec![("bad header".into(), "v".into())],
                ..base.clone()
            },
            "headers[0].name",
        ),
        (
            ClientConfig {
                headers: vec![("Content-Type".into(), "v".into())],
                ..base.clone()
            },
            "headers[0].name",
        ),
        (
            ClientConfig {
                headers: vec![("X-Scope-OrgID".into(), "v".into())],
                ..base.clone()
            },
            "headers[0].name",
        ),
        (
            ClientConfig {
                auth: Some(Auth::Bearer(String::new())),
                ..base.clone()
            },
            "auth.bearer",
        ),
    ];
    for (cfg, field) in cases {
        let err = inst.client(&cfg).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("invalid config: {field}:")),
            "{text}"
        );
    }
}
