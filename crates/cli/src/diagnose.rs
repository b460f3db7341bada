//! What the component cannot say about a failed write, looked up by the
//! CLI on the host. Through wasmtime-wasi 48 a read-only file system
//! (`EROFS`, which it does not map) and a failed write to a file stream
//! (`ENOSPC`, `EFBIG`) both reach the component as a bare I/O error, so its
//! storage detail reads the same for a full disk, a read-only directory
//! and a file size limit. The CLI knows the path and can tell them apart.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Why writing `path` (a file or a directory) may have failed, when the
/// component's `detail` does not already say so.
pub fn storage_hint(path: &Path, detail: &str) -> Option<String> {
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
        } else if fs.f_bavail == 0 {
            Some(("no space", "no space left on device".to_string()))
        } else {
            None
        }
    } else {
        None
    };
    let hint = hint.or_else(|| {
        file_size_limit().map(|bytes| {
            let why = format!("the file size limit (ulimit -f) is {bytes} bytes");
            ("file too large", why)
        })
    });
    // Not when the detail already says it; the component's bare I/O error
    // names every cause it might be, so it says none.
    hint.filter(|(phrase, _)| bare || !detail.contains(phrase))
        .map(|(_, hint)| hint)
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
