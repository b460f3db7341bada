"""``Client``: the WIT ``client`` resource, a configured connection to one receiver."""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from wasmtime.component import ResourceAny

from . import _calls
from . import host as _host
from ._generated import SETTERS, Entry, Event, Stats
from ._resource import GuestResource
from ._wit import SURROGATE

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._generated import Options

# Each keyword (a setting in snake_case) and the setter that applies it.
_SETTERS = {setting.replace("-", "_"): setter for setting, setter, _, _ in SETTERS}

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
    """

    _kind = "client"

    def __init__(self, host: _host.Host | None = None, /, **options: Unpack[Options]):
        _known(options)  # before anything is made for them
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
            _remove_dirs(created)  # a client that was not made leaves nothing behind
            raise

    def _setup(self, host: _host.Host, options: Mapping[str, Any]) -> None:
        _known(options)
        self._options = dict(options)  # applied again if a trap replaces the instance
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
        self._method("issue", _calls.as_list(entries))

    def issue_event(self, event: Event) -> None:
        """``issue`` for one event without metadata of its own."""
        self.issue([Entry(event=event)])

    def flush(self) -> None:
        """Replay the spool, then push everything buffered."""
        self._method("flush")

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
        # A finalizer is no place for guest code and network I/O (a drop
        # flushes), so an unclosed client only warns, as an unclosed file does.
        if getattr(self, "_handle", None) is not None and not self._closed:
            warnings.warn(
                "unclosed runner_metrics.Client: its buffered events were not flushed", ResourceWarning, stacklevel=2
            )


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
    does."""
    spool = options.get("spool")
    # A value the setter refuses (or cannot be passed) gets no directory:
    # the setter says what is wrong with it.
    if not isinstance(spool, str) or not spool or _CONTROL.search(spool) or SURROGATE.search(spool):
        return _host.Host(), options, []
    options = {**options, "spool": os.path.abspath(spool)}
    created = _make_dirs(options["spool"])  # a failure: the host's `storage` error says why
    return _host.Host(dirs=[options["spool"]]), options, created


def _make_dirs(path: str) -> list[str]:
    """Make ``path`` and its missing parents; the ones made, outermost first."""
    missing = []
    while not os.path.lexists(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    made = []
    for d in reversed(missing):
        try:
            os.mkdir(d)
        except OSError:
            break
        made.append(d)
    return made


def _remove_dirs(made: list[str]) -> None:
    """Remove what ``_make_dirs`` made, innermost first, if still empty."""
    for d in reversed(made):
        with contextlib.suppress(OSError):
            os.rmdir(d)
