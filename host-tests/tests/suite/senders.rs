//! The pooled keep-alive sender (the default) and wasmtime-wasi-http's
//! connection-per-request sender, side by side.

use crate::common::*;
use metrics_host::bindings::WitError;
use metrics_host::faulty::{Fault, FaultyServer};
use metrics_host::receiver::{Receiver, Reply};
use metrics_host::{Error, HostOptions, Instance, SenderKind};

async fn with_sender(sender: SenderKind) -> Instance {
    instance_with(HostOptions {
        sender,
        ..HostOptions::default()
    })
    .await
}

#[tokio::test]
async fn the_pool_reuses_one_connection_across_requests_and_instances() {
    let rx = Receiver::start().await.unwrap();
    let pooled = host().with_options(HostOptions::default()).unwrap();
    for _ in 0..2 {
        let mut inst = pooled.instantiate().await.unwrap();
        let c = inst.client(&config(&rx.url())).await.unwrap();
        for e in one_of_each() {
            inst.client_issue_event(c, &e).await.unwrap();
        }
    }
    assert_eq!(rx.pushes().len(), 10);
    assert_eq!(rx.connections(), 1, "one keep-alive connection for all ten");
}

#[tokio::test]
async fn the_per_request_sender_opens_a_connection_each_time() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = with_sender(SenderKind::PerRequest).await;
    let c = inst.client(&config(&rx.url())).await.unwrap();
    for e in one_of_each() {
        inst.client_issue_event(c, &e).await.unwrap();
    }
    assert_eq!(rx.pushes().len(), 5);
    assert_eq!(rx.connections(), 5);
}

/// Both senders report each failure as the same WIT error.
#[tokio::test]
async fn both_senders_classify_failures_alike() {
    for sender in [SenderKind::Pooled, SenderKind::PerRequest] {
        let mut inst = with_sender(sender).await;
        let code = |r: Result<(), Error>| match r {
            Err(Error::Component(WitError::Transport(t))) => t.code,
            other => panic!("{sender:?}: {other:?}"),
        };
        let refused = format!("http://127.0.0.1:{}/loki/api/v1/push", closed_port());
        let c = inst.client(&config(&refused)).await.unwrap();
        assert_eq!(
            code(inst.client_issue_event(c, &one_of_each()[0]).await),
            "connection-refused"
        );

        let c = inst
            .client(&config("http://no-such-host.invalid/loki/api/v1/push"))
            .await
            .unwrap();
        assert_eq!(
            code(inst.client_issue_event(c, &one_of_each()[0]).await),
            "dns-error"
        );

        // Accepts, reads the request, then resets the connection.
        let server = FaultyServer::start(Fault::ResetBeforeResponse)
            .await
            .unwrap();
        let c = inst.client(&config(&server.url())).await.unwrap();
        let reset = code(inst.client_issue_event(c, &one_of_each()[0]).await);
        assert!(
            ["connection-terminated", "http-protocol-error"].contains(&reset.as_str()),
            "{sender:?}: {reset}"
        );

        let rx = Receiver::start().await.unwrap();
        rx.script([Reply::status(503, "down"), Reply::Hang]);
        let mut cfg = config(&rx.url());
        cfg.timeout_ms = Some(300);
        let c = inst.client(&cfg).await.unwrap();
        let err = inst.client_issue_event(c, &one_of_each()[0]).await;
        assert!(
            matches!(err, Err(Error::Component(WitError::Rejected(ref r))) if r.status == 503),
            "{err:?}"
        );
        let err = inst.client_issue_event(c, &one_of_each()[0]).await;
        assert!(
            matches!(err, Err(Error::Component(WitError::Timeout(300)))),
            "{sender:?}: {err:?}"
        );
        inst.client_issue_event(c, &one_of_each()[0]).await.unwrap();
    }
}
