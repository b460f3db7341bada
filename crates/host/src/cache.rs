//! Precompiled components on disk: `Component::serialize` once, then
//! `Component::deserialize_file` (sub-millisecond) on every later start.
//!
//! Files are named by a SHA-256 of the component bytes and the engine's
//! compatibility hash, so a new build or another wasmtime never loads a stale
//! artefact. Deserializing runs native code from the file, so the directory
//! and the file must be the user's own and writable by no one else: the
//! directory is created 0700, and only files this code wrote under their
//! final name are loaded.

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
    if path.exists() && private(dir) && private(&path) {
        // SAFETY: the file was written by `store` below, from
        // `Component::serialize` for this exact component and engine
        // configuration (both are in its name), and neither it nor its
        // directory can be written by another user (checked just above).
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
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

fn store(component: &Component, dir: &Path, path: &Path) -> std::io::Result<()> {
    create_private_dir(dir)?;
    let bytes = component.serialize().map_err(std::io::Error::other)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        // A full disk or a file size limit: leave no partial file behind.
        let _ = std::fs::remove_file(&tmp);
    }
    written
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
/// `~/.cache/runner-metrics`.
pub fn default_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("RUNNER_METRICS_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("runner-metrics")))
        .or_else(|| env("HOME").map(|d| d.join(".cache/runner-metrics")))
}
