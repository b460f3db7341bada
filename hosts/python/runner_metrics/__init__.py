"""Issue GitHub runner metric events to Loki through the runner-metrics
WebAssembly component, run by wasmtime-py.

The module-level functions are the Python runner manager's ``issue_event``:
the default config (``http://localhost:3100/loki/api/v1/push``, 5 s, one
attempt). A ``Client`` is for services: its own config, batching, retries, a
spool and statistics. Every failure the component reports is a
``MetricsError``.
"""

from typing import Iterable

from .client import Client
from .config import (
    Auth,
    BasicAuth,
    Bearer,
    Config,
    Encoding,
    FileSink,
    PushSink,
    RetryPolicy,
    Sink,
    SpoolConfig,
)
from .errors import ComponentTrap, MetricsError
from .events import (
    Boolean,
    CodeInformation,
    CustomEvent,
    Entry,
    Event,
    FieldValue,
    Integer,
    Number,
    Reconciliation,
    RunnerInstalled,
    RunnerStart,
    RunnerStop,
    Text,
)
from .host import Host, default_host
from .stats import Dropped, Stats


def issue_event(event: Event) -> None:
    """Issue one event with the default config."""
    default_host().issue_event(event)


def issue_events(events: Iterable[Event]) -> None:
    """Issue several events in one request with the default config."""
    default_host().issue_events(events)


def issue_entries(entries: Iterable[Entry]) -> None:
    """Like ``issue_events``, with structured metadata per entry."""
    default_host().issue_entries(entries)


__all__ = [
    "Auth",
    "BasicAuth",
    "Bearer",
    "Boolean",
    "Client",
    "CodeInformation",
    "ComponentTrap",
    "Config",
    "CustomEvent",
    "Dropped",
    "Encoding",
    "Entry",
    "Event",
    "FieldValue",
    "FileSink",
    "Host",
    "Integer",
    "MetricsError",
    "Number",
    "PushSink",
    "Reconciliation",
    "RetryPolicy",
    "RunnerInstalled",
    "RunnerStart",
    "RunnerStop",
    "Sink",
    "SpoolConfig",
    "Stats",
    "Text",
    "default_host",
    "issue_entries",
    "issue_event",
    "issue_events",
]
