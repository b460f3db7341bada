//! The precompiled-component cache: the first load compiles and stores, the
//! next loads the stored artefact (and, for the real component, a host
//! built from it runs); the directory is made private; another component
//! gets its own artefact; a corrupt artefact, or one in a file or directory
//! others may write, is not loaded (the component is compiled again);
//! an unwritable cache only costs speed.
//!
//! All but the first test cache empty components, which compile at once:
//! the cache keys and checks bytes, whatever they hold.

use crate::common::*;
use runner_metrics_host::cache::{self, Source};
use runner_metrics_host::{COMPONENT, MetricsHost};
use runner_metrics_testkit::Receiver;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// `(component)`, in the binary format.
const EMPTY: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/// An empty component with a custom section `tag`: other bytes, the same
/// meaning.
fn empty_tagged(tag: &[u8]) -> Vec<u8> {
    let mut bytes = EMPTY.to_vec();
    let payload = tag.len() + 1;
    assert!(payload < 128 && tag.len() < 128, "one-byte LEB128 sizes");
    bytes.extend([0x00, payload as u8, tag.len() as u8]);
    bytes.extend(tag);
    bytes
}

fn artefacts(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn load(wasm: &[u8], dir: &Path) -> Source {
    cache::load(host().engine(), wasm, Some(dir)).unwrap().1
}

#[tokio::test]
async fn the_second_load_comes_from_the_cache_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    assert_eq!(load(COMPONENT, &dir), Source::Compiled);
    let files = artefacts(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0].extension().is_some_and(|e| e == "cwasm"),
        "{files:?}"
    );
    assert_eq!(load(COMPONENT, &dir), Source::Cached);
    // A host built from the cache works.
    let host = MetricsHost::builder().cache_dir(&dir).build().unwrap();
    let rx = Receiver::start().await.unwrap();
    let mut inst = host.instantiate().await.unwrap();
    let c = client(&mut inst, &rx.url()).await;
    issue(&mut inst, &c).await.unwrap();
    assert_eq!(rx.push_count(), 1);
    assert_eq!(artefacts(&dir).len(), 1, "nothing new stored");
}

#[test]
fn the_cache_directory_is_private_and_keyed_by_the_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b/cache");
    assert_eq!(load(&EMPTY, &dir), Source::Compiled);
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the cache directory is private: {mode:o}");
    assert_eq!(load(&EMPTY, &dir), Source::Cached);
    // The artefact is the user's alone, whatever the umask (with 002, a
    // group-writable file was never loaded: every start compiled again).
    let file = artefacts(&dir).remove(0);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the artefact is private: {mode:o}");
    let other = empty_tagged(b"other");
    assert_eq!(load(&other, &dir), Source::Compiled, "not the first's");
    assert_eq!(artefacts(&dir).len(), 2);
    assert_eq!(load(&other, &dir), Source::Cached);
    // No directory: compiled every time.
    let (_, source) = cache::load(host().engine(), &EMPTY, None).unwrap();
    assert_eq!(source, Source::Compiled);
}

#[test]
fn a_corrupt_artefact_is_compiled_over() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let wasm = empty_tagged(b"corrupt");
    load(&wasm, &dir);
    let file = artefacts(&dir).remove(0);
    std::fs::write(&file, b"not a compiled component").unwrap();
    assert_eq!(load(&wasm, &dir), Source::Compiled);
    assert_eq!(load(&wasm, &dir), Source::Cached, "stored again, whole");
}

#[test]
fn an_artefact_others_may_write_is_never_loaded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let wasm = empty_tagged(b"writable");
    load(&wasm, &dir);
    let file = artefacts(&dir).remove(0);
    for mode in [0o666, 0o620] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        assert_eq!(
            load(&wasm, &dir),
            Source::Compiled,
            "a file of mode {mode:o}"
        );
    }
    // The same for a directory others may write.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(load(&wasm, &dir), Source::Cached);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    assert_eq!(
        load(&wasm, &dir),
        Source::Compiled,
        "a directory of mode 777"
    );
}

/// A file another user owns is never loaded, even one only it may write
/// (that user could replace it with native code of their choosing); nor is
/// a symbolic link. (Changing a file's owner needs root: skipped without.)
#[test]
fn an_artefact_another_user_owns_is_never_loaded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let wasm = empty_tagged(b"owned");
    load(&wasm, &dir);
    let file = artefacts(&dir).remove(0);
    let elsewhere = tmp.path().join("elsewhere.cwasm");
    std::fs::rename(&file, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &file).unwrap();
    assert_eq!(load(&wasm, &dir), Source::Compiled, "a symbolic link");
    std::fs::remove_file(&file).unwrap();
    load(&wasm, &dir);
    assert_eq!(load(&wasm, &dir), Source::Cached);
    // `nobody`'s uid.
    if std::os::unix::fs::chown(&file, Some(65534), None).is_err() {
        eprintln!(
            "SKIPPED the owner half of an_artefact_another_user_owns_is_never_loaded: not root"
        );
        return;
    }
    assert_eq!(load(&wasm, &dir), Source::Compiled, "a file nobody owns");
}

/// A write that fails (a file size limit, a full disk) leaves no partial
/// file behind.
#[test]
fn a_failed_store_leaves_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    // A non-empty directory in place of the artefact's name: the write of
    // the temporary file succeeds, its rename fails.
    let wasm = empty_tagged(b"store-fails");
    load(&wasm, &dir);
    let file = artefacts(&dir).remove(0);
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    std::fs::write(file.join("x"), b"x").unwrap();
    assert_eq!(load(&wasm, &dir), Source::Compiled);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn an_unwritable_cache_only_costs_speed() {
    let tmp = tempfile::tempdir().unwrap();
    // A file where the directory should be: nothing can be stored.
    let blocked = tmp.path().join("blocked");
    std::fs::write(&blocked, b"x").unwrap();
    let dir = blocked.join("cache");
    for _ in 0..2 {
        assert_eq!(load(&EMPTY, &dir), Source::Compiled);
    }
}

/// Damage inside the compiled code keeps the file's header intact, and
/// wasmtime loaded it and ran it: the CLI died of SIGILL on every later
/// call. The checksum finds it, and the component is compiled over.
#[test]
fn damaged_code_in_an_artefact_is_compiled_over() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    assert_eq!(load(COMPONENT, &dir), Source::Compiled);
    let file = artefacts(&dir).remove(0);
    let mut bytes = std::fs::read(&file).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 4..len / 2] {
        *b = 0xff;
    }
    std::fs::write(&file, &bytes).unwrap();
    assert_eq!(load(COMPONENT, &dir), Source::Compiled);
    assert_eq!(load(COMPONENT, &dir), Source::Cached, "stored again, whole");
}
