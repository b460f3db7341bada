"""The exceptions: ``MetricsError`` for the component's WIT ``error``, and
``ComponentTrap`` for a call that trapped.

They are kept apart on purpose: a ``MetricsError`` is an answer (the instance
is fine, and the case says what happened), a ``ComponentTrap`` means the
instance was lost, and whatever it buffered with it.
"""

from typing import Any

# What Rust's `str::trim_end` removes (Unicode White_Space), which the
# component uses for the same text: `str.rstrip()` would also remove
# U+001C..U+001F, and the texts would differ.
_WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
)


class MetricsError(Exception):
    """A call failed with a case of the WIT ``error`` variant.

    ``case`` is the WIT case name (``invalid-event``, ``transport``, ...), and
    ``payload`` its payload: the generated record (``InvalidInput``,
    ``Rejection``, ...), or the bare value (``timeout``'s milliseconds). The
    message is the case's one text (docs/errors.md), the same as the client's
    ``stats().last_error``. Neither holds a credential or a header value.
    """

    def __init__(self, case: str, payload: Any):
        super().__init__(describe(case, payload))
        self.case = case
        self.payload = payload

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling would call MetricsError(message).
        return MetricsError, (self.case, self.payload)

    def __repr__(self) -> str:
        return f"MetricsError({self.case!r}, {self.payload!r})"


def describe(case: str, payload: Any) -> str:
    """The text of an error, exactly as docs/errors.md words it."""
    if case == "invalid-event":
        return f"invalid event: {payload.field}: {payload.reason}"
    if case == "invalid-config":
        return f"invalid config: {payload.field}: {payload.reason}"
    if case == "transport":
        detail = "" if payload.detail is None else f" ({payload.detail})"
        return f"transport failure: {payload.code}{detail}"
    if case == "timeout":
        return f"no answer within {payload} ms"
    if case == "rejected":
        text = f"the receiver answered {payload.status}"
        if payload.retry_after_ms is not None:
            text += f" (retry after {payload.retry_after_ms} ms)"
        body = payload.body.rstrip(_WHITE_SPACE)
        return f"{text}: {body}" if body else text
    if case == "storage":
        return f"storage failure: {payload.path}: {payload.detail}"
    if case == "spooled":
        return f"{payload.events} events spooled after: {payload.cause}"
    raise ValueError(f"no WIT error case {case!r}")


class ComponentTrap(Exception):
    """A call into the component trapped, or wasmtime refused to make it.

    The contract says no input makes the component trap, so this is a bug in
    the component or this package. The ``Host`` has already replaced the
    instance: the next call runs in a fresh one, where a ``Client`` or
    ``LogFile`` makes its resource again with the arguments it was made with.
    What the old instance buffered, and its clients' stats, are lost. The
    wasmtime error is ``__cause__``.
    """

    def __init__(self, function: str, error: Exception):
        super().__init__(f"{function} trapped, and the instance was replaced: {error}")
        self.function = function
