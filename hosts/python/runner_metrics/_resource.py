"""A resource of the component (a client, a log file) owned by a Python object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wasmtime.component import ResourceAny

if TYPE_CHECKING:
    from typing_extensions import Self

    from .host import Host


class GuestResource:
    """Holds the handle of a resource in its host's instance.

    A trap replaces the instance, and every resource in it: the object then
    makes its resource again in the new instance with ``_make``, from the
    arguments it was made with. Close it (or use ``with``) to drop the
    resource, which runs the component's destructor.
    """

    _kind = "resource"

    def _open(self, host: Host) -> None:
        self._host = host
        self._handle: ResourceAny | None = None
        self._generation = -1
        self._closed = False
        with host._lock:
            self._current()  # made now, so that bad arguments raise here

    def _make(self) -> ResourceAny:
        """A new resource in the host's current instance."""
        raise NotImplementedError

    def _not_closed(self) -> None:
        """A closed resource is a misuse, whatever the arguments: said first."""
        if self._closed:
            raise ValueError(f"the {self._kind} is closed")

    def _current(self) -> ResourceAny:
        """The resource in the current instance. Call with the host's lock held."""
        self._not_closed()
        if self._handle is None or self._generation != self._host._generation:
            generation = self._host._generation
            self._handle = self._make()
            self._generation = generation
        return self._handle

    def _method(self, name: str, *args: Any) -> Any:
        with self._host._lock:
            return self._host._call(f"[method]{self._kind}.{name}", self._current(), *args)

    def close(self) -> None:
        """Drop the resource. Idempotent."""
        with self._host._lock:
            if self._closed:
                return
            self._closed = True
            handle, self._handle = self._handle, None
            if handle is not None:
                self._host._drop(handle, self._generation)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
