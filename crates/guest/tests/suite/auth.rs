//! Tenant, credentials and extra headers reach the receiver; a bad tenant,
//! credential, header or endpoint is refused by its setter, naming it; and
//! credentials never show in an error (of a setter, a client or a call) or
//! in `stats`, whether sent, refused or answered.

use crate::common::*;
use runner_metrics_host::{Auth, BasicAuth, Error, Instance, Options, WitError};
use runner_metrics_testkit::{Receiver, Reply};

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

fn basic(user: &str, password: &str) -> Auth {
    Auth::Basic(BasicAuth {
        user: user.into(),
        password: password.into(),
    })
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn tenant_basic_auth_and_headers_are_sent() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_tenant(o, "team-a").await?;
        i.set_auth(o, &basic("12345", PASSWORD)).await?;
        i.set_headers(o, &pairs(&[("X-Api-Key", HEADER_SECRET)]))
            .await
    })
    .await;
    issue(&mut inst, &c, &one_of_each()[0]).await.unwrap();
    let push = &rx.pushes()[0];
    assert_framed(push);
    let h = &push.headers;
    assert_eq!(h["x-scope-orgid"], "team-a");
    assert_eq!(h["x-api-key"], HEADER_SECRET);
    // base64("12345:pa55-Secret-9f3c")
    assert_eq!(h["authorization"], "Basic MTIzNDU6cGE1NS1TZWNyZXQtOWYzYw==");
    // The form the leak checks look for is the form on the wire.
    assert_eq!(
        h["authorization"],
        format!("Basic {}", basic_credentials("12345", PASSWORD))
    );
    assert_no_secret(&format!("{:?}", inst.stats(&c).await.unwrap()));
}

#[tokio::test]
async fn bearer_tokens_are_sent() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_auth(o, &Auth::Bearer(TOKEN.into())).await
    })
    .await;
    issue(&mut inst, &c, &one_of_each()[0]).await.unwrap();
    assert_eq!(
        rx.pushes()[0].headers["authorization"],
        format!("Bearer {TOKEN}")
    );
}

#[tokio::test]
async fn headers_may_have_inner_spaces_and_tabs_and_empty_values() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_headers(o, &pairs(&[("x-a", "one two\tthree"), ("x-b", "")]))
            .await
    })
    .await;
    issue(&mut inst, &c, &one_of_each()[0]).await.unwrap();
    let push = rx.last_push().unwrap();
    assert_eq!(push.header("x-a").as_deref(), Some("one two\tthree"));
    assert_eq!(push.header("x-b").as_deref(), Some(""));
}

/// A client with these credentials, this file's secret header and a
/// 200 ms timeout.
async fn good_client(inst: &mut Instance, url: &str, auth: Auth) -> runner_metrics_host::Client {
    client_with(inst, url, async |i, o| {
        i.set_auth(o, &auth).await?;
        i.set_headers(o, &pairs(&[("x-api-key", HEADER_SECRET)]))
            .await?;
        i.set_timeout_ms(o, 200).await
    })
    .await
}

#[tokio::test]
async fn credentials_never_appear_in_errors_or_stats() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let mut errors = Vec::new();
    // A rejection, a server error and a timeout, with credentials set; the
    // rejection's body echoes them, as a misbehaving proxy might.
    let c = good_client(&mut inst, &rx.url(), basic("u", PASSWORD)).await;
    rx.script([
        Reply::status(401, &format!("invalid credentials {PASSWORD}")),
        Reply::status(500, &format!("boom {HEADER_SECRET}")),
        Reply::Hang,
    ]);
    for _ in 0..3 {
        errors.push(issue(&mut inst, &c, &one_of_each()[0]).await.unwrap_err());
    }
    let c3 = good_client(&mut inst, &closed_url(), basic("u", PASSWORD)).await;
    errors.push(issue(&mut inst, &c3, &one_of_each()[0]).await.unwrap_err());
    // A rejection (echoing the token) and a timeout with a bearer token.
    let c4 = good_client(&mut inst, &rx.url(), Auth::Bearer(TOKEN.into())).await;
    rx.script([
        Reply::status(403, &format!("forbidden: {TOKEN}")),
        Reply::Hang,
    ]);
    for _ in 0..2 {
        errors.push(issue(&mut inst, &c4, &one_of_each()[0]).await.unwrap_err());
    }
    // Settings that carry the secret in the bad value, refused by their
    // setter; and an endpoint with the password in it.
    let o = inst.options().await.unwrap();
    let refused: Vec<Result<(), Error>> = vec![
        inst.set_auth(&o, &Auth::Bearer(format!("{TOKEN} has spaces")))
            .await,
        inst.set_auth(&o, &basic("a:b", PASSWORD)).await,
        inst.set_auth(&o, &basic("u", &format!("{PASSWORD}\n")))
            .await,
        inst.set_headers(&o, &pairs(&[("x-k", &format!("{HEADER_SECRET}\r\nx: y"))]))
            .await,
        inst.set_headers(&o, &pairs(&[("x-k", &format!("€uro{HEADER_SECRET}"))]))
            .await,
        inst.set_headers(&o, &pairs(&[("authorization", HEADER_SECRET)]))
            .await,
        inst.set_endpoint(&o, &format!("http://u:{PASSWORD}@127.0.0.1:1/x"))
            .await,
        inst.set_endpoint(&o, &format!("http://u:{PASSWORD}@127.0.0.1:1/a b"))
            .await,
    ];
    for r in refused {
        errors.push(r.unwrap_err());
    }
    // The answers' echoes are redacted, not cut out.
    let WitError::Rejected(r) = errors[0].component().unwrap() else {
        panic!("{:?}", errors[0])
    };
    assert_eq!(r.body, "invalid credentials <redacted>");
    for e in &errors {
        assert_no_secret(&e.to_string());
        assert_no_secret(&format!("{e:?}"));
    }
    for client in [&c, &c3, &c4] {
        let stats = inst.stats(client).await.unwrap();
        assert!(stats.last_error.is_some());
        assert_no_secret(&format!("{stats:?}"));
    }
}

