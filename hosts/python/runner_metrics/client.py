"""``Client``: the WIT ``client`` resource, a configured connection to one receiver."""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from wasmtime.component import ResourceAny

from . import _calls, _storage
from . import host as _host
from ._generated import SETTERS, Entry, Event, Stats
from ._resource import GuestResource
from ._wit import SURROGATE, path_text

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._generated import Options

# Each keyword (a setting in snake_case) and the setter that applies it.
_SETTERS = {setting.replace("-", "_"): setter for setting, setter, _, _ in SETTERS}

_is_finalizing = sys.is_finalizing

# What Rust's char::is_control matches (category Cc): the spool setter refuses it.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class Client(GuestResource):
    """Issues events with the settings given as keywords, one per WIT
    ``options`` setter (``endpoint=``, ``timeout_ms=``, ``labels=[...]``,
    ``auth=Bearer(...)``, ...; see ``Options``, and wit/promtail.wit for
    every default). Batching, retries, the spool and the statistics are the
    component's.

    A keyword that is no setting is a ``TypeError``; a bad value is a
    ``MetricsError`` (``invalid-config`` naming the setting), raised here.

    Without ``host`` (given first, by position) the client gets a ``Host`` of
    its own, so that no other client's call holds up its calls; with
    ``spool=dir`` that host is given the directory (created if missing, and
    seen at its absolute path), and a spool the host cannot be given is a
    ``storage`` error. Clients given one ``host`` share its instance, and
    their calls run one at a time.

    Close it (or use ``with``): ``close()`` flushes what the client buffered
    and raises that flush's ``MetricsError``, so that events that were not
    delivered are not lost silently (``spooled`` says they are safe in the
    spool); the guest client is dropped either way. It can take as long as a
    ``flush``.

    A client collected unclosed warns (``ResourceWarning``) and is dropped,
    which flushes what it buffered, when its host is free at once; events it
    could not deliver so are reported on stderr, as the component reports a
    dropped client's (``runner-metrics: a dropped client could not deliver N
    buffered events: <error>``).
    """

    _kind = "client"

    def __init__(self, host: _host.Host | None = None, /, **options: Unpack[Options]):
        _known(options)  # before anything is made for them
        if "spool" in options:  # a path, as LogFile takes one
            options = {**options, "spool": path_text(options["spool"])}  # type: ignore[typeddict-item]
        created: list[str] = []
        if host is None:
            host, options, created = _own_host(options)  # type: ignore[assignment]
        elif not isinstance(host, _host.Host):
            # Not shown: a mistaken endpoint may hold a password.
            raise TypeError(
                f"Client() takes a Host as its only positional argument, got {type(host).__name__}; "
                "settings are keywords (Client(endpoint=...))"
            )
        try:
            self._setup(host, options)
        except BaseException:
            _storage.remove_dirs(created)  # a client that was not made leaves nothing behind
            raise

    def _setup(self, host: _host.Host, options: Mapping[str, Any]) -> None:
        _known(options)
        self._options = dict(options)  # applied again if a trap replaces the instance
        # Whether the guest client may hold buffered events (it buffers only
        # when batching), for a finalizer that cannot ask it.
        self._unflushed = False
        self._open(host)

    def _make(self) -> ResourceAny:
        host = self._host
        generation = host._generation
        options = host._call("[constructor]options")
        try:
            for keyword, value in self._options.items():
                host._call(f"[method]options.{_SETTERS[keyword]}", options, value)
            client: ResourceAny = host._call("[constructor]client", options)
            return client
        finally:
            # After a trap the options went with their instance.
            host._drop(options, generation)

    def issue(self, entries: Iterable[Entry]) -> None:
        """Push the entries now (in as few requests as ``batch_max_bytes``
        allows), or buffer them when batching. An invalid entry fails the
        whole call, and nothing is sent."""
        self._not_closed()
        if self._options.get("batch_max_events", 1) != 1:
            self._unflushed = True
        self._method("issue", _calls.as_list(entries))

    def issue_event(self, event: Event) -> None:
        """``issue`` for one event without metadata of its own."""
        self.issue([Entry(event=event)])

    def flush(self) -> None:
        """Replay the spool, then push everything buffered."""
        self._method("flush")
        self._unflushed = False

    def stats(self) -> Stats:
        """What this client has done so far."""
        stats: Stats = self._method("stats")
        return stats

    def close(self) -> None:
        """Flush what is buffered, then drop the guest client, whatever the
        flush gave. Raises the flush's ``MetricsError``. Idempotent."""
        with self._host._lock:
            try:
                if self._buffers():
                    self.flush()
            finally:
                super().close()

    def _buffers(self) -> bool:
        """Whether the guest client holds buffered events. A client of an
        instance a trap replaced holds none: they went with it."""
        fresh = self._handle is not None and self._generation == self._host._generation
        return not self._closed and fresh and self.stats().buffered_events > 0

    def __del__(self) -> None:
        # Dropped, as the WIT says a client is: what it buffered is flushed,
        # or said to be lost. Then it warns, as an unclosed file does.
        if self.__dict__.get("_handle") is None or self.__dict__.get("_closed", True):
            return  # never made, or closed
        try:
            self._drop_collected()
        except BaseException:  # noqa: S110 (a finalizer raises nothing)
            pass
        warnings.warn("unclosed runner_metrics.Client: close it, or use `with`", ResourceWarning, stacklevel=2)

    def _drop_collected(self) -> None:
        """Drop the guest client of a collected, unclosed client, which
        flushes what it buffered (and reports on stderr what that could not
        deliver, as it does when it is dropped), if the host can be had at
        once; else say on stderr that its buffered events are lost."""
        if _is_finalizing():
            # Modules are being torn down: no guest code runs now.
            self._lost(None, "the interpreter was exiting")
            return
        lock = self._host._lock
        # Not within another call of this thread (its RLock would be taken
        # again), nor waiting for another thread's: a finalizer never blocks.
        if lock._is_owned() or not lock.acquire(blocking=False):  # type: ignore[attr-defined]
            self._lost(None, "its Host was in another call")
            return
        buffered = None
        try:
            fresh = self._generation == self._host._generation
            buffered = self.stats().buffered_events if fresh and self._unflushed else 0
            # The guest's drop flushes the buffer, and reports on stderr what
            # it could not deliver; a spooled batch is safe.
            super().close()
        except Exception as e:  # a trap: the instance, and the buffer, went
            self._closed = True
            if buffered != 0:
                self._lost(buffered, str(e))
        finally:
            lock.release()

    def _lost(self, events: int | None, why: str) -> None:
        """Say on stderr that ``events`` buffered events (``None``: however
        many there were) were not delivered, and ``why``."""
        if not self._unflushed:
            return  # not batching, or flushed since the last issue: nothing was buffered
        count = f"{events}" if events is not None else "its"
        try:
            sys.stderr.write(f"runner-metrics: a dropped client could not deliver {count} buffered events: {why}\n")
        except Exception:  # noqa: S110 (no stderr)
            pass


