//! Files and directories: the file sink under a file size limit
//! (Reliability §2), missing directories, a spool that is a file, empty
//! paths, and a full disk told apart from a read-only directory and from
//! /proc (§16).

use crate::common::{INSTALLED, cli, closed_url, issue, lines, s};
use std::path::Path;
use std::process::Command;

const LINE: &str =
    r#"{"timestamp":1700000000.0,"event":"runner_installed","flavor":"small","duration":5.0}"#;

fn write_to(log: &Path) -> crate::common::Cli {
    cli(&["issue", "--file", s(log)]).args(INSTALLED)
}

#[tokio::test]
async fn a_file_size_limit_is_a_storage_failure_and_the_next_line_starts_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("metrics.log");
    // 1000 bytes: the next line crosses a 1024-byte limit part way.
    let first = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(1000 - 11));
    assert_eq!(first.len(), 1000);
    std::fs::write(&log, &first).unwrap();

    let limited = write_to(&log).file_size_limit(1024).run().await;
    // Killed by SIGXFSZ, the CLI would have no exit code and no message.
    limited.assert_code(3);
    assert!(
        limited
            .stderr
            .contains(&format!("storage failure: {}", log.display())),
        "{limited:?}"
    );
    assert!(limited.stderr.contains("file size limit"), "{limited:?}");
    // The part written stays: cutting the file back to where this process
    // found its end would also erase what other processes (other hooks)
    // appended meanwhile.
    let cut = std::fs::read_to_string(&log).unwrap();
    assert_eq!(cut.len(), 1024, "written up to the limit");
    assert_eq!(cut, format!("{first}{}", &LINE[..24]));

    // The next write starts on a new line: the line cut short is not glued
    // to it, and the new line is whole.
    write_to(&log).run().await.assert_ok();
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text, format!("{cut}\n{LINE}\n"));
    assert_eq!(text.lines().last(), Some(LINE));

    // A line that ends where it should gets no extra newline.
    write_to(&log).run().await.assert_ok();
    let again = std::fs::read_to_string(&log).unwrap();
    assert_eq!(again, format!("{text}{LINE}\n"));
}

/// Compiled in the process (no cache), the component's memory image would
/// be a memfd that a small file size limit refuses ("File too large" at
/// instantiation, exit 1): the CLI copies the image instead.
#[tokio::test]
async fn a_small_file_size_limit_does_not_stop_an_uncached_push() {
    let rx = runner_metrics_testkit::Receiver::start().await.unwrap();
    let out = cli(&["--no-cache", "issue", "--endpoint", &rx.url()])
        .args(INSTALLED)
        .file_size_limit(64 * 1024)
        .run()
        .await;
    out.assert_ok();
    assert_eq!(lines(&rx).len(), 1);
}

/// The same under a limit on address space (`ulimit -v`), where the host
/// cannot reserve its instance pool: its fallback engine kept none of the
/// other settings, so the memory image became a memfd again, and the small
/// file size limit stopped it ("File too large", exit 1).
#[tokio::test]
async fn without_room_for_the_instance_pool_the_settings_still_hold() {
    let rx = runner_metrics_testkit::Receiver::start().await.unwrap();
    let out = cli(&["--no-cache", "issue", "--endpoint", &rx.url()])
        .args(INSTALLED)
        .wrapped(&["sh", "-c", "ulimit -v 8000000 && exec \"$@\"", "sh"])
        .file_size_limit(64 * 1024)
        .run()
        .await;
    out.assert_ok();
    assert_eq!(lines(&rx).len(), 1);
}

#[tokio::test]
async fn the_file_directory_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("logs");
    let out = write_to(&missing.join("metrics.log")).run().await;
    out.assert_code(3);
    assert!(
        out.stderr.contains(&format!(
            "its directory {} does not exist",
            missing.display()
        )),
        "{out:?}"
    );
    assert!(!missing.exists(), "the CLI made no directory");
}

#[tokio::test]
async fn a_missing_spool_directory_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("var/spool/runner-metrics");
    let url = closed_url();
    let out = cli(&["issue", "--endpoint", &url, "--max-attempts", "1"])
        .args(["--spool", s(&spool)])
        .args(INSTALLED)
        .run()
        .await;
    out.assert_code(6);
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 1, "{out:?}");
}