#[tokio::test]
async fn bad_tenants_credentials_and_headers_are_refused_when_set() {
    let mut inst = instance().await;
    let o: Options = inst.options().await.unwrap();
    let cases: Vec<(Result<(), Error>, &str)> = vec![
        (inst.set_tenant(&o, "").await, "tenant"),
        (inst.set_tenant(&o, "a|b").await, "tenant"),
        (inst.set_tenant(&o, &"x".repeat(151)).await, "tenant"),
        (inst.set_tenant(&o, ".").await, "tenant"),
        (inst.set_tenant(&o, "..").await, "tenant"),
        (
            inst.set_headers(&o, &pairs(&[("bad header", "v")])).await,
            "headers[0].name",
        ),
        (
            inst.set_headers(&o, &pairs(&[("Content-Type", "v")])).await,
            "headers[0].name",
        ),
        (
            inst.set_headers(&o, &pairs(&[("Content-Length", "1")]))
                .await,
            "headers[0].name",
        ),
        (
            inst.set_headers(&o, &pairs(&[("X-Scope-OrgID", "v")]))
                .await,
            "headers[0].name",
        ),
        (
            inst.set_headers(&o, &pairs(&[("x-a", "1"), ("X-A", "2")]))
                .await,
            "headers[1].name",
        ),
        (
            inst.set_headers(&o, &pairs(&[("x-a", "ok"), ("x-b", "€uro")]))
                .await,
            "headers[1].value",
        ),
        (
            inst.set_headers(&o, &pairs(&[("x-a", " leading")])).await,
            "headers[0].value",
        ),
        (
            inst.set_headers(&o, &pairs(&[("x-a", "trailing\t")])).await,
            "headers[0].value",
        ),
        (
            inst.set_auth(&o, &Auth::Bearer(String::new())).await,
            "auth.bearer",
        ),
        (
            inst.set_auth(&o, &Auth::Bearer("tök".into())).await,
            "auth.bearer",
        ),
        (
            inst.set_auth(&o, &basic("a:b", "p")).await,
            "auth.basic.user",
        ),
        (inst.set_auth(&o, &basic("", "p")).await, "auth.basic.user"),
        (
            inst.set_auth(&o, &basic("a\u{7}", "p")).await,
            "auth.basic.user",
        ),
        (
            inst.set_auth(&o, &basic("a", "p\u{0}")).await,
            "auth.basic.password",
        ),
    ];
    for (r, field) in cases {
        let text = r.as_ref().map_err(ToString::to_string).unwrap_err();
        assert!(
            text.starts_with(&format!("invalid config: {field}:")),
            "{text}"
        );
        assert_eq!(invalid_config(r).field, field);
    }
    // The tenant's and the header rule's limits themselves are fine.
    inst.set_tenant(&o, &"x".repeat(150)).await.unwrap();
    inst.set_tenant(&o, "a!-_.*'()Z9").await.unwrap();
    inst.set_auth(&o, &basic("u", "")).await.unwrap();
    still_works(&mut inst).await;
}

#[tokio::test]
async fn a_refused_setting_keeps_its_earlier_value() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = instance().await;
    let c = client_with(&mut inst, &rx.url(), async |i, o| {
        i.set_tenant(o, "team-a").await?;
        i.set_auth(o, &Auth::Bearer(TOKEN.into())).await?;
        i.set_headers(o, &pairs(&[("x-a", "1")])).await?;
        assert!(i.set_tenant(o, "a b").await.is_err());
        assert!(i.set_auth(o, &Auth::Bearer(String::new())).await.is_err());
        assert!(i.set_headers(o, &pairs(&[("x-b", "€")])).await.is_err());
        Ok(())
    })
    .await;
    issue(&mut inst, &c, &one_of_each()[0]).await.unwrap();
    let push = rx.last_push().unwrap();
    assert_eq!(push.header("x-scope-orgid").as_deref(), Some("team-a"));
    assert_eq!(
        push.header("authorization"),
        Some(format!("Bearer {TOKEN}"))
    );
    assert_eq!(push.header("x-a").as_deref(), Some("1"));
    assert_eq!(push.header("x-b"), None);
}

#[tokio::test]
async fn tenant_auth_and_headers_together_are_bounded_when_the_client_is_made() {
    let mut inst = instance().await;
    // 16 KiB in one header passes its setter; the tenant on top is too much,
    // which only the client can tell.
    let big = "v".repeat(16 * 1024 - 5);
    let r = try_client(&mut inst, "http://127.0.0.1:1/x", async |i, o| {
        i.set_headers(o, &pairs(&[("x-big", &big)])).await?;
        i.set_tenant(o, "t").await
    })
    .await;
    assert_eq!(invalid_config(r).field, "headers");
    let fits = try_client(&mut inst, "http://127.0.0.1:1/x", async |i, o| {
        i.set_headers(o, &pairs(&[("x-big", &big)])).await
    })
    .await;
    assert!(fits.is_ok(), "{fits:?}");
}
