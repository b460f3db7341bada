//! Credentials come only from the environment, and no message shows one
//! (Reliability §12).

use crate::common::{cli, issue};
use runner_metrics_testkit::{Receiver, Reply};

const TOKEN: &str = "cli-Secret-tok-6";
const PASSWORD: &str = "cli-Secret-pw-5";
const USER: &str = "hook-Secret-user-7";
// base64("hook:cli-Secret-pw-5"), computed outside this project.
const BASIC: &str = "aG9vazpjbGktU2VjcmV0LXB3LTU=";

fn assert_no_secret(text: &str) {
    for secret in [TOKEN, PASSWORD, USER, BASIC, "Secret"] {
        assert!(!text.contains(secret), "a secret leaked into: {text}");
    }
}

#[tokio::test]
async fn credentials_are_sent_and_stay_out_of_the_output() {
    let rx = Receiver::start().await.unwrap();
    let url = rx.url();
    let bearer = [("RUNNER_METRICS_BEARER_TOKEN", TOKEN)];
    let basic = [
        ("RUNNER_METRICS_BASIC_USER", "hook"),
        ("RUNNER_METRICS_BASIC_PASSWORD", PASSWORD),
    ];
    let with = |env: &[(&str, &str)]| {
        env.iter()
            .fold(issue(&["--endpoint", &url]), |c, (k, v)| c.env(k, v))
    };
    with(&bearer).run().await.assert_ok();
    with(&basic).run().await.assert_ok();
    let auth: Vec<_> = rx
        .pushes()
        .iter()
        .map(|p| p.header("authorization").unwrap())
        .collect();
    assert_eq!(auth, [format!("Bearer {TOKEN}"), format!("Basic {BASIC}")]);
    // Rejected: the message names the answer, never the secret.
    rx.script([
        Reply::status(401, &format!("bad token {TOKEN}")),
        Reply::status(403, &format!("bad password {PASSWORD}")),
    ]);
    for (env, status) in [(&bearer[..], 401), (&basic[..], 403)] {
        let out = with(env).run().await;
        out.assert_code(5);
        assert!(
            out.stderr.contains(&format!("answered {status}")),
            "{out:?}"
        );
        assert_no_secret(&out.output());
    }
}

#[tokio::test]
async fn half_a_basic_pair_or_both_kinds_are_refused_without_values() {
    let rx = Receiver::start().await.unwrap();
    let url = rx.url();
    let cases: [&[(&str, &str)]; 3] = [
        &[("RUNNER_METRICS_BASIC_USER", USER)],
        &[("RUNNER_METRICS_BASIC_PASSWORD", PASSWORD)],
        &[
            ("RUNNER_METRICS_BEARER_TOKEN", TOKEN),
            ("RUNNER_METRICS_BASIC_USER", USER),
            ("RUNNER_METRICS_BASIC_PASSWORD", PASSWORD),
        ],
    ];
    for env in cases {
        let out = env
            .iter()
            .fold(issue(&["--endpoint", &url]), |c, (k, v)| c.env(k, v))
            .run()
            .await;
        out.assert_code(2);
        for (name, _) in env {
            assert!(out.stderr.contains(name), "{name} named in {out:?}");
        }
        assert_no_secret(&out.output());
    }
    assert_eq!(rx.requests(), 0, "nothing was sent");
}

#[tokio::test]
async fn header_values_are_never_echoed() {
    let rx = Receiver::start().await.unwrap();
    let url = rx.url();
    for header in [
        format!("Authorization: Bearer {TOKEN}"),
        format!("Bearer {TOKEN}"),
        format!("X Token={TOKEN}"),
        format!("X-Token: {TOKEN}\u{1}"),
        format!("=Bearer {TOKEN}"),
    ] {
        let out = issue(&["--endpoint", &url, "--header", &header])
            .run()
            .await;
        out.assert_code(2);
        assert!(out.stderr.contains("header"), "{out:?}");
        assert_no_secret(&out.output());
    }
    assert_eq!(rx.requests(), 0, "nothing was sent");
}

#[tokio::test]
async fn issue_help_lists_the_credential_variables() {
    let out = cli(&["issue", "--help"]).run().await;
    out.assert_ok();
    for var in [
        "RUNNER_METRICS_BEARER_TOKEN",
        "RUNNER_METRICS_BASIC_USER",
        "RUNNER_METRICS_BASIC_PASSWORD",
    ] {
        assert!(out.stdout.contains(var), "{var} in:\n{}", out.stdout);
    }
}

/// A password in the endpoint is refused without showing it, and the
/// message says how this command sets credentials (it has no `auth` flag).
#[tokio::test]
async fn a_password_in_the_endpoint_points_to_the_variables() {
    let out = issue(&["--endpoint", "http://admin:s3cr3t@127.0.0.1:9/x"])
        .run()
        .await;
    out.assert_code(2);
    assert!(!out.stderr.contains("s3cr3t"), "{out:?}");
    assert!(
        out.stderr.contains("http://<redacted>@127.0.0.1:9/x"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("RUNNER_METRICS_BASIC_PASSWORD"),
        "{out:?}"
    );
}
