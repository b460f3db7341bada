"""The metric events of WIT interface ``events``, and ``entry`` of ``promtail``.

Each record becomes one JSON line: ``timestamp``, ``event`` (the snake_case
event name), then the fields in the order declared here, under these same
names; ``None`` fields are left out. Grafana dashboards read those lines, so the
names are a contract. Every ``timestamp`` is Unix time in seconds and every
duration is in seconds; both must be finite and >= 0 (the component checks).

The ``_wit_case`` class attributes name the WIT variant case a class stands
for; the conversion layer reads them, users never need to.
"""

from dataclasses import dataclass, field
from typing import ClassVar, List, Optional, Tuple, Union


@dataclass(frozen=True, kw_only=True)
class RunnerInstalled:
    """A runner finished installing. Event name ``runner_installed``."""

    _wit_case: ClassVar[str] = "runner-installed"
    timestamp: float
    flavor: str
    duration: float


@dataclass(frozen=True, kw_only=True)
class RunnerStart:
    """A runner picked up a job. Event name ``runner_start``.

    ``queue_duration`` is ``None`` when GitHub's API did not say.
    """

    _wit_case: ClassVar[str] = "runner-start"
    timestamp: float
    flavor: str
    workflow: str
    repo: str
    github_event: str
    idle: float
    queue_duration: Optional[float] = None


@dataclass(frozen=True)
class CodeInformation:
    """A code attached to a stop status, written nested as ``{"code": N}``."""

    code: int


@dataclass(frozen=True, kw_only=True)
class RunnerStop:
    """A runner finished (or abandoned) a job. Event name ``runner_stop``."""

    _wit_case: ClassVar[str] = "runner-stop"
    timestamp: float
    flavor: str
    workflow: str
    repo: str
    github_event: str
    status: str
    status_info: Optional[CodeInformation] = None
    job_duration: float
    job_conclusion: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class Reconciliation:
    """A reconciliation loop finished. Event name ``reconciliation``. Counts are >= 0."""

    _wit_case: ClassVar[str] = "reconciliation"
    timestamp: float
    flavor: str
    crashed_runners: int
    idle_runners: int
    active_runners: int
    expected_runners: int
    duration: float


@dataclass(frozen=True)
class Boolean:
    """A custom field written as ``true`` or ``false``."""

    _wit_case: ClassVar[str] = "boolean"
    value: bool


@dataclass(frozen=True)
class Integer:
    """A custom field written as a JSON integer (a signed 64-bit value)."""

    _wit_case: ClassVar[str] = "integer"
    value: int


@dataclass(frozen=True)
class Number:
    """A custom field written as a JSON number with a fraction (``12.0``); finite."""

    _wit_case: ClassVar[str] = "number"
    value: float


@dataclass(frozen=True)
class Text:
    """A custom field written as a JSON string."""

    _wit_case: ClassVar[str] = "text"
    value: str


FieldValue = Union[Boolean, Integer, Number, Text]


@dataclass(frozen=True, kw_only=True)
class CustomEvent:
    """An event the contract does not model. Its line is ``timestamp``,
    ``event`` (= ``name``), then ``fields`` in order.

    ``name`` and the keys are snake_case (``[a-z][a-z0-9_]*``); keys are unique
    and not ``timestamp`` or ``event``; ``name`` is not a built-in event's.
    """

    _wit_case: ClassVar[str] = "custom"
    name: str
    timestamp: float
    fields: List[Tuple[str, FieldValue]] = field(default_factory=list)


Event = Union[RunnerInstalled, RunnerStart, RunnerStop, Reconciliation, CustomEvent]


@dataclass(frozen=True)
class Entry:
    """An event with structured metadata (Loki 3) for its entry only, added
    after the config's ``structured_metadata``."""

    event: Event
    metadata: Optional[List[Tuple[str, str]]] = None
