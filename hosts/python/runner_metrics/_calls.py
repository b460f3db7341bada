"""What one call that carries events may hold: the WIT's ``client.issue``
limits (``_generated.CALL_ITEMS_MAX`` and ``CALL_TEXT_MAX``, from the WIT),
checked before the call
because the component could only trap on what does not fit its memory.

``too_much_text`` walks the argument generically (lists, tuples, dicts,
dataclasses, strings), so it lists no WIT field.
"""

import dataclasses
from collections.abc import Iterable
from typing import Any

from ._generated import CALL_ITEMS_MAX, CALL_TEXT_MAX
from ._wit import exact, utf8_size


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
            # Measured as the exact str passed on, not by a subclass's methods.
            total += utf8_size(exact(value), CALL_TEXT_MAX - total)  # passable: no surrogate
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

