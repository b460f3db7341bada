//! The limits the host puts on the component: an allow-list of authorities
//! (`HTTP-request-denied`, never retried, kept by a spool until a host that
//! allows the receiver replays it; a redirect cannot leave it; an entry
//! without a port allows every port), no filesystem unless a directory is
//! preopened (then only below it; one that is no directory is named when
//! the host is built), and the component's imports, checked
//! against the list the documentation gives.

use crate::common::*;
use runner_metrics_host::{Instance, MetricsHost, WitError};
use runner_metrics_testkit::{Receiver, Reply};

async fn allowing(authorities: &[String]) -> Instance {
    let authorities = authorities.to_vec();
    instance_with(move |b| b.allow(authorities)).await
}

#[tokio::test]
async fn a_host_outside_the_allow_list_is_denied() {
    let allowed = Receiver::start().await.unwrap();
    let other = Receiver::start().await.unwrap();
    let mut inst = allowing(&[allowed.addr().to_string()]).await;
    let c = client(&mut inst, &allowed.url()).await;
    issue(&mut inst, &c).await.unwrap();
    let c = client(&mut inst, &other.url()).await;
    match component_error(issue(&mut inst, &c).await) {
        WitError::Transport(t) => assert_eq!(t.code, "HTTP-request-denied"),
        other => panic!("{other:?}"),
    }
    assert_eq!(other.requests(), 0, "nothing left the host");
    // A denial is permanent: retrying cannot help, so the default policy
    // (10 attempts) does not.
    let o = inst.options().await.unwrap();
    inst.set_endpoint(&o, &other.url()).await.unwrap();
    let c = inst.client(&o).await.unwrap();
    assert!(issue(&mut inst, &c).await.is_err());
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!((stats.requests, stats.retries), (1, 0));
    assert_eq!(
        stats.last_error.as_deref(),
        Some("transport failure: HTTP-request-denied")
    );
}

