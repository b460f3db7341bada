//! A file size limit (`ulimit -f`) with SIGXFSZ at its default action, as a
//! shell leaves it: a host built with the defaults still instantiates (its
//! memory image would be a memfd past the limit), pushes events, and a log
//! file write past the limit is a `storage` error, not a killed process.
//! The work runs in a child process (this binary again, one ignored test),
//! which the limit and the signal cannot outlive.

use crate::common::*;
use runner_metrics_host::{Event, MetricsHost, RunnerInstalled, WitError};
use runner_metrics_testkit::Receiver;
use std::os::unix::process::CommandExt;

const LIMIT: u64 = 64 * 1024;

#[test]
fn a_write_past_the_file_size_limit_is_an_error_not_a_kill() {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child.args(["--ignored", "--exact", "file_size::under_the_limit"]);
    // SAFETY: setrlimit and signal are async-signal-safe, and the closure
    // allocates nothing.
    unsafe {
        child.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: LIMIT,
                rlim_max: libc::RLIM_INFINITY,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
            Ok(())
        });
    }
    let out = child.output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}\n{said}", out.status);
    assert!(said.contains("1 passed"), "{said}");
}

#[tokio::test]
#[ignore = "run by a_write_past_the_file_size_limit_is_an_error_not_a_kill, under the limit"]
async fn under_the_limit() {
    let loki = Receiver::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let host = MetricsHost::builder()
        .dir(dir.path(), "/logs")
        .build()
        .unwrap();
    let mut inst = host.instantiate().await.unwrap();
    let c = client(&mut inst, &loki.url()).await;
    issue(&mut inst, &c).await.unwrap();
    assert_eq!(loki.push_count(), 1);
    let file = inst.log_file("/logs/m.log").await.unwrap();
    let long = Event::RunnerInstalled(RunnerInstalled {
        timestamp: 1.5,
        flavor: "x".repeat(2 * LIMIT as usize),
        duration: 2.0,
    });
    match component_error(inst.write(&file, &[long]).await) {
        WitError::Storage(s) => assert!(s.detail.starts_with("I/O error"), "{s:?}"),
        other => panic!("{other:?}"),
    }
}
