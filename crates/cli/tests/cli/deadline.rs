//! A pre-job hook must not hold a job for long while Loki is down: by
//! default one `issue` takes at most 5 s, the original's, retries and spool
//! included (Reliability §14). The component's own default is 30 s, which
//! a connection refused over and over with backoff uses up.

use crate::common::{cli, closed_url, issue, s};
use runner_metrics_testkit::{Receiver, Reply};
use std::time::Duration;

/// The CLI's default total time, and room for starting the process and
/// loading the component on a busy machine.
const DEFAULT_DEADLINE: Duration = Duration::from_millis(5000);
const SLACK: Duration = Duration::from_millis(2500);

#[tokio::test]
async fn a_down_loki_holds_a_hook_at_most_the_default_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let refused = closed_url();
    let hanging = Receiver::start().await.unwrap();
    hanging.set_default(Reply::Hang);
    let (lost, spooled, hung) = tokio::join!(
        issue(&["--endpoint", &refused]).run(),
        issue(&["--endpoint", &refused, "--spool", s(&spool)]).run(),
        issue(&["--endpoint", &hanging.url()]).run(),
    );
    lost.assert_code(3);
    spooled.assert_code(6);
    hung.assert_code(4);
    for (out, url) in [
        (&lost, &refused),
        (&spooled, &refused),
        (&hung, &hanging.url()),
    ] {
        assert!(
            out.took < DEFAULT_DEADLINE + SLACK,
            "took {:?}: {out:?}",
            out.took
        );
        // The message names the endpoint and the attempts made.
        assert!(out.stderr.contains(&format!("endpoint {url}")), "{out:?}");
        let attempts: u32 = out
            .stderr
            .split(" attempt")
            .next()
            .and_then(|head| head.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("attempts in {out:?}"));
        assert!(attempts >= 1, "{out:?}");
    }
    assert!(lost.stderr.contains("connection-refused"), "{lost:?}");
    // Refused at once, so retried: more than one attempt in the 5 s.
    assert!(!lost.stderr.contains(" 1 attempt "), "{lost:?}");
    let spooled_files = std::fs::read_dir(&spool).unwrap().count();
    assert_eq!(spooled_files, 1, "the event is in the spool");
}

#[tokio::test]
async fn help_states_the_default_deadline() {
    let out = cli(&["issue", "--help"]).run().await;
    out.assert_ok();
    let deadline = out
        .stdout
        .split("--deadline-ms")
        .nth(1)
        .and_then(|rest| rest.split("[default: ").nth(1))
        .and_then(|rest| rest.split(']').next())
        .and_then(|ms| ms.parse::<u64>().ok());
    assert!(deadline.is_some_and(|ms| ms <= 5000), "{}", out.stdout);
}

/// A name lookup the resolver keeps retrying (a DNS server that never
/// answers) must not hold the hook past its deadline either: the CLI ends
/// when the call ends, not when the resolver gives up. Run in namespaces of
/// its own (a silent DNS server on its loopback, its own resolv.conf);
/// skipped, saying so, where they cannot be made.
#[tokio::test]
async fn a_silent_dns_server_holds_a_hook_at_most_the_default_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let resolv = dir.path().join("resolv.conf");
    // glibc's resolver: 5 s per try, two tries by default; three of 10 s here.
    std::fs::write(
        &resolv,
        "nameserver 127.0.0.1\noptions timeout:10 attempts:3\n",
    )
    .unwrap();
    let probe = std::process::Command::new("unshare")
        .args(["-rmn", "mount", "--bind", s(&resolv), "/etc/resolv.conf"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!(
            "SKIPPED a_silent_dns_server_holds_a_hook_at_most_the_default_deadline: no mount and network namespaces here"
        );
        return;
    }
    let silent_dns = "import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); \
                      s.bind(('127.0.0.1', 53)); time.sleep(120)";
    let script = format!(
        "mount --bind {} /etc/resolv.conf && ip link set lo up && \
         (python3 -c \"{silent_dns}\" >/dev/null 2>&1 </dev/null &) && sleep 0.3 && exec \"$@\"",
        s(&resolv)
    );
    let out = issue(&[
        "--endpoint",
        "http://loki.example.com:3100/loki/api/v1/push",
        "--spool",
        s(&dir.path().join("spool")),
    ])
    .wrapped(&["unshare", "-rmn", "sh", "-c", &script, "sh"])
    .run()
    .await;
    out.assert_code(6);
    assert!(
        out.took < DEFAULT_DEADLINE + SLACK,
        "took {:?}: {out:?}",
        out.took
    );
}
