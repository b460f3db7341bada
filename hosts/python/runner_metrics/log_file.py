"""``LogFile``: the WIT ``log-file`` resource, the metrics log Promtail tails."""

from __future__ import annotations

import os
from collections.abc import Iterable

from wasmtime.component import ResourceAny

from . import _calls
from . import host as _host
from ._generated import Event, StorageFailure
from ._resource import GuestResource
from ._wit import path_text
from .errors import MetricsError


class LogFile(GuestResource):
    """Appends each event's line to the file at ``path``, as the Python runner
    manager writes its metrics log. The file is opened per ``write``, so log
    rotation is followed.

    The component may only use the file's directory: ``LogFile(path)`` grants
    exactly that one to a ``Host`` of its own; ``LogFile(path, host=h)`` makes
    one in a host you configured (``path`` as ``h``'s ``dirs`` name it). A
    file the component cannot open (its directory missing, say) is a
    ``MetricsError`` ``storage`` naming it.
    """

    _kind = "log-file"

    def __init__(self, path: str | os.PathLike[str], *, host: _host.Host | None = None):
        file = path_text(path)
        if host is None and (not isinstance(file, str) or file == ""):
            # No directory: the component refuses the empty path itself, and
            # the lowering a path that is no string (bytes).
            host = _host.Host()
        elif host is None:
            file = os.path.abspath(file)
            host = _own_host(file)
        self._setup(host, file)

    def _setup(self, host: _host.Host, path: str) -> None:
        self.path = path
        self._open(host)

    def _make(self) -> ResourceAny:
        handle: ResourceAny = self._host._call("[constructor]log-file", self.path)
        return handle

    def write(self, events: Iterable[Event]) -> None:
        """Append the events' lines, in order, with one write."""
        self._not_closed()
        self._method("write", _calls.as_list(events))


def _own_host(path: str) -> _host.Host:
    """A ``Host`` given only the directory of ``path``."""
    try:
        return _host.Host(dirs=[os.path.dirname(path)])
    except MetricsError as e:
        if e.case != "storage":
            raise
        detail = e.payload.detail
    # Named by the file, as the component names a file it cannot open.
    raise MetricsError("storage", StorageFailure(path=path, detail=detail))
