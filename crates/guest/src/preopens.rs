//! The directories the host gave the component. Through WASI a path in
//! none of them reads as missing, whatever the host's disk holds; a storage
//! error says so instead of "no such file or directory".

/// The detail of a storage error for a path in none of the directories the
/// host gave.
pub const OUTSIDE: &str = "in no directory the host gave the component";

/// Whether `path` is certainly in none of the preopened directories, as
/// wasi-libc resolves it (a relative path from `/`). `false` natively,
/// where there are none to ask about, and when a preopen's name is not an
/// absolute path (it could hold anything).
pub fn outside_all(path: &str) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        let dirs = wasi::filesystem::preopens::get_directories();
        !dirs.iter().any(|(_, dir)| holds(dir, path))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = path;
        false
    }
}

/// What `path` is, when it is a symbolic link WASI does not follow: to a
/// place in none of the preopened directories, or to an absolute path
/// (which WASI never follows, nor lets be read). WASI says only
/// "permission denied".
pub fn unfollowed_link(path: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        if !std::fs::symlink_metadata(path).ok()?.is_symlink() {
            return None;
        }
        let Ok(target) = std::fs::read_link(path) else {
            return Some("a symbolic link to an absolute path, which WASI does not follow".into());
        };
        let target = target.to_str()?;
        let from = match path.rsplit_once('/') {
            Some((dir, _)) => dir,
            None => "",
        };
        outside_all(&resolve(from, target))
            .then(|| format!("a symbolic link to {target}, {OUTSIDE}"))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = path;
        None
    }
}

/// `target` as seen from directory `from`, `.` and `..` taken lexically.
pub fn resolve(from: &str, target: &str) -> String {
    let joined = if target.starts_with('/') {
        target.to_string()
    } else {
        format!("{from}/{target}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether preopen `dir` may hold `path`: a prefix of it ending at a `/`.
pub fn holds(dir: &str, path: &str) -> bool {
    if !dir.starts_with('/') {
        return true;
    }
    let dir = dir.trim_end_matches('/');
    let path = if path.starts_with('/') {
        std::borrow::Cow::Borrowed(path)
    } else {
        std::borrow::Cow::Owned(format!("/{path}"))
    };
    match path.strip_prefix(dir) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::holds;

    #[test]
    fn a_link_target_is_resolved_from_its_directory() {
        use super::resolve;
        assert_eq!(resolve("/data", "x.log"), "/data/x.log");
        assert_eq!(resolve("/data", "../other/x.log"), "/other/x.log");
        assert_eq!(resolve("/data", "/tmp/./x.log"), "/tmp/x.log");
        assert_eq!(resolve("", "x.log"), "/x.log");
    }

    #[test]
    fn a_preopen_holds_the_paths_below_it_only() {
        assert!(holds("/data", "/data/x.log"));
        assert!(holds("/data/", "/data/x.log"));
        assert!(holds("/data", "/data"));
        assert!(holds("/", "/anything/at/all"));
        assert!(holds("/", "relative.log"));
        assert!(!holds("/data", "/database/x.log"));
        assert!(!holds("/data", "/tmp/x.log"));
        assert!(!holds("/data", "x.log"));
        // A preopen named relatively: it may hold anything.
        assert!(holds(".", "/tmp/x.log"));
    }
}
