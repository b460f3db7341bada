//! Precompiled components on disk: `Component::serialize` once, then
//! `Component::deserialize_file` (sub-millisecond) on every later start.
//!
//! Files are named by a SHA-256 of the component bytes and the engine's
//! compatibility hash, so a new build or another wasmtime never loads a stale
//! artefact. Deserializing runs native code from the file, so the directory
//! and the file must be the user's own and writable by no one else: the
//! directory is created 0700, and only files this code wrote under their
//! final name are loaded. A file starts with a magic line and the SHA-256 of
//! the compiled bytes that follow, so a damaged file (a torn write, a bad
//! disk) is compiled over instead of run: wasmtime checks only its header,
//! and damaged code would crash the process (SIGILL).

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where a component came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Compiled now (and stored, when a cache directory was given).
    Compiled,
    /// Loaded precompiled from the cache.
    Cached,
}

/// Compile `wasm`, or load it precompiled from `dir`.
pub fn load(
    engine: &Engine,
    wasm: &[u8],
    dir: Option<&Path>,
) -> wasmtime::Result<(Component, Source)> {
    let Some(dir) = dir else {
        return Ok((Component::new(engine, wasm)?, Source::Compiled));
    };
    let path = artefact_path(engine, wasm, dir);
    if path.exists()
        && private(dir)
        && private(&path)
        && let Some(compiled) = read(&path)
    {
        // SAFETY: the bytes are those `store` below wrote (their checksum
        // matches), from `Component::serialize` for this exact component
        // and engine configuration (both are in the file's name), and
        // neither the file nor its directory can be written by another user
        // (checked just above).
        if let Ok(component) = unsafe { Component::deserialize(engine, &compiled) } {
            return Ok((component, Source::Cached));
        }
    }
    let component = Component::new(engine, wasm)?;
    // A cache that cannot be written only costs speed.
    let _ = store(&component, dir, &path);
    Ok((component, Source::Compiled))
}

fn artefact_path(engine: &Engine, wasm: &[u8], dir: &Path) -> PathBuf {
    let mut compat = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut compat);
    let mut digest = Sha256::new();
    digest.update(wasm);
    digest.update(compat.finish().to_le_bytes());
    digest.update(env!("CARGO_PKG_VERSION").as_bytes());
    let hex: String = digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    dir.join(format!("runner-metrics-{}.cwasm", &hex[..32]))
}

/// What a cache file starts with, before the checksum.
const MAGIC: &[u8] = b"runner-metrics compiled component v1\n";

/// The compiled bytes of the file at `path`, if its checksum matches.
fn read(path: &Path) -> Option<Vec<u8>> {
    let mut data = std::fs::read(path).ok()?;
    let rest = data.strip_prefix(MAGIC)?;
    let (digest, compiled) = rest.split_at_checked(32)?;
    if Sha256::digest(compiled).as_slice() != digest {
        return None;
    }
    data.drain(..MAGIC.len() + 32);
    Some(data)
}

fn store(component: &Component, dir: &Path, path: &Path) -> std::io::Result<()> {
    create_private_dir(dir)?;
    let compiled = component.serialize().map_err(std::io::Error::other)?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + 32 + compiled.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&Sha256::digest(&compiled));
    bytes.extend_from_slice(&compiled);
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let written = write_private(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        // A full disk or a file size limit: leave no partial file behind.
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Write `bytes` to a new file only this user may read or write: `private`
/// accepts nothing else, and a umask of 002 (many desktops' default) would
/// otherwise make every artefact group-writable, and so never loaded.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// Whether only this user can have written `path`: loading native code
/// from a file someone else could replace would run their code. It must be
/// owned by this process's user, not a symbolic link, and writable by no
/// group or other. A directory made by `create_private_dir` is; one given by
/// the user may not be, and then the cache is not read (the component is
/// compiled instead).
fn private(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: `geteuid` has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        std::fs::symlink_metadata(path)
            .is_ok_and(|m| !m.file_type().is_symlink() && m.uid() == me && m.mode() & 0o022 == 0)
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).is_ok()
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// `$RUNNER_METRICS_CACHE_DIR`, else `$XDG_CACHE_HOME/runner-metrics`, else
/// `$HOME/.cache/runner-metrics`. A relative value is ignored (as the XDG
/// base directory specification says of its variables: a runner hook runs
/// in the job's workspace, which a relative cache would fill), and `$HOME`
/// is used only when it is a directory (a system user's `/nonexistent` is
/// not created). `None`: no location, so compile every time.
pub fn default_dir() -> Option<PathBuf> {
    dir_from(|name| std::env::var_os(name), Path::is_dir)
}

/// [`default_dir`] with `var` reading the environment and `is_dir` telling
/// a directory.
fn dir_from(
    var: impl Fn(&str) -> Option<std::ffi::OsString>,
    is_dir: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    let absolute = |name: &str| var(name).map(PathBuf::from).filter(|p| p.is_absolute());
    absolute("RUNNER_METRICS_CACHE_DIR")
        .or_else(|| absolute("XDG_CACHE_HOME").map(|d| d.join("runner-metrics")))
        .or_else(|| {
            absolute("HOME")
                .filter(|home| is_dir(home))
                .map(|home| home.join(".cache/runner-metrics"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn dir_of(env: &[(&str, &str)], dirs: &[&str]) -> Option<PathBuf> {
        let var = |name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        };
        dir_from(var, |path| dirs.iter().any(|d| Path::new(d) == path))
    }

    #[test]
    fn relative_or_missing_locations_are_ignored() {
        let home = ("HOME", "/home/u");
        let at = |p: &str| Some(PathBuf::from(p));
        let all = [
            ("RUNNER_METRICS_CACHE_DIR", "/c"),
            ("XDG_CACHE_HOME", "/x"),
            home,
        ];
        assert_eq!(dir_of(&all, &["/home/u"]), at("/c"));
        assert_eq!(dir_of(&all[1..], &["/home/u"]), at("/x/runner-metrics"));
        let relative = [
            ("RUNNER_METRICS_CACHE_DIR", "c"),
            ("XDG_CACHE_HOME", ""),
            home,
        ];
        assert_eq!(
            dir_of(&relative, &["/home/u"]),
            at("/home/u/.cache/runner-metrics")
        );
        assert_eq!(dir_of(&[("XDG_CACHE_HOME", "x"), home], &[]), None);
        assert_eq!(dir_of(&[("HOME", "home")], &["home"]), None);
        assert_eq!(dir_of(&[], &[]), None);
    }
}
