//! What the component cannot say about a failed write, looked up by the
//! CLI on the host. Through wasmtime-wasi 48 a read-only file system
//! (`EROFS`, which it does not map) and a failed write to a file stream
//! (`ENOSPC`, `EFBIG`) both reach the component as a bare I/O error, so its
//! storage detail reads the same for a full disk, a read-only directory
//! and a file size limit. The CLI knows the path and can tell them apart.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The component's `detail` of a failed write to `path` (a file or a
/// directory) as the CLI shows it, when the CLI can say more: its bare I/O
/// error (which names every cause it might be, so it says none) replaced by
/// the cause found, what follows it (a spool's cause) kept; another detail
/// with the cause after it, unless it already says so.
pub fn storage_detail(path: &Path, detail: &str) -> Option<String> {
    // Only for a failed write: a missing directory or a permission needs no
    // guess (and /proc, say, always reads as full).
    let bare = detail.starts_with("I/O error");
    let write = ["file too large", "no space", "read-only", "disk quota"];
    if !bare && !write.iter().any(|w| detail.starts_with(w)) {
        return None;
    }
    let dir = if path.is_dir() { path } else { path.parent()? };
    let hint = if let Some(fs) = statvfs(dir) {
        if fs.f_flag & libc::ST_RDONLY != 0 {
            Some(("read-only", "the file system is read-only".to_string()))
        } else if fs.f_bavail == 0 && fs.f_blocks > 0 {
            // A file system with no blocks at all (/proc, /sys) is not full.
            Some(("no space", "no space left on device".to_string()))
        } else {
            None
        }
    } else {
        None
    };
    let (phrase, hint) = hint.or_else(|| {
        file_size_limit().map(|bytes| {
            let why = format!("the file size limit (ulimit -f) is {bytes} bytes");
            ("file too large", why)
        })
    })?;
    if bare {
        // The bare I/O error's own words end at its first `)`.
        let end = detail.find(')').map_or(detail.len(), |i| i + 1);
        Some(format!("{hint}{}", &detail[end..]))
    } else if detail.contains(phrase) {
        None
    } else {
        Some(format!("{detail}: {hint}"))
    }
}

fn statvfs(dir: &Path) -> Option<libc::statvfs> {
    let c = CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut fs = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c` is a NUL-terminated path and `fs` is valid for writes of
    // one `statvfs`, which the call fills when it returns 0.
    (unsafe { libc::statvfs(c.as_ptr(), fs.as_mut_ptr()) } == 0)
        // SAFETY: initialized by the successful call above.
        .then(|| unsafe { fs.assume_init() })
}

/// `RLIMIT_FSIZE`, when there is one.
fn file_size_limit() -> Option<libc::rlim_t> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid `rlimit` for the call to fill.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit) } == 0;
    (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}
