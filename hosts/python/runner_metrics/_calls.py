"""What one call that carries events may hold: the WIT's ``client.issue``
limits (1048576 entries, 268435456 bytes of text), checked before the call
because the component could only trap on what does not fit its memory.

``too_much_text`` walks the argument generically (lists, tuples, dicts,
dataclasses, strings), so it lists no WIT field.
"""

import dataclasses
from collections.abc import Iterable
from typing import Any

CALL_ITEMS_MAX = 1 << 20
"""The most entries (or events) one call takes."""

CALL_TEXT_MAX = 1 << 28
"""The most bytes of text (UTF-8, all strings summed) one call takes."""


def as_list(values: Iterable[Any] | Any) -> Any:
    """An iterable of events or entries as a list; anything else as it is,
    for the lowering to refuse in the component's words (a string or a
    mapping is one value, not a list of them)."""
    if isinstance(values, (list, tuple)):
        return values
    if isinstance(values, (str, bytes, dict)) or dataclasses.is_dataclass(values):
        return values
    try:
        return list(values)
    except TypeError:
        return values


def too_many(arg: Any) -> str | None:
    """Why the list ``arg`` has more items than one call takes, or ``None``."""
    if isinstance(arg, (list, tuple)) and len(arg) > CALL_ITEMS_MAX:
        return f"holds {len(arg)} items, more than the {CALL_ITEMS_MAX} one call takes"
    return None


def too_much_text(arg: Any) -> str | None:
    """Why ``arg`` holds more text than one call takes, or ``None``."""
    total = 0
    stack = [arg]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            total += _utf8_bytes(value, CALL_TEXT_MAX - total)
            if total > CALL_TEXT_MAX:
                return f"holds more than {CALL_TEXT_MAX} bytes of text, the most one call takes"
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            stack.extend(getattr(value, f.name) for f in dataclasses.fields(value))
    return None


_CHUNK = 1 << 20


def _utf8_bytes(value: str, room: int) -> int:
    """The UTF-8 size of ``value``, or a size past ``room`` once it is known
    to be; measured a chunk at a time, never holding a copy of it all."""
    if value.isascii() or len(value) > room:  # a code point takes 1 to 4 bytes
        return len(value)
    size = 0
    for start in range(0, len(value), _CHUNK):
        size += len(value[start : start + _CHUNK].encode("utf-8", "surrogatepass"))
        if size > room:
            break
    return size
