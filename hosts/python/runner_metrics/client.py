"""``Client``: the WIT ``client`` resource, a configured connection to one receiver."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from wasmtime.component import ResourceAny

from . import host as _host
from ._generated import SETTERS, Entry, Event, Stats
from ._resource import GuestResource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._generated import Options

# Each keyword (a setting in snake_case) and the setter that applies it.
_SETTERS = {setting.replace("-", "_"): setter for setting, setter, _, _ in SETTERS}


class Client(GuestResource):
    """Issues events with the settings given as keywords, one per WIT
    ``options`` setter (``endpoint=``, ``timeout_ms=``, ``labels=[...]``,
    ``auth=Bearer(...)``, ...; see ``Options``, and wit/promtail.wit for
    every default). Batching, retries, the spool and the statistics are the
    component's.

    A keyword that is no setting is a ``TypeError``; a bad value is a
    ``MetricsError`` (``invalid-config`` naming the setting), raised here. The
    client runs in ``host`` (given first, by position), by default the
    default ``Host``.

    Close it (or use ``with``): that drops the guest client, which pushes what
    it buffered (into the spool if that fails), so it can take as long as a
    ``flush``.
    """

    _kind = "client"

    def __init__(self, host: _host.Host | None = None, /, **options: Unpack[Options]):
        self._setup(host or _host.default_host(), options)

    def _setup(self, host: _host.Host, options: Mapping[str, Any]) -> None:
        unknown = [k for k in options if k not in _SETTERS]
        if unknown:
            raise TypeError(f"Client() got unknown settings {unknown}; the settings are: {', '.join(_SETTERS)}")
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
        self._method("issue", list(entries))

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

    def __del__(self) -> None:
        # A finalizer is no place for guest code and network I/O (a drop
        # flushes), so an unclosed client only warns, as an unclosed file does.
        if getattr(self, "_handle", None) is not None and not self._closed:
            warnings.warn(
                "unclosed runner_metrics.Client: its buffered events were not flushed", ResourceWarning, stacklevel=2
            )