#[tokio::test]
async fn a_command_refused_for_its_settings_or_its_event_leaves_no_spool_directory() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("var/spool");
    let url = closed_url();
    let refused_event = ["runner_installed", "flavor=small", "duration=-1"];
    for (bad, event) in [
        (
            &["--min-backoff-ms", "1000", "--max-backoff-ms", "10"][..],
            &INSTALLED[..],
        ),
        (
            &["--endpoint", "http://127.0.0.1:9/a\"b"][..],
            &INSTALLED[..],
        ),
        (&[][..], &refused_event[..]),
    ] {
        let out = cli(&["issue", "--endpoint", &url, "--spool", s(&spool)])
            .args(bad.iter().copied())
            .args(event.iter().copied())
            .run()
            .await;
        out.assert_code(2);
        assert!(!dir.path().join("var").exists(), "{bad:?}: {out:?}");
    }
}

#[tokio::test]
async fn an_empty_path_is_named_as_empty() {
    for (flag, shown) in [
        ("--spool", "--spool <DIR>"),
        ("--file", "--file <PATH>"),
        ("--component", "--component <PATH>"),
    ] {
        let out = cli(&["issue", flag, ""]).args(INSTALLED).run().await;
        out.assert_code(2);
        let said = format!("invalid value '' for '{shown}': is empty");
        assert!(out.stderr.contains(&said), "{out:?}");
    }
}

/// /proc has no blocks: its free count of 0 is no full disk.
#[tokio::test]
async fn a_file_system_without_blocks_is_not_called_full() {
    let out = write_to(Path::new("/proc/version")).run().await;
    out.assert_code(3);
    assert!(!out.stderr.contains("no space"), "{out:?}");
}

#[tokio::test]
async fn a_spool_that_is_a_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spool");
    std::fs::write(&file, "").unwrap();
    let url = closed_url();
    let out = cli(&["issue", "--endpoint", &url, "--spool", s(&file)])
        .args(INSTALLED)
        .run()
        .await;
    out.assert_code(3);
    assert!(
        out.stderr.contains(&format!(
            "--spool {}: is a file, not a directory",
            file.display()
        )),
        "{out:?}"
    );
}

/// How to run a command in a mount namespace of its own (as root, or in a
/// user namespace), where mounting a tmpfs is allowed; `None` where
/// neither works.
fn mount_namespace(dir: &Path) -> Option<&'static [&'static str]> {
    const WAYS: [&[&str]; 2] = [&["unshare", "-m"], &["unshare", "-r", "-m"]];
    WAYS.into_iter().find(|way| {
        Command::new(way[0])
            .args(&way[1..])
            .args(["sh", "-c", "mount -t tmpfs tmpfs \"$1\"", "sh", s(dir)])
            .status()
            .is_ok_and(|st| st.success())
    })
}

#[tokio::test]
async fn a_full_disk_and_a_read_only_directory_read_differently() {
    let dir = tempfile::tempdir().unwrap();
    let Some(unshare) = mount_namespace(dir.path()) else {
        eprintln!(
            "SKIPPED a_full_disk_and_a_read_only_directory_read_differently: \
             cannot mount a tmpfs (needs root, or `unshare -r` allowed)"
        );
        return;
    };
    let log = dir.path().join("metrics.log");
    // The CLI runs with a tmpfs mounted on `dir`, by the script.
    let in_tmpfs = |script: &str| {
        let mut wrapper = unshare.to_vec();
        wrapper.extend(["sh", "-c", script, "sh", s(dir.path())]);
        write_to(&log).wrapped(&wrapper)
    };
    let read_only = in_tmpfs("mount -t tmpfs -o ro tmpfs \"$1\" && shift && exec \"$@\"")
        .run()
        .await;
    let full = in_tmpfs(
        "mount -t tmpfs -o size=16k tmpfs \"$1\" \
         && { dd if=/dev/zero of=\"$1/fill\" bs=4k 2>/dev/null; shift; exec \"$@\"; }",
    )
    .run()
    .await;
    read_only.assert_code(3);
    full.assert_code(3);
    assert!(read_only.stderr.contains("read-only"), "{read_only:?}");
    assert!(full.stderr.contains("no space left on device"), "{full:?}");
    assert!(!read_only.stderr.contains("no space"), "{read_only:?}");
    assert!(!full.stderr.contains("read-only"), "{full:?}");
    // Said once, not after the component's list of possible causes.
    assert!(!read_only.stderr.contains("full disk"), "{read_only:?}");
    assert!(!full.stderr.contains("file size limit"), "{full:?}");
}

