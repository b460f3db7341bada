//! The directories the component is given: the spool, or the directory of
//! the `--file`. The component sees each at its absolute host path, so the
//! paths in its messages are the real ones.

use crate::exit::Failure;
use runner_metrics_host::Preopen;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// A directory to preopen, and the path the component uses inside it.
pub struct Place {
    pub dir: Preopen,
    /// The spool directory itself, or the file in `dir`.
    pub path: String,
    /// The directories made for it, innermost first.
    pub made: Vec<PathBuf>,
}

impl Place {
    /// Remove the directories made for it, if still empty: a command
    /// refused for its settings leaves nothing behind.
    pub fn unmake(&self) {
        for dir in &self.made {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// The spool directory, created if missing (the component would create it,
/// but only inside a directory it was given, and the CLI must give it the
/// spool itself).
pub fn spool(arg: &Path) -> Result<Place, Failure> {
    let at = |what: &str| format!("--spool {}: {what}", arg.display());
    let abs = absolute(arg, "--spool")?;
    let mut made = Vec::new();
    match std::fs::metadata(&abs) {
        Ok(m) if m.is_dir() => {}
        Ok(m) if m.is_file() => return Err(Failure::storage(at("is a file, not a directory"))),
        Ok(_) => return Err(Failure::storage(at("is not a directory"))),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            made = abs
                .ancestors()
                .take_while(|d| std::fs::symlink_metadata(d).is_err())
                .map(Path::to_path_buf)
                .collect();
            // Private: spooled batches hold the events' lines.
            let mut dir = std::fs::DirBuilder::new();
            dir.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
            dir.create(&abs)
                .map_err(|e| Failure::storage(at(&format!("cannot create it: {e}"))))?;
        }
        Err(e) => return Err(Failure::storage(at(&e.to_string()))),
    }
    let guest = utf8(&abs, "--spool")?;
    Ok(Place {
        dir: Preopen {
            host: abs,
            guest: guest.clone(),
        },
        path: guest,
        made,
    })
}

/// The `--file` and its directory, which must exist: the CLI creates no
/// directory for a log that something else (Promtail) is set up to read.
pub fn log_file(arg: &Path) -> Result<Place, Failure> {
    let abs = absolute(arg, "--file")?;
    let abs = match std::fs::symlink_metadata(&abs) {
        Ok(m) if m.file_type().is_symlink() => link_target(&abs, arg)?,
        _ => abs,
    };
    let (Some(dir), Some(name)) = (abs.parent(), abs.file_name()) else {
        return Err(Failure::invalid(format!(
            "--file {}: not a file name",
            arg.display()
        )));
    };
    let problem = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => None,
        Ok(_) => Some("is not a directory".to_string()),
        Err(e) if e.kind() == ErrorKind::NotFound => Some("does not exist".to_string()),
        Err(e) => Some(e.to_string()),
    };
    if let Some(problem) = problem {
        return Err(Failure::storage(format!(
            "--file {}: its directory {} {problem}",
            arg.display(),
            dir.display()
        )));
    }
    let guest = utf8(dir, "--file")?;
    let path = Path::new(&guest).join(name);
    Ok(Place {
        dir: Preopen {
            host: dir.to_path_buf(),
            guest: guest.clone(),
        },
        path: utf8(&path, "--file")?,
        made: Vec::new(),
    })
}

/// The file the symbolic link `link` (the `--file` `arg`) leads to. The
/// component is given the directory of the path it writes, and WASI
/// follows no link inside it to an absolute path or out of it: the link is
/// resolved here, and the component given the target's directory. A link
/// to a file not yet made leads to where it would be made.
fn link_target(link: &Path, arg: &Path) -> Result<PathBuf, Failure> {
    let at = |what: &dyn std::fmt::Display| {
        Failure::storage(format!("--file {}: {what}", arg.display()))
    };
    if planted(link) {
        return Err(at(
            &"a symbolic link in a shared sticky directory, owned by another user: not followed",
        ));
    }
    match std::fs::canonicalize(link) {
        Ok(target) => return Ok(target),
        Err(e) if e.kind() != ErrorKind::NotFound => return Err(at(&e)),
        Err(_) => {}
    }
    // Dangling: follow the links by hand, as far as they go (the kernel's
    // limit on a chain, 40).
    let mut path = link.to_path_buf();
    for _ in 0..40 {
        let Ok(target) = std::fs::read_link(&path) else {
            // `path` is no link: its directory, if it exists, without the
            // links and `..` of the way there.
            let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
                return Ok(path);
            };
            return Ok(match std::fs::canonicalize(dir) {
                Ok(dir) => dir.join(name),
                Err(_) => path,
            });
        };
        // Relative to the link's directory; an absolute target replaces it.
        path = path.parent().unwrap_or(Path::new("/")).join(target);
    }
    Err(at(&"too many levels of symbolic links"))
}

/// Whether the link is one the kernel would not follow for this user
/// (`fs.protected_symlinks`): in a sticky, world-writable directory
/// (`/tmp`), owned neither by this user nor by the directory's owner, so
/// possibly planted there to make the runner append to a file of its own.
/// Resolved here rather than by the kernel, the rule is applied here.
fn planted(link: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(meta), Some(dir)) = (std::fs::symlink_metadata(link), link.parent()) else {
        return false;
    };
    let Ok(dir) = std::fs::metadata(dir) else {
        return false;
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let shared = dir.mode() & 0o1002 == 0o1002;
    shared && meta.uid() != me && meta.uid() != dir.uid()
}

fn absolute(path: &Path, flag: &str) -> Result<PathBuf, Failure> {
    std::path::absolute(path)
        .map_err(|e| Failure::invalid(format!("{flag} {}: {e}", path.display())))
}

/// The component takes paths as strings.
fn utf8(path: &Path, flag: &str) -> Result<String, Failure> {
    path.to_str()
        .map(String::from)
        .ok_or_else(|| Failure::invalid(format!("{flag} {}: not valid UTF-8", path.display())))
}
