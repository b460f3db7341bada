"""The exceptions: ``MetricsError`` for the component's WIT ``error``, and
``ComponentTrap`` for a call that trapped.

The two are kept apart on purpose: a ``MetricsError`` is an answer (the
instance is fine, and the case says what to do), a ``ComponentTrap`` means the
instance was lost and whatever it buffered with it.
"""

import functools
from typing import Any, Dict, Optional, Tuple

_CASE_FIELDS = {
    "invalid-event": ("field", "reason"),
    "invalid-config": ("field", "reason"),
    "transport": ("code", "detail"),
    "timeout": ("timeout_ms",),
    "rejected": ("status", "body", "retry_after_ms"),
    "storage": ("path", "detail"),
    "spooled": ("events", "cause"),
}


class MetricsError(Exception):
    """A call failed with the WIT ``error`` variant of the ``promtail`` interface.

    ``case`` is the WIT case name (kebab-case) and the payload's fields are
    attributes (snake_case); the attributes of other cases are ``None``.
    ``fields`` holds just this case's. The component never puts a credential
    or a header value in any of them.
    """

    field: Optional[str] = None
    """invalid-event, invalid-config: where the bad value is (``duration``, ``events[3].duration``, ...)."""
    reason: Optional[str] = None
    """invalid-event, invalid-config: why it was refused."""
    code: Optional[str] = None
    """transport: the host's ``wasi:http`` error code, e.g. ``connection-refused``."""
    detail: Optional[str] = None
    """transport (may be ``None``), storage: more detail."""
    timeout_ms: Optional[int] = None
    """timeout: the per-request time limit that ran out."""
    status: Optional[int] = None
    """rejected: the HTTP status."""
    body: Optional[str] = None
    """rejected: the first KiB of the answer."""
    retry_after_ms: Optional[int] = None
    """rejected: the answer's ``Retry-After`` in ms, or ``None``."""
    path: Optional[str] = None
    """storage: the file or directory the component tried to use."""
    events: Optional[int] = None
    """spooled: how many events of the call went to the spool."""
    cause: Optional[str] = None
    """spooled: why delivery failed."""

    def __init__(self, case: str, **fields: Any):
        if case not in _CASE_FIELDS:
            raise ValueError(f"no WIT error case {case!r}")
        if set(fields) != set(_CASE_FIELDS[case]):
            raise TypeError(f"case {case!r} has the fields {_CASE_FIELDS[case]}, not {tuple(fields)}")
        super().__init__(_describe(case, fields))
        self.case = case
        self.fields: Dict[str, Any] = fields
        for name, value in fields.items():
            setattr(self, name, value)

    @classmethod
    def _from_wit(cls, error: Any) -> "MetricsError":
        """From the lifted WIT error, ``Variant(case, payload)``."""
        if error.tag == "timeout":
            return cls("timeout", timeout_ms=error.payload)
        return cls(error.tag, **error.payload)

    def __reduce__(self) -> Tuple[Any, Tuple[()]]:
        # Exception's own pickling would call MetricsError(message).
        return functools.partial(MetricsError, self.case, **self.fields), ()

    def __repr__(self) -> str:
        shown = "".join(f", {name}={value!r}" for name, value in self.fields.items())
        return f"MetricsError({self.case!r}{shown})"


def _describe(case: str, f: Dict[str, Any]) -> str:
    """The message, worded as the Rust host words it."""
    if case in ("invalid-event", "invalid-config"):
        return f"{case.replace('-', ' ')}: {f['field']}: {f['reason']}"
    if case == "transport":
        detail = f" ({f['detail']})" if f["detail"] is not None else ""
        return f"transport failure: {f['code']}{detail}"
    if case == "timeout":
        return f"no answer within {f['timeout_ms']} ms"
    if case == "storage":
        return f"storage failure: {f['path']}: {f['detail']}"
    if case == "spooled":
        return f"{f['events']} events spooled after: {f['cause']}"
    message = f"the receiver answered {f['status']}"
    if f["retry_after_ms"] is not None:
        message += f" (retry after {f['retry_after_ms']} ms)"
    if f["body"]:
        message += f": {f['body'].rstrip()}"
    return message


class ComponentTrap(Exception):
    """A call into the component trapped, or wasmtime refused to make it.

    The contract says no input makes the component trap, so this is a bug in
    the component or the host. The ``Host`` has already thrown the instance
    away: the next call runs in a fresh one, and a ``Client`` makes its guest
    client again there with its config. What the old instance buffered, and
    its clients' stats, are lost. The wasmtime error is ``__cause__``.
    """

    def __init__(self, function: str, error: Exception):
        super().__init__(f"{function} trapped, the instance was replaced: {error}")
        self.function = function
