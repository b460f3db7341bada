//! Signal dispositions the CLI needs.

/// A write past the file size limit (`ulimit -f`) raises SIGXFSZ, whose
/// default action kills the process with no message (exit 153 in a shell).
/// Ignored, the write fails with `EFBIG` instead: the component reports a
/// storage failure, undoes the partial line, and the CLI exits 3.
pub fn ignore_file_size_limit() {
    #[cfg(unix)]
    // SAFETY: SIG_IGN installs no handler, so no code runs in signal
    // context; this runs first in `main`, before any thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