def _known(options: Mapping[str, Any]) -> None:
    """Raise ``TypeError`` for a keyword that is not a setting."""
    unknown = [k for k in options if k not in _SETTERS]
    if unknown:
        raise TypeError(f"Client() got unknown settings {unknown}; the settings are: {', '.join(_SETTERS)}")


def _own_host(options: dict[str, Any]) -> tuple[_host.Host, dict[str, Any], list[str]]:
    """A ``Host`` for one client, its settings, and the directories made for
    it. With a spool, the host is given the directory, created if missing
    (the WIT: "which the host must preopen; it is created if missing"), at
    its absolute path, which the setting then names, as the JavaScript host
    does. A spool that cannot be made, or is no directory, is ``storage``
    naming it, with the reason the JavaScript host gives."""
    spool = options.get("spool")
    # A value the setter refuses (or cannot be passed) gets no directory:
    # the setter says what is wrong with it.
    if not isinstance(spool, str) or not spool or _CONTROL.search(spool) or SURROGATE.search(spool):
        return _host.Host(), options, []
    options = {**options, "spool": os.path.abspath(spool)}
    # The setters first, as the JavaScript host applies them: a bad value
    # is its error, whatever the spool directory is.
    _check_settings(options)
    created = _storage.make_spool(options["spool"])
    try:
        return _host.Host(dirs=[options["spool"]]), options, created
    except BaseException:
        _storage.remove_dirs(created)
        raise


def _check_settings(options: dict[str, Any]) -> None:
    """Raise what a setter refuses among ``options``, as the client would
    (set on an ``options`` of the default host, which holds no directory)."""
    host = _host.default_host()
    generation = host._generation
    handle = host._call("[constructor]options")
    try:
        for keyword, value in options.items():
            host._call(f"[method]options.{_SETTERS[keyword]}", handle, value)
    finally:
        host._drop(handle, generation)