/// Loki down and the spool unwritable (a file size limit): the storage
/// failure says why the event needed the spool, where it was going and
/// how hard it was tried, not only that the disk refused it.
#[tokio::test]
async fn a_spool_that_cannot_be_written_says_why_the_event_needed_it() {
    let spool = tempfile::tempdir().unwrap();
    let refused = closed_url();
    let out = issue(&["--endpoint", &refused, "--max-attempts", "2"])
        .args(["--spool", s(spool.path())])
        .file_size_limit(0)
        .run()
        .await;
    out.assert_code(3);
    for part in [
        "storage failure: ",
        "file size limit",
        "(spooling 1 events after: transport failure: connection-refused)",
        &format!("(endpoint {refused}, 2 attempts in "),
    ] {
        assert!(out.stderr.contains(part), "{part:?} in {out:?}");
    }
}

/// A `--file` that is a symbolic link to an absolute path (a log moved to
/// a larger disk, say) writes where it leads: WASI follows no link to an
/// absolute path inside the directory the component is given, so the CLI
/// gives it the target's. A link to a file not yet made makes it there.
#[tokio::test]
async fn a_file_through_a_symbolic_link_is_written_where_it_leads() {
    let dir = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let same = dir.path().join("metrics.log");
    let away = other.path().join("moved.log");
    let cases = [
        (dir.path().join("same.log"), &same),
        (dir.path().join("away.log"), &away),
    ];
    for (link, target) in &cases {
        std::os::unix::fs::symlink(target, link).unwrap();
        for _ in 0..2 {
            write_to(link).run().await.assert_ok();
        }
        assert_eq!(
            std::fs::read_to_string(target).unwrap(),
            format!("{LINE}\n{LINE}\n")
        );
        assert!(std::fs::symlink_metadata(link).unwrap().is_symlink());
    }
    // A link into a directory that does not exist names --file.
    let nowhere = dir.path().join("nowhere.log");
    std::os::unix::fs::symlink(other.path().join("missing/x.log"), &nowhere).unwrap();
    let out = write_to(&nowhere).run().await;
    out.assert_code(3);
    assert!(
        out.stderr.contains(&format!(
            "--file {}: its directory {} does not exist",
            nowhere.display(),
            other.path().join("missing").display()
        )),
        "{out:?}"
    );
}

#[tokio::test]
async fn a_link_another_user_planted_in_a_shared_directory_is_not_followed() {
    use std::os::unix::fs::{PermissionsExt, lchown};
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = tempfile::tempdir().unwrap();
    let target = victim.path().join("profile");
    std::fs::write(&target, "mine\n").unwrap();
    let link = shared.path().join("metrics.log");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    // Owned by another user than this one and the directory's owner.
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let other = if me == 65534 { 65533 } else { 65534 };
    if lchown(&link, Some(other), None).is_err() {
        eprintln!("skipped: this user cannot give a link to another user");
        return;
    }
    let out = write_to(&link).run().await;
    out.assert_code(3);
    assert!(
        out.stderr.contains("owned by another user: not followed"),
        "{out:?}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine\n");
}

#[tokio::test]
async fn a_refused_event_leaves_no_log_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("metrics.log");
    let refused = |log: &Path| {
        cli(&["issue", "--file", s(log)]).args(["runner_installed", "flavor=small", "duration=-1"])
    };
    let out = refused(&log).run().await;
    out.assert_code(2);
    assert!(!log.exists(), "{out:?}");
    // One that was there stays, as it was.
    std::fs::write(&log, "").unwrap();
    refused(&log).run().await.assert_code(2);
    assert!(log.exists());
}
