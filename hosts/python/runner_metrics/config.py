"""The ``config`` record of WIT interface ``promtail``, and what it holds.

Every field defaults to the component's default (``None`` or empty), so
``Config()`` is Promtail on ``http://localhost:3100/loki/api/v1/push`` with a
5 s timeout and 10 attempts. The component validates a config when a
``Client`` is made; a bad one is a ``MetricsError`` with case
``invalid-config`` then, never later.

Reprs never show a password, a token, a header value or credentials in the
endpoint URL, so a config can be logged.
"""

import enum
import urllib.parse
from dataclasses import dataclass, field, fields
from typing import ClassVar, List, Optional, Tuple, Union

_REDACTED = "<redacted>"


class Encoding(str, enum.Enum):
    """How push bodies are encoded."""

    JSON = "json"
    """``application/json``, as the Python original sends."""
    JSON_GZIP = "json-gzip"
    """JSON compressed with gzip, ``Content-Encoding: gzip``."""
    PROTOBUF = "protobuf"
    """Loki's ``logproto.PushRequest``, snappy-compressed."""


@dataclass(frozen=True, kw_only=True)
class BasicAuth:
    """``Authorization: Basic``. ``user`` must not contain ``:``."""

    _wit_case: ClassVar[str] = "basic"
    user: str
    password: str

    def __repr__(self) -> str:
        return f"BasicAuth(user={self.user!r}, password={_REDACTED})"


@dataclass(frozen=True)
class Bearer:
    """``Authorization: Bearer <token>``."""

    _wit_case: ClassVar[str] = "bearer"
    token: str

    def __repr__(self) -> str:
        return f"Bearer(token={_REDACTED})"


Auth = Union[BasicAuth, Bearer]


@dataclass(frozen=True)
class PushSink:
    """Push lines to the endpoint (the default)."""

    _wit_case: ClassVar[str] = "push"


@dataclass(frozen=True)
class FileSink:
    """Append lines to this file instead, as the Python runner manager writes
    the log Promtail tails. The path must lie in a directory the ``Host``
    preopened."""

    _wit_case: ClassVar[str] = "file"
    path: str


Sink = Union[PushSink, FileSink]


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """When a failed push is tried again; ``None`` means the default.

    Retried: transport failures, timeouts, 429, and 5xx except 501; backoff
    doubles from ``min_backoff_ms`` to ``max_backoff_ms``, with jitter, and a
    ``Retry-After`` replaces it. No call lasts past ``deadline_ms``.
    """

    max_attempts: Optional[int] = None
    """Attempts per request, the first included; default 10."""
    min_backoff_ms: Optional[int] = None
    """Default 500."""
    max_backoff_ms: Optional[int] = None
    """Default 5000."""
    deadline_ms: Optional[int] = None
    """The longest one call may take with its retries; default 30000."""


@dataclass(frozen=True, kw_only=True)
class SpoolConfig:
    """A directory (preopened by the ``Host``) where undeliverable batches
    wait to be replayed. Use one client per spool directory."""

    dir: str
    max_bytes: Optional[int] = None
    """Past it the oldest batches are dropped; default 64 MiB."""
    max_age_ms: Optional[int] = None
    """Older batches are dropped; default 24 hours."""


@dataclass(frozen=True, kw_only=True)
class Config:
    """How a ``Client`` reaches its receiver. See the WIT ``config`` record."""

    endpoint: Optional[str] = None
    """``http://`` or ``https://``; default ``http://localhost:3100/loki/api/v1/push``."""
    labels: List[Tuple[str, str]] = field(default_factory=list)
    """Static stream labels, after ``job`` and before ``event``; ``job`` replaces the default."""
    timeout_ms: Optional[int] = None
    """One request, connect to last byte of the answer; default 5000."""
    encoding: Optional[Encoding] = None
    """Default ``Encoding.JSON``."""
    tenant: Optional[str] = None
    """Sent as ``X-Scope-OrgID``."""
    auth: Optional[Auth] = None
    headers: List[Tuple[str, str]] = field(default_factory=list)
    """More request headers; not the ones the component or the transport owns."""
    structured_metadata: List[Tuple[str, str]] = field(default_factory=list)
    """Added to every entry (Loki 3)."""
    use_event_timestamp: bool = False
    """Entry timestamp = the event's ``timestamp`` instead of the time of the call."""
    batch_max_events: Optional[int] = None
    """Buffer up to this many events before pushing; default 1 (push at once)."""
    batch_max_bytes: Optional[int] = None
    """Push and split requests at this many line bytes; default 1 MiB."""
    retry: Optional[RetryPolicy] = None
    sink: Optional[Sink] = None
    spool: Optional[SpoolConfig] = None

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "headers":
                text = "[" + ", ".join(f"({name!r}, {_REDACTED})" for name, _ in value) + "]"
            elif f.name == "endpoint" and value is not None:
                text = repr(_without_userinfo(value))
            else:
                text = repr(value)
            shown.append(f"{f.name}={text}")
        return f"Config({', '.join(shown)})"


def _without_userinfo(url: str) -> str:
    """``url`` with any ``user:password@`` replaced. The component refuses
    such URLs, but the mistake should not leak through a log of the config."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{_REDACTED}@{host}"))
