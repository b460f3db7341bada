"""Issue GitHub self-hosted runner metric events to Loki through the
runner-metrics WebAssembly component, run by wasmtime-py.

``issue_event(event)`` is the Python runner manager's: Promtail's default
endpoint, one attempt. A ``Client(**settings)`` is for services: its own
settings, instance, batching, retries, a spool and statistics.
``LogFile(path)`` writes the metrics log Promtail tails. Every failure the
component reports, and every value it cannot be given, is a ``MetricsError``.
The event, setting and statistics types mirror wit/, from which they are
generated.
"""

from . import _generated
from ._generated import *  # noqa: F403 (the WIT's types; their list is _generated.__all__)
from ._generated import VERSION as __version__
from ._generated import Event
from .client import Client
from .errors import ComponentTrap, MetricsError
from ._contract import ContractError
from .host import Host, default_host
from .log_file import LogFile


def issue_event(event: Event) -> None:
    """The WIT ``issue-event``: one event to Promtail's default endpoint, in
    one attempt (see wit/promtail.wit), from the default ``Host``."""
    default_host().issue_event(event)


__all__ = [
    "__version__",
    "Client",
    "ComponentTrap",
    "ContractError",
    "Host",
    "LogFile",
    "MetricsError",
    "default_host",
    "issue_event",
    *_generated.__all__,
]