#[tokio::test]
async fn a_denied_batch_is_spooled_and_delivered_once_the_host_allows_it() {
    // A denial is no answer about the bytes: with a spool they are kept, and
    // an instance whose host allows the receiver delivers them.
    let allowed = Receiver::start().await.unwrap();
    let other = Receiver::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let with = |allow: String| {
        let dir = dir.path().to_path_buf();
        move |b: runner_metrics_host::HostBuilder| b.allow([allow]).dir(dir, "/data")
    };
    let spooling = async |i: &mut Instance, o: &runner_metrics_host::Options| {
        i.set_spool(o, "/data/spool").await
    };
    let mut inst = instance_with(with(allowed.addr().to_string())).await;
    let c = client_with(&mut inst, &other.url(), spooling).await;
    match component_error(issue(&mut inst, &c).await) {
        WitError::Spooled(s) => {
            assert_eq!(s.events, 1);
            assert!(s.cause.contains("HTTP-request-denied"), "{}", s.cause);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(other.requests(), 0);
    // Still denied: a flush keeps them spooled rather than dropping them.
    match component_error(inst.flush(&c).await) {
        WitError::Spooled(s) => assert_eq!(s.events, 0),
        other => panic!("{other:?}"),
    }
    let stats = inst.stats(&c).await.unwrap();
    assert_eq!((stats.spool_batches, stats.dropped.rejected), (1, 0));
    let mut inst = instance_with(with(other.addr().to_string())).await;
    let c = client_with(&mut inst, &other.url(), spooling).await;
    inst.flush(&c).await.unwrap();
    assert_eq!(other.streams().len(), 1, "the spooled event arrived");
    assert_eq!(inst.stats(&c).await.unwrap().replayed_events, 1);
}

#[tokio::test]
async fn a_redirect_cannot_leave_the_allow_list() {
    let allowed = Receiver::start().await.unwrap();
    let other = Receiver::start().await.unwrap();
    allowed.script([Reply::status(307, "").with_header("Location", &other.url())]);
    let mut inst = allowing(&[allowed.addr().to_string()]).await;
    let c = client(&mut inst, &allowed.url()).await;
    match component_error(issue(&mut inst, &c).await) {
        WitError::Rejected(r) => assert_eq!(r.status, 307),
        other => panic!("{other:?}"),
    }
    assert_eq!(other.requests(), 0);
}

#[tokio::test]
async fn an_allow_list_entry_without_a_port_allows_every_port() {
    let rx = Receiver::start().await.unwrap();
    let mut inst = allowing(&["127.0.0.1".to_string()]).await;
    let c = client(&mut inst, &rx.url()).await;
    issue(&mut inst, &c).await.unwrap();
    // Case does not matter; the name must be the URL's, not what it resolves to.
    let mut inst = allowing(&["LOCALHOST".to_string()]).await;
    let url = rx.url().replace("127.0.0.1", "localhost");
    let c = client(&mut inst, &url).await;
    issue(&mut inst, &c).await.unwrap();
    let c = client(&mut inst, &rx.url()).await;
    assert!(
        issue(&mut inst, &c).await.is_err(),
        "127.0.0.1 is not localhost"
    );
    // An entry with a port allows only that port.
    let mut inst = allowing(&["127.0.0.1:1".to_string()]).await;
    let c = client(&mut inst, &rx.url()).await;
    assert!(issue(&mut inst, &c).await.is_err());
    assert_eq!(rx.requests(), 2);
}

#[test]
fn a_directory_to_preopen_that_is_none_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let file = dir.path().join("file");
    std::fs::write(&file, b"").unwrap();
    for (path, why) in [(&missing, "No such file"), (&file, "not a directory")] {
        let path_ = path.clone();
        let e = host().with(move |b| b.dir(path_, "/data")).err().unwrap();
        let text = format!("{e:#}");
        assert!(
            text.starts_with(&format!("dir {}: ", path.display())),
            "{text}"
        );
        assert!(text.contains(why), "{text}");
    }
    let e = MetricsHost::builder()
        .dir(&missing, "/d")
        .build()
        .err()
        .unwrap();
    assert!(
        format!("{e}").starts_with(&format!("dir {}: ", missing.display())),
        "{e}"
    );
}

/// A symbolic link out of the preopened directory is not followed, and
/// the error says so rather than "permission denied"; a path with a
/// control character is refused as a setting.
#[tokio::test]
async fn a_link_out_of_the_directory_is_named_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let (inside, outside) = (dir.path().join("in"), dir.path().join("out"));
    std::fs::create_dir(&inside).unwrap();
    std::fs::create_dir(&outside).unwrap();
    let target = outside.join("real.log");
    std::os::unix::fs::symlink(&target, inside.join("link.log")).unwrap();
    std::os::unix::fs::symlink("../out/real.log", inside.join("relative.log")).unwrap();
    let guest = inside.to_str().unwrap().to_string();
    let at = guest.clone();
    let mut inst = instance_with(move |b| b.dir(&at, &at)).await;
    for (link, said) in [
        (
            "relative.log",
            "a symbolic link to ../out/real.log, in no directory the host gave the component",
        ),
        (
            "link.log",
            "a symbolic link to an absolute path, which WASI does not follow",
        ),
    ] {
        match component_error(inst.log_file(&format!("{guest}/{link}")).await) {
            WitError::Storage(s) => assert_eq!(s.detail, said),
            other => panic!("{other:?}"),
        }
    }
    assert!(!target.exists());
    match component_error(inst.log_file(&format!("{guest}/a\0b.log")).await) {
        WitError::InvalidConfig(i) => {
            assert_eq!(
                (i.field.as_str(), i.reason.as_str()),
                ("path", "contains control characters")
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_component_sees_only_preopened_directories() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    // No filesystem at all by default.
    let mut inst = host().instantiate().await.unwrap();
    const OUTSIDE: &str = "in no directory the host gave the component";
    for path in ["/tmp/x.log", "x.log", "/x.log"] {
        match component_error(inst.log_file(path).await) {
            WitError::Storage(s) => assert_eq!(s.detail, OUTSIDE, "{path}"),
            other => panic!("{path}: {other:?}"),
        }
    }
    // A preopened directory, and nothing above it.
    let sub_path = sub.clone();
    let mut inst = instance_with(move |b| b.dir(sub_path, "/data")).await;
    let file = inst.log_file("/data/x.log").await.unwrap();
    inst.write(&file, &[event()]).await.unwrap();
    assert!(sub.join("x.log").exists());
    for path in ["/data/../escape.log", "/escape.log"] {
        let err = component_error(inst.log_file(path).await);
        assert!(matches!(err, WitError::Storage(_)), "{path}: {err:?}");
    }
    // Said as what it is, not as a missing file; one below the directory
    // that is missing is.
    match component_error(inst.log_file("/escape.log").await) {
        WitError::Storage(s) => assert_eq!(s.detail, OUTSIDE),
        other => panic!("{other:?}"),
    }
    match component_error(inst.log_file("/data/no/x.log").await) {
        WitError::Storage(s) => assert_eq!(s.detail, "no such file or directory"),
        other => panic!("{other:?}"),
    }
    assert!(!dir.path().join("escape.log").exists(), "nothing escaped");
}

/// The component's imports, as the table of the repository's
/// documentation lists them ("What the component imports, and why": a row
/// `| \`wasi:cli/environment\`, \`exit\`, \`terminal-*\` | why |`, in
/// README.md or a page under docs/). A new import fails this test until
/// the table says why, and so does a row for an import the component no
/// longer has.
#[test]
fn the_component_imports_what_the_docs_document() {
    let engine = host().engine();
    let mut imports: Vec<String> = host()
        .component()
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.split('@').next().unwrap().to_string())
        .collect();
    imports.sort();
    let documented = documented_imports(&docs());
    assert!(
        documented.len() >= 8,
        "the documentation's table of imports: {documented:?}; the component imports \
         {imports:?}"
    );
    for import in &imports {
        assert!(
            documented.iter().any(|d| covers(d, import)),
            "{import} is imported but not in the documentation's table"
        );
    }
    for d in &documented {
        assert!(
            imports.iter().any(|i| covers(d, i)),
            "the documentation lists {d}, which the component does not import"
        );
    }
}

/// README.md and every page under docs/, one after the other.
fn docs() -> String {
    let root = repo_root();
    let mut pages = vec![root.join("README.md")];
    let mut dirs = vec![root.join("docs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    pages
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect::<Vec<_>>()
        .join("\n")
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

/// A host holds `max_instances` instances at once; one more is refused with
/// wasmtime's error (no crash, nothing else disturbed) until one is dropped.
#[tokio::test]
async fn a_host_holds_max_instances_at_once_and_refuses_one_more() {
    let small = host().with(|b| b.max_instances(3)).unwrap();
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(small.instantiate().await.unwrap());
    }
    let refused = small
        .instantiate()
        .await
        .err()
        .expect("a fourth is refused");
    assert!(
        format!("{refused:#}").contains("maximum concurrent limit"),
        "{refused:#}"
    );
    held.pop();
    let mut inst = small.instantiate().await.unwrap();
    // The same limit again shares the pool, now full.
    let same = small.with(|b| b.max_instances(3)).unwrap();
    assert!(same.instantiate().await.is_err(), "the pool is shared");
    // 0 is taken as 1.
    let one = host().with(|b| b.max_instances(0)).unwrap();
    let _only = one.instantiate().await.unwrap();
    assert!(one.instantiate().await.is_err(), "a second is refused");
    let rx = Receiver::start().await.unwrap();
    let c = client(&mut inst, &rx.url()).await;
    issue(&mut inst, &c).await.unwrap();
    assert_eq!(rx.requests(), 1);
}

/// The default host holds 1,000 instances at once (wasmtime's own pool
/// limits would stop at 333 of this component).
#[tokio::test]
async fn the_default_host_holds_a_thousand_instances() {
    let fresh = runner_metrics_host::MetricsHost::builder()
        .cache_dir(cache_dir())
        .build()
        .unwrap();
    let mut held = Vec::new();
    for i in 0..runner_metrics_host::DEFAULT_MAX_INSTANCES {
        match fresh.instantiate().await {
            Ok(inst) => held.push(inst),
            Err(e) => panic!("instance {} refused: {e:#}", i + 1),
        }
    }
    assert!(fresh.instantiate().await.is_err(), "the 1,001st is refused");
}

/// Both ways of running the component's file operations (on the instance's
/// thread, the default, or on tokio's blocking pool) write the same log file,
/// and an engine that copies the memory image runs the component as well.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_operations_and_memory_images_work_either_way() {
    let dir = tempfile::tempdir().unwrap();
    for pool in [false, true] {
        let mut inst = instance_with(|b| {
            b.dir(dir.path(), "/logs")
                .filesystem_on_blocking_pool(pool)
                .memory_init_cow(pool)
        })
        .await;
        let file = inst.log_file("/logs/metrics.log").await.unwrap();
        inst.write(&file, &[event()]).await.unwrap();
    }
    let text = std::fs::read_to_string(dir.path().join("metrics.log")).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    let copying = host().with(|b| b.memory_init_cow(false)).unwrap();
    let rx = Receiver::start().await.unwrap();
    let mut inst = copying.instantiate().await.unwrap();
    let c = client(&mut inst, &rx.url()).await;
    issue(&mut inst, &c).await.unwrap();
    assert_eq!(rx.requests(), 1);
}

/// An allow-list entry that could never match (a URL, say) denied every
/// request silently: the host is not built, and the error names it.
#[test]
fn an_allow_entry_that_never_matches_is_refused_when_built() {
    let err = runner_metrics_host::MetricsHost::builder()
        .allow(["127.0.0.1", "http://127.0.0.1:3100"])
        .build()
        .err()
        .expect("refused");
    let text = format!("{err:#}");
    assert!(text.contains("allow: \"http://127.0.0.1:3100\""), "{text}");
}
