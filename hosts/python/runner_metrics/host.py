"""Load the component once and call its ``promtail`` exports.

A ``Host`` compiles the ``.wasm`` once (about half a second) and keeps one
instance in one store. It guards the wasmtime-py component API's pitfalls:

- every store gets ``set_wasi()`` and ``set_wasi_http()`` before the component
  is instantiated in it; without them wasmtime-py aborts the whole process;
- arguments are lowered and results lifted from the WIT types the component
  reports (see ``_wit``), never by hand;
- a trap leaves the instance unusable ("cannot enter component instance" on
  every later call), so after one the host drops the instance and its store
  and instantiates again on the next call.

A store must not be entered from two threads at once, so the calls on one
``Host`` are serialised by a lock. wasmtime-py releases the GIL during a call,
so other Python threads keep running meanwhile.
"""

import os
import threading
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from wasmtime import Engine, Store, WasiConfig, WasmtimeError
from wasmtime.component import Component, Func, FuncType, Linker, ResourceAny, ResultType

from ._wit import OutOfRange, lift, lower
from .errors import ComponentTrap, MetricsError
from .events import Entry, Event

INTERFACE = "github-runner:metrics/promtail@0.1.0"
"""The versioned name the component exports the ``promtail`` interface under."""

DEFAULT_WASM = Path(__file__).resolve().parents[3] / "target/guest/wasm32-wasip2/guest/runner_metrics.wasm"
"""Where ``scripts/build-component`` puts the component in this repository."""

Preopen = Union[str, "os.PathLike[str]", Tuple[str, str]]


class _Live:
    """An instance with its store, and the exports looked up in it so far."""

    def __init__(self, store: Store, instance: Any):
        self.store = store
        self.instance = instance
        self.interface = instance.get_export_index(store, INTERFACE)
        if self.interface is None:
            raise LookupError(f"the component does not export {INTERFACE}")
        self.funcs: Dict[str, Tuple[Func, FuncType]] = {}

    def func(self, name: str) -> Tuple[Func, FuncType]:
        if name not in self.funcs:
            index = self.instance.get_export_index(self.store, name, self.interface)
            func = self.instance.get_func(self.store, index) if index is not None else None
            if func is None:
                raise LookupError(f"{INTERFACE} has no function {name!r}")
            self.funcs[name] = (func, func.type(self.store))
        return self.funcs[name]


class Host:
    """The compiled component and its current instance.

    ``wasm``: the component's path; default ``$RUNNER_METRICS_WASM``, else this
    repository's build output. ``dirs``: directories the component may use, for
    the file sink and the spool: a path (seen at the same path inside) or a
    ``(host_path, guest_path)`` pair. By default it gets none.
    """

    def __init__(self, wasm: Optional[Union[str, "os.PathLike[str]"]] = None, *, dirs: Iterable[Preopen] = ()):
        self.wasm_path = Path(wasm or os.environ.get("RUNNER_METRICS_WASM") or DEFAULT_WASM)
        if not self.wasm_path.is_file():
            raise FileNotFoundError(
                f"no component at {self.wasm_path}: build it with scripts/build-component "
                "or set RUNNER_METRICS_WASM"
            )
        self._engine = Engine()
        self._component = Component.from_file(self._engine, self.wasm_path)
        self._linker = Linker(self._engine)
        self._linker.add_wasip2()
        self._linker.add_wasi_http()
        self._dirs: List[Tuple[str, str]] = [_preopen(d) for d in dirs]
        self._lock = threading.RLock()
        # Bumped when a trap discards the instance, so clients can tell that
        # their guest resource went with it.
        self._generation = 0
        self._live: Optional[_Live] = self._instantiate()

    def issue_event(self, event: Event) -> None:
        """The WIT ``issue-event``: one event, default config, one attempt."""
        self._call("issue-event", event)

    def issue_events(self, events: Iterable[Event]) -> None:
        """The WIT ``issue-events``: several events in one request, default config."""
        self._call("issue-events", list(events))

    def issue_entries(self, entries: Iterable[Entry]) -> None:
        """The WIT ``issue-entries``: like ``issue_events``, with metadata per entry."""
        self._call("issue-entries", list(entries))

    def _instantiate(self) -> _Live:
        wasi = WasiConfig()
        wasi.inherit_stderr()  # where the component reports a failed flush on drop
        for host_dir, guest_dir in self._dirs:
            wasi.preopen_dir(host_dir, guest_dir)
        store = Store(self._engine)
        store.set_wasi(wasi)
        store.set_wasi_http()
        return _Live(store, self._linker.instantiate(store, self._component))

    def _current(self) -> _Live:
        if self._live is None:
            self._live = self._instantiate()
        return self._live

    def _discard(self) -> None:
        self._live = None
        self._generation += 1

    def _call(self, name: str, *args: Any) -> Any:
        """Call export ``name`` of the interface with this package's values.

        Returns the ``ok`` payload (or the plain result); raises
        ``MetricsError`` for the WIT error, ``ComponentTrap`` if it trapped.
        """
        with self._lock:
            live = self._current()
            func, fty = live.func(name)
            params = [_lower_arg(pname, pty, arg) for (pname, pty), arg in zip(fty.params, args, strict=True)]
            try:
                raw = func(live.store, *params)
            except WasmtimeError as e:
                self._discard()
                raise ComponentTrap(name, e) from e
        if fty.result is None:
            return None
        result = lift(fty.result, raw)
        if not isinstance(fty.result, ResultType):
            return result
        if result.tag == "err":
            raise MetricsError._from_wit(result.payload)
        return result.payload

    def _drop(self, resource: ResourceAny, generation: int) -> None:
        """Run the guest destructor of ``resource``, made in ``generation``;
        a resource of a discarded instance went with it."""
        with self._lock:
            if generation != self._generation or self._live is None:
                return
            try:
                resource.drop(self._live.store)
            except WasmtimeError as e:
                self._discard()
                raise ComponentTrap("[resource-drop]client", e) from e


def _preopen(d: Preopen) -> Tuple[str, str]:
    if isinstance(d, tuple):
        host_dir, guest_dir = d
        return os.fspath(host_dir), guest_dir
    return os.fspath(d), os.fspath(d)


def _lower_arg(name: str, ty: Any, value: Any) -> Any:
    """Lower one argument; a value its WIT type cannot hold is the error the
    component gives for a bad value, named as it names fields (a batch
    argument's items as ``events[3]``)."""
    try:
        return lower(ty, value, "" if name in ("event", "config") else name)
    except OutOfRange as e:
        case = "invalid-config" if name == "config" else "invalid-event"
        raise MetricsError(case, field=e.field, reason=e.reason) from None


_default: Optional[Host] = None
_default_lock = threading.Lock()


def default_host() -> Host:
    """The ``Host`` that the module-level functions and clients made without
    one share; made on first use, with no preopened directories."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Host()
        return _default
