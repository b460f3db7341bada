//! Whether the process started with stdout open. Rust's runtime, before
//! `main`, reopens a closed stdin, stdout or stderr on `/dev/null` (so that
//! a file opened later does not take its number), so by `main` a closed
//! stdout (`runner-metrics --version >&-`) reads as a working one that
//! swallows every write: the help or the version would be lost with exit 0.
//! The state is read before that, by a function the loader runs before any
//! Rust code (`.init_array`, on ELF systems).

use std::sync::atomic::{AtomicBool, Ordering};

/// Set before `main` when stdout was closed.
static CLOSED_AT_START: AtomicBool = AtomicBool::new(false);

#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
#[used]
#[unsafe(link_section = ".init_array")]
static READ_AT_START: extern "C" fn() = read_at_start;

#[cfg_attr(
    not(any(target_os = "linux", target_os = "android", target_os = "freebsd")),
    allow(dead_code)
)]
extern "C" fn read_at_start() {
    #[cfg(unix)]
    {
        // SAFETY: F_GETFD only reads the descriptor's flags; nothing here
        // needs Rust's runtime, which has not started.
        let closed = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) } == -1;
        CLOSED_AT_START.store(closed, Ordering::Relaxed);
    }
}

/// An error when stdout was closed when the process started, as a write to
/// it would have failed (`EBADF`).
pub fn open() -> std::io::Result<()> {
    if CLOSED_AT_START.load(Ordering::Relaxed) {
        #[cfg(unix)]
        return Err(std::io::Error::from_raw_os_error(libc::EBADF));
        #[cfg(not(unix))]
        return Err(std::io::Error::other("stdout is closed"));
    }
    Ok(())
}
