//! Host-side limits: an allow-list of authorities, no filesystem unless a
//! sink or spool needs one, and the component's imports, checked against the
//! list the README documents.

use crate::common::*;
use metrics_host::bindings::WitError;
use metrics_host::hooks::AllowList;
use metrics_host::receiver::{Receiver, Reply};
use metrics_host::{Error, HostOptions, Instance};

async fn allowing(authorities: &[String]) -> Instance {
    instance_with(HostOptions {
        allow: Some(AllowList::new(authorities)),
        ..HostOptions::default()
    })
    .await
}

#[tokio::test]
async fn a_host_outside_the_allow_list_is_denied() {
    let allowed = Receiver::start().await.unwrap();
    let other = Receiver::start().await.unwrap();
    let mut inst = allowing(&[allowed.addr().to_string()]).await;
    let c = inst.client(&config(&allowed.url())).await.unwrap();
    inst.client_issue_event(c, &one_of_each()[0]).await.unwrap();
    let c = inst.client(&config(&other.url())).await.unwrap();
    match inst.client_issue_event(c, &one_of_each()[0]).await {
        Err(Error::Component(WitError::Transport(t))) => assert_eq!(t.code, "http-request-denied"),
        other => panic!("{other:?}"),
    }
    assert_eq!(other.requests(), 0, "nothing left the host");
    // A denial is permanent: retrying cannot help, so the default policy does not.
    let c = inst
        .client(&metrics_host::ClientConfig::new(other.url()))
        .await
        .unwrap();
    assert!(inst.client_issue_event(c, &one_of_each()[0]).await.is_err());
    assert_eq!(inst.stats(c).await.unwrap().requests, 1);
}

#[tokio::test]
async fn a_denied_batch_is_spooled_and_delivered_once_the_host_allows_it() {
    // A denial is no answer about the bytes: with a spool they are kept, and
    // an instance whose host allows the receiver delivers them.
    let allowed = Receiver::start().await.unwrap();
    let other = Receiver::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = |allow: &[String]| HostOptions {
        allow: Some(AllowList::new(allow)),
        dirs: vec![metrics_host::Preopen {
            host: dir.path().to_path_buf(),
            guest: "/data".into(),
        }],
        ..HostOptions::default()
    };
    let cfg = metrics_host::ClientConfig {
        spool: Some(metrics_host::SpoolConfig {
            dir: "/data/spool".into(),
            max_bytes: None,
            max_age_ms: None,
        }),
        ..config(&other.url())
    };
    let mut inst = instance_with(options(&[allowed.addr().to_string()])).await;
    let c = inst.client(&cfg).await.unwrap();
    match inst.client_issue_event(c, &one_of_each()[0]).await {
        Err(Error::Component(WitError::Spooled(s))) => {
            assert_eq!(s.events, 1);
            assert!(s.cause.contains("http-request-denied"), "{}", s.cause);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(other.requests(), 0);
    // Still denied: a flush keeps them spooled rather than dropping them.
    match inst.flush(c).await {
        Err(Error::Component(WitError::Spooled(s))) => assert_eq!(s.events, 0),
        other => panic!("{other:?}"),
    }
    let stats = inst.stats(c).await.unwrap();
    assert_eq!((stats.spool_events, stats.dropped.rejected), (1, 0));
    let mut inst = instance_with(options(&[other.addr().to_string()])).await;
    let c = inst.client(&cfg).await.unwrap();
    inst.flush(c).await.unwrap();
    assert_eq!(other.streams().len(), 1, "the spooled event arrived");
    assert_eq!(inst.stats(c).await.unwrap().replayed_events, 1);
}

#[tokio::test]
async fn a_redirect_cannot_leave_the_allow_list() {
    let allowed = Receiver::start().await.unwrap();
    let other = Receiver::start().await.unwrap();
    allowed.script([Reply::status(307, "").with_header("Location", &other.url())]);
    let mut inst = allowing(&[allowed.addr().to_string()]).await;
    let c = inst.client(&config(&allowed.url())).await.unwrap();
    match inst.client_issue_event(c, &one_of_each()[0]).await {
        Err(Error::Component(WitError::Rejected(r))) => assert_eq!(r.status, 307),
        other => panic!("{other:?}"),
    }
    assert_eq!(other.requests(), 0);
}

#[tokio::test]
async fn an_allow_list_entry_without_a_port_allows_every_port() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = allowing(&["127.0.0.1".to_string()]).await;
    let c = inst.client(&config(&rx.url())).await.unwrap();
    inst.client_issue_event(c, &one_of_each()[0]).await.unwrap();
    let mut inst = allowing(&["localhost".to_string()]).await;
    let c = inst.client(&config(&rx.url())).await.unwrap();
    assert!(
        inst.client_issue_event(c, &one_of_each()[0]).await.is_err(),
        "127.0.0.1 is not localhost"
    );
}

/// The component's imports, as the README's "What the component imports"
/// table lists them (`wasi:cli/environment`, `exit`, `terminal-*`, ...). A
/// new import fails this test until the README says why, and so does a row
/// for an import the component no longer has.
#[test]
fn the_component_imports_what_the_readme_documents() {
    let engine = host().engine();
    let mut imports: Vec<String> = host()
        .component()
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.split('@').next().unwrap().to_string())
        .collect();
    imports.sort();
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let documented = documented_imports(&readme);
    assert!(documented.len() >= 8, "the README's table: {documented:?}");
    for import in &imports {
        assert!(
            documented.iter().any(|d| covers(d, import)),
            "{import} is imported but not in the README's table"
        );
    }
    for d in &documented {
        assert!(
            imports.iter().any(|i| covers(d, i)),
            "the README lists {d}, which the component does not import"
        );
    }
}

/// The first cell of each `| \`wasi:...` row, with short names completed
/// from the last full one (`wasi:cli/environment`, `exit` ⇒ `wasi:cli/exit`).
fn documented_imports(readme: &str) -> Vec<String> {
    let mut names = Vec::new();
    for row in readme.lines().filter(|l| l.starts_with("| `wasi:")) {
        let cell = row.split('|').nth(1).unwrap();
        let mut package = "";
        for name in cell.split('`').skip(1).step_by(2) {
            match name.split_once('/') {
                Some((p, _)) => {
                    package = p;
                    names.push(name.to_string());
                }
                None => names.push(format!("{package}/{name}")),
            }
        }
    }
    names
}

/// `pattern` names `import`, or ends in `*` and starts it.
fn covers(pattern: &str, import: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => import.starts_with(prefix),
        None => pattern == import,
    }
}
