"""The compiled component, kept on disk: compiling takes about half a second,
loading a compiled one a few milliseconds.

The cache directory is ``$RUNNER_METRICS_CACHE_DIR``, else
``$XDG_CACHE_HOME/runner-metrics``, else ``~/.cache/runner-metrics``, created
0700. A file is named by the component's SHA-256 and the wasmtime version, so
another component or wasmtime never reads it.

wasmtime runs a compiled file's machine code as it is, so a file is loaded
only if it and its directory belong to this user and nobody else may write
them, and only if its own checksum matches (a torn or corrupted write). Any
file that fails these, or that wasmtime refuses (another engine
configuration or CPU), is compiled again and replaced. The cache never makes
a load fail; on systems without POSIX file owners it is not used.
"""

import contextlib
import hashlib
import importlib.metadata
import os
import stat
import tempfile
from pathlib import Path

from wasmtime import Engine, WasmtimeError
from wasmtime.component import Component

_MAGIC = b"runner-metrics compiled component v1\n"
_DIGEST = hashlib.sha256().digest_size


def load(engine: Engine, wasm: bytes) -> Component:
    """``wasm`` compiled for ``engine``, from the cache when it holds it."""
    path = _path(hashlib.sha256(wasm).hexdigest())
    component = _read(engine, path) if path is not None else None
    if component is None:
        component = Component(engine, wasm)
        if path is not None:
            _write(path, bytes(component.serialize()))
    return component


def directory() -> Path | None:
    """The cache directory, created if missing; ``None`` when it cannot be
    used safely."""
    if not hasattr(os, "getuid"):
        return None
    base = _location()
    if base is None:
        return None
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        if not _private(os.stat(base)):
            return None
    except OSError:
        return None
    return Path(base)


def _location() -> str | None:
    """``$RUNNER_METRICS_CACHE_DIR``, else ``$XDG_CACHE_HOME/runner-metrics``,
    else ``$HOME/.cache/runner-metrics``, as the Rust host's
    ``cache::default_dir``: a relative value is ignored (the XDG base
    directory rule: a hook runs in the job's workspace), and ``$HOME`` is used
    only when it is a directory."""

    def absolute(name: str) -> str | None:
        value = os.environ.get(name, "")
        return value if os.path.isabs(value) else None

    if (own := absolute("RUNNER_METRICS_CACHE_DIR")) is not None:
        return own
    if (xdg := absolute("XDG_CACHE_HOME")) is not None:
        return os.path.join(xdg, "runner-metrics")
    if (home := absolute("HOME")) is not None and os.path.isdir(home):
        return os.path.join(home, ".cache", "runner-metrics")
    return None


def _path(digest: str) -> Path | None:
    where = directory()
    if where is None:
        return None
    try:
        version = importlib.metadata.version("wasmtime")
    except importlib.metadata.PackageNotFoundError:
        return None
    return where / f"{digest}-wasmtime-{version}.bin"


def _private(st: os.stat_result) -> bool:
    """Owned by this user, and writable by no one else."""
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(engine: Engine, path: Path) -> Component | None:
    try:
        # O_NOFOLLOW: a symbolic link planted in the directory is not followed.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or not _private(st):
            return None
        data = f.read()
    digest, compiled = data[len(_MAGIC) : len(_MAGIC) + _DIGEST], data[len(_MAGIC) + _DIGEST :]
    if not data.startswith(_MAGIC) or hashlib.sha256(compiled).digest() != digest:
        return None
    try:
        return Component.deserialize(engine, compiled)
    except WasmtimeError:
        return None


def _write(path: Path, compiled: bytes) -> None:
    """Write atomically: readers see the old file or the whole new one."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mode 0600
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + hashlib.sha256(compiled).digest() + compiled)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
