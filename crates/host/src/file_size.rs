//! The process's file size limit (`ulimit -f`, `RLIMIT_FSIZE`), which a
//! spool or log file can reach: a write past it must fail as a `storage`
//! error, as it does in Python and Node, not kill the process.

/// Whether the process has a file size limit now.
pub fn limited() -> bool {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid `rlimit` for the call to fill.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit) } == 0;
    ok && limit.rlim_cur != libc::RLIM_INFINITY
}

/// Ignore SIGXFSZ, if its action is still the default (which kills the
/// process, exit 153, with no message): a write past the limit then fails
/// with `EFBIG`, which the component reports. A disposition the program
/// chose itself (a handler, or ignoring it already) is left alone. Python
/// and Node ignore SIGXFSZ from the start.
pub fn ignore_signal() {
    // SAFETY: `old` is valid for the call to fill; a null `act` changes
    // nothing.
    let default = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGXFSZ, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_DFL
    };
    if default {
        // SAFETY: SIG_IGN installs no handler, so no code runs in signal
        // context. Another thread setting a handler in between is
        // overridden; a program that cares sets its own before building.
        unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        }
    }
}
