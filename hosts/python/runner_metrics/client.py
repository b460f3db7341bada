"""``Client``: the WIT ``client`` resource, a configured connection to one receiver."""

import warnings
from typing import Any, Iterable, Optional

from .config import Config
from .events import Entry, Event
from .host import Host, default_host
from .stats import Stats


class Client:
    """Validates its config once, then issues events with batching, retries,
    a spool and statistics, all done by the component.

    Close it (or use ``with``): dropping the guest client pushes what it
    buffered, into the spool if that fails. A bad config raises
    ``MetricsError`` (``invalid-config``) here.
    """

    def __init__(self, config: Optional[Config] = None, *, host: Optional[Host] = None):
        self.config = config if config is not None else Config()
        self._host = host if host is not None else default_host()
        self._resource: Any = None
        self._generation = -1
        self._closed = False
        with self._host._lock:
            self._handle()

    def issue_event(self, event: Event) -> None:
        """Push one event now, or buffer it when batching."""
        self._call("[method]client.issue-event", event)

    def issue_events(self, events: Iterable[Event]) -> None:
        """Push several events in as few requests as ``batch_max_bytes``
        allows, or buffer them. An invalid event fails the whole call."""
        self._call("[method]client.issue-events", list(events))

    def issue_entries(self, entries: Iterable[Entry]) -> None:
        """Like ``issue_events``, with structured metadata per entry."""
        self._call("[method]client.issue-entries", list(entries))

    def flush(self) -> None:
        """Replay the spool, then push everything buffered."""
        self._call("[method]client.flush")

    def stats(self) -> Stats:
        """What this client has done so far."""
        return Stats._from_wit(self._call("[method]client.stats"))

    def close(self) -> None:
        """Drop the guest client, which flushes its buffer. Idempotent."""
        with self._host._lock:
            if self._closed:
                return
            self._closed = True
            resource, self._resource = self._resource, None
            if resource is not None:
                self._host._drop(resource, self._generation)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.config!r})"

    def __del__(self) -> None:
        # Running guest code (a flush, network I/O) from a finalizer is not
        # safe, so an unclosed client only warns, as an unclosed file does.
        if getattr(self, "_resource", None) is not None and not self._closed:
            warnings.warn(f"unclosed {self!r}: its buffered events were not flushed", ResourceWarning)

    def _handle(self) -> Any:
        """The guest resource; made again, with the same config, when a trap
        replaced the instance it lived in. Call with the host's lock held."""
        if self._closed:
            raise ValueError("the client is closed")
        if self._generation != self._host._generation:
            self._resource = self._host._call("[constructor]client", self.config)
            self._generation = self._host._generation
        return self._resource

    def _call(self, name: str, *args: Any) -> Any:
        with self._host._lock:
            return self._host._call(name, self._handle(), *args)
