"""The compiled component on disk (see runner_metrics/_cache.py)."""

import hashlib
import os
import stat
from pathlib import Path

import pytest
from wasmtime import Engine
from wasmtime.component import Component

from runner_metrics import _cache, _wasm


@pytest.fixture
def wasm() -> bytes:
    return _wasm.locate().read_bytes()


@pytest.fixture
def cache_dir(monkeypatch, tmp_path: Path) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("RUNNER_METRICS_CACHE_DIR", str(where))
    return where


@pytest.fixture(scope="module")
def good_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache file as `load` writes it, compiled once for the tests below."""
    where = tmp_path_factory.mktemp("good")
    os.chmod(where, 0o700)
    with pytest.MonkeyPatch.context() as m:
        m.setenv("RUNNER_METRICS_CACHE_DIR", str(where))
        _cache.load(Engine(), _wasm.locate().read_bytes())
    (file,) = cached(where)
    return file


@pytest.fixture
def cache_file(cache_dir: Path, good_file: Path) -> Path:
    """`cache_dir` holding the good file."""
    cache_dir.mkdir(mode=0o700)
    file = cache_dir / good_file.name
    file.write_bytes(good_file.read_bytes())
    os.chmod(file, 0o600)
    return file


def cached(where: Path) -> list[Path]:
    return sorted(p for p in where.iterdir() if not p.name.startswith("."))


def no_compiling(monkeypatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("compiled instead of loading the cache")

    monkeypatch.setattr(
        _cache, "Component", type("NoCompile", (), {"__new__": refuse, "deserialize": Component.deserialize})
    )


def test_a_compiled_component_is_kept_privately_and_loaded_again(monkeypatch, cache_dir: Path, wasm: bytes) -> None:
    _cache.load(Engine(), wasm)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    (file,) = cached(cache_dir)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert file.name.startswith(hashlib.sha256(wasm).hexdigest())
    no_compiling(monkeypatch)
    assert _cache.load(Engine(), wasm) is not None


def test_xdg_cache_home_is_the_default_place(monkeypatch, tmp_path: Path, wasm: bytes) -> None:
    monkeypatch.delenv("RUNNER_METRICS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _cache.load(Engine(), wasm)
    assert len(cached(tmp_path / "runner-metrics")) == 1


def test_a_relative_location_is_ignored(monkeypatch, tmp_path: Path, wasm: bytes) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUNNER_METRICS_CACHE_DIR", "rel")
    monkeypatch.setenv("XDG_CACHE_HOME", "relx")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # not a directory: not made
    _cache.load(Engine(), wasm)
    assert list(tmp_path.iterdir()) == [], "nothing made in the current directory"
    (tmp_path / "home").mkdir()
    _cache.load(Engine(), wasm)
    assert len(cached(tmp_path / "home" / ".cache" / "runner-metrics")) == 1


@pytest.mark.parametrize("damage", ["truncated", "flipped", "foreign", "empty"])
def test_a_damaged_or_foreign_file_is_compiled_again(cache_file: Path, wasm: bytes, damage: str) -> None:
    file = cache_file
    data = file.read_bytes()
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped":
        data = data[:-100] + bytes([data[-100] ^ 1]) + data[-99:]
    elif damage == "foreign":
        # Right header and checksum, but not wasmtime's: another engine's file.
        junk = b"not a compiled component" * 10
        data = _cache._MAGIC + hashlib.sha256(junk).digest() + junk
    else:
        data = b""
    file.write_bytes(data)
    assert _cache.load(Engine(), wasm) is not None
    assert file.read_bytes() != data  # replaced by a good one
    assert _cache._read(Engine(), file) is not None


def test_a_directory_others_may_write_is_not_used(cache_dir: Path, wasm: bytes) -> None:
    cache_dir.mkdir(mode=0o700)
    os.chmod(cache_dir, 0o777)
    _cache.load(Engine(), wasm)
    assert cached(cache_dir) == []


def test_a_file_others_may_write_is_not_loaded(cache_file: Path, wasm: bytes) -> None:
    file = cache_file
    assert _cache._read(Engine(), file) is not None
    os.chmod(file, 0o666)
    assert _cache._read(Engine(), file) is None
    assert _cache.load(Engine(), wasm) is not None  # compiled, and replaced by a private file
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
