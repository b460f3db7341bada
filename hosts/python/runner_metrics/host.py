"""``Host``: the component, and one instance of it that calls go to.

The wasmtime-py component API has pitfalls that this module guards:

- each store gets ``set_wasi()`` and ``set_wasi_http()`` before the component
  is instantiated in it: without them wasmtime-py 50 does not raise, the
  process aborts at the component's first WASI call;
- a trap leaves the instance unusable ("cannot enter component instance" on
  every later call), so after one the host drops the instance and its store
  and instantiates again on the next call;
- one store must not be entered from two threads at once, so the calls on one
  ``Host`` take a lock. wasmtime-py releases the GIL during a call, so other
  Python threads run meanwhile.

Every ``Host`` of a process shares one engine and, per component file, one
compiled component (see ``_cache``), so a second ``Host`` costs only an
instance (about a millisecond).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Union

from wasmtime import Config, Engine, Store, WasiConfig, WasmtimeError
from wasmtime import _ffi as ffi
from wasmtime.component import Func, Instance, Linker, ResourceAny

from . import _cache, _calls, _contract, _storage, _wasm
from ._generated import INTERFACES, Event, InvalidInput
from ._wit import Refused, Result, exact
from .errors import ComponentTrap, MetricsError


Dir = Union[str, "os.PathLike[str]", tuple[str, str]]
"""A directory the component may use: a path, seen at the same path inside,
or ``(host_path, guest_path)``."""


class _Compiled:
    """A component compiled for the shared engine, with its checked signatures."""

    def __init__(self, engine: Engine, wasm: bytes, path: Path):
        try:
            self.component = _cache.load(engine, wasm)
        except WasmtimeError as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else "wasmtime refused it"
            raise _contract.ContractError(f"{path}: not a WebAssembly component: {first}") from None
        try:
            self.signatures = _contract.read(self.component.type, engine)
        except _contract.ContractError as e:
            raise _contract.ContractError(f"{path}: {e}") from None
        self.linker = Linker(engine)
        self.linker.add_wasip2()
        self.linker.add_wasi_http()


_engine: Engine | None = None
_compiled: dict[str, _Compiled] = {}
_shared_lock = threading.Lock()


def _new_engine() -> Engine:
    config = Config()
    # By default wasmtime writes a compiled module's memory image to a memfd
    # at its first instantiation, and maps it into each instance; under a
    # file size limit (ulimit -f) that write fails, and no instance can be
    # made. Copying the image into each instance instead costs about 0.2 ms.
    # wasmtime-py 50 has no Config property for it (hence `wasmtime<51`).
    ffi.wasmtime_config_memory_init_cow_set(config.ptr(), False)
    return Engine(config)


def _load(path: Path) -> tuple[Engine, _Compiled]:
    global _engine
    wasm = path.read_bytes()
    key = hashlib.sha256(wasm).hexdigest()
    with _shared_lock:
        if _engine is None:
            _engine = _new_engine()
        if key not in _compiled:
            _compiled[key] = _Compiled(_engine, wasm, path)
        return _engine, _compiled[key]


class _Live:
    """An instance in its store, and the functions looked up in it so far."""

    def __init__(self, store: Store, instance: Instance):
        self.store = store
        self.instance = instance
        self.interface = instance.get_export_index(store, INTERFACES[_contract.INTERFACE])
        self.funcs: dict[str, Func] = {}

    def func(self, name: str) -> Func:
        if name not in self.funcs:
            index = self.instance.get_export_index(self.store, name, self.interface)
            func = None if index is None else self.instance.get_func(self.store, index)
            assert func is not None, f"{name} was checked when the component was loaded"
            self.funcs[name] = func
        return self.funcs[name]


class Host:
    """The component and its current instance.

    ``wasm``: the component file (default: see ``_wasm.locate``). ``dirs``:
    the directories the component may use, for log files and the spool; by
    default it gets none. A directory that cannot be given to it (missing,
    not a directory) is a ``MetricsError`` ``storage`` naming it.

    Calls on one ``Host`` run one at a time: clients that must not wait for
    each other's calls need a ``Host`` each, as ``Client(...)`` without one
    gets.
    """

    def __init__(self, wasm: str | os.PathLike[str] | None = None, *, dirs: Iterable[Dir] = ()):
        if isinstance(dirs, (str, bytes, os.PathLike)):
            # A str is iterable: its characters would each be a directory.
            raise TypeError(f"dirs is a list of directories, got one {type(dirs).__name__}: Host(dirs=[...])")
        self._dirs = [_preopen(d) for d in dirs]
        self.wasm_path = _wasm.locate(wasm)
        self._engine, self._compiled = _load(self.wasm_path)
        self._lock = threading.RLock()
        # Bumped when a trap discards the instance, so resources can tell that
        # theirs went with it.
        self._generation = 0
        self._live: _Live | None = self._instantiate()

    def issue_event(self, event: Event) -> None:
        """The WIT ``issue-event``: one event to Promtail's default endpoint,
        in one attempt; see wit/promtail.wit for the rest of its settings."""
        self._call("issue-event", event)

    def _instantiate(self) -> _Live:
        wasi = WasiConfig()
        wasi.inherit_stderr()  # where the component reports a flush that failed on drop
        for host_dir, guest_dir in self._dirs:
            _grant(wasi, host_dir, guest_dir)
        store = Store(self._engine)
        store.set_wasi(wasi)
        store.set_wasi_http()
        return _Live(store, self._compiled.linker.instantiate(store, self._compiled.component))

    def _call(self, name: str, *args: Any) -> Any:
        """Call function ``name`` of the interface with this package's values:
        the ``ok`` payload, or the plain result. Raises ``MetricsError`` for a
        WIT error, a value its type cannot hold, or a directory that cannot
        be given to a new instance; ``ComponentTrap`` when the call trapped."""
        signature = self._compiled.signatures[name]
        params = _lower(signature, args)
        with self._lock:
            if self._live is None:
                self._live = self._instantiate()
            live = self._live
            try:
                raw = live.func(name)(live.store, *params)
            except WasmtimeError as e:
                self._discard()
                raise ComponentTrap(name, e) from e
        if signature.result is None:
            return None
        lifted = signature.result.lift(raw)
        if not isinstance(signature.result, Result):
            return lifted
        tag, payload = lifted
        if tag == "err":
            raise MetricsError(*payload)
        return payload

    def _drop(self, handle: ResourceAny, generation: int) -> None:
        """Run the guest destructor of ``handle``, made in ``generation``; a
        handle of a discarded instance went with it."""
        with self._lock:
            if generation != self._generation or self._live is None:
                return
            try:
                handle.drop(self._live.store)
            except WasmtimeError as e:
                self._discard()
                raise ComponentTrap("resource drop", e) from e

    def _discard(self) -> None:
        self._live = None
        self._generation += 1


def _lower(signature: _contract.Signature, args: tuple[Any, ...]) -> list[Any]:
    """The arguments as wasmtime-py takes them; a value its WIT type cannot
    hold is the error the component gives for a bad value."""
    events = signature.refusal == "invalid-event"  # a call that carries events
    if events:
        _refuse_if(signature, args, _calls.too_many)
    try:
        lowered = [node.lower(arg, root) for (root, node), arg in zip(signature.params, args, strict=True)]
    except Refused as e:
        refused = e
    else:
        if events:  # every value passable; the text they hold, summed
            _refuse_if(signature, args, _calls.too_much_text)
        return lowered
    # Raised outside the handler: nothing of the refused value is chained.
    raise MetricsError(signature.refusal, InvalidInput(field=refused.field, reason=refused.reason))


def _refuse_if(signature: _contract.Signature, args: tuple[Any, ...], check: Any) -> None:
    """Raise the refusal ``check`` finds in an argument, named by its
    parameter (an event alone: ``event``)."""
    for (root, _), arg in zip(signature.params, args, strict=True):
        if (why := check(arg)) is not None:
            raise MetricsError(signature.refusal, InvalidInput(field=root or "event", reason=why))


def _preopen(d: Dir) -> tuple[str, str]:
    if isinstance(d, tuple):
        host_dir, guest_dir = d
        return _path(host_dir), _path(guest_dir)
    path = _path(d)
    return path, path


def _path(value: str | os.PathLike[str]) -> str:
    """A directory's path as an exact ``str``, as wasmtime-py must get it
    (it passes what a ``str`` subclass's ``encode()`` gives to wasmtime's C
    API, which aborts the process for bytes that are not UTF-8)."""
    path = os.fspath(value)
    if not isinstance(path, str):
        raise TypeError(f"a directory is a str or an os.PathLike of one, got {type(path).__name__}")
    return exact(path)


def _grant(wasi: WasiConfig, host_dir: str, guest_dir: str) -> None:
    """Preopen ``host_dir`` as ``guest_dir``, or raise ``storage`` naming it."""
    try:
        # Opened here first for the OS's reason: wasmtime-py's error gives none.
        with os.scandir(host_dir):
            pass
        wasi.preopen_dir(host_dir, guest_dir)
        return
    except OSError as e:
        detail = _storage.detail(e)  # as the JavaScript host words it: `no such file or directory`
    except (ValueError, WasmtimeError):  # a NUL or a lone surrogate, which wasmtime-py cannot pass
        detail = "the component cannot be given this directory"
    # Raised outside the handlers: no wasmtime or OS exception is chained.
    raise _storage.failure(host_dir, detail)


_default: Host | None = None
_default_lock = threading.Lock()


def default_host() -> Host:
    """The ``Host`` that ``issue_event`` uses: made on first use, from the
    default component, with no directories."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Host()
        return _default
