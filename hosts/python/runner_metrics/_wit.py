"""Lower this package's values to wasmtime-py's component values, and lift them back.

One node per WIT type, built once per component by ``_contract`` from the
generated tables and the types the component reports. Nodes check every value
before wasmtime-py sees it, because wasmtime-py 50 would otherwise:

- store an ``int`` into a C field of the WIT width with no range check (``-1``
  as a ``u32`` becomes 4294967295) and raise ``OverflowError`` past 64 bits;
- raise ``UnicodeEncodeError``, whose ``object`` is the whole string (a
  password), for a lone surrogate, which UTF-8 cannot encode;
- refuse an ``int`` for an ``f64``.

A Python value of the wrong type is a ``TypeError``; a value of the right type
that the WIT type cannot hold is ``Refused``, which the host turns into the
``invalid-event`` or ``invalid-config`` error the component gives for a bad
value. Neither ever quotes the value.

Fields are named as the component names them (the WIT ``invalid-input.field``
docs): in an event, by its JSON line (``entries[3].duration``,
``fields[2].size_mb``); in a setting, by the setting, its variant cases and
``name``/``value`` for the parts of a pair (``auth.basic.user``,
``headers[0].value``). Each node is built knowing which way it names.
"""

import enum
import re
from collections.abc import Sequence
from typing import Any

from wasmtime.component import Record as WasmRecord
from wasmtime.component import ResourceAny
from wasmtime.component import Variant as WasmVariant

# UTF-8 cannot encode these; wasmtime-py would raise with the string inside.
_SURROGATE = re.compile("[\ud800-\udfff]")


class Refused(Exception):
    """A value of the right Python type that its WIT type cannot hold."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def join(at: str, segment: str) -> str:
    """``at`` followed by ``segment`` (``.name`` or ``[3]``); a top-level
    field has no leading dot."""
    return segment.lstrip(".") if not at else at + segment


def _wrong(at: str, expected: str, value: Any) -> TypeError:
    return TypeError(f"{at or 'value'}: expected {expected}, got {type(value).__name__}")


class Node:
    """One WIT type: how a value of it is checked, converted and named."""

    def lower(self, value: Any, at: str) -> Any:
        raise TypeError(f"{at or 'value'}: this package never passes a {type(self).__name__} value")

    def lift(self, raw: Any) -> Any:
        return raw


class Bool(Node):
    def lower(self, value: Any, at: str) -> Any:
        if not isinstance(value, bool):
            raise _wrong(at, "a bool", value)
        return value


class Int(Node):
    def __init__(self, bits: int, signed: bool):
        self.low = -(1 << (bits - 1)) if signed else 0
        self.high = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1

    def lower(self, value: Any, at: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(at, "an int", value)
        if not self.low <= value <= self.high:
            raise Refused(at, f"must be an integer from {self.low} to {self.high}")
        return value


class Float(Node):
    def lower(self, value: Any, at: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(at, "a float", value)
        try:
            return float(value)
        except OverflowError:
            pass  # raised below, so that the OverflowError is not its context
        raise Refused(at, "must fit in a 64-bit float; this int is too large")


class Str(Node):
    def lower(self, value: Any, at: str) -> Any:
        if not isinstance(value, str):
            raise _wrong(at, "a str", value)
        if _SURROGATE.search(value):
            raise Refused(at, "must be valid Unicode: it holds a lone surrogate, which UTF-8 cannot encode")
        return value


class Handle(Node):
    """An ``own`` or ``borrow`` of a resource: a handle the host holds."""

    def lower(self, value: Any, at: str) -> Any:
        if not isinstance(value, ResourceAny):
            raise _wrong(at, "a resource handle", value)
        return value


class List(Node):
    def __init__(self, element: Node):
        self.element = element

    def lower(self, value: Any, at: str) -> Any:
        if not isinstance(value, (list, tuple)):
            raise _wrong(at, "a list", value)
        return [self.element.lower(item, f"{at}[{i}]") for i, item in enumerate(value)]

    def lift(self, raw: Any) -> Any:
        return [self.element.lift(item) for item in raw]


class Tuple(Node):
    """A tuple. ``keyed``: a ``(key, value)`` field of an event, whose value
    is named by its key (``fields[2].size_mb``); otherwise the parts of a pair
    are ``name`` and ``value`` (``labels[0].name``)."""

    def __init__(self, elements: Sequence[Node], keyed: bool):
        self.elements = list(elements)
        self.keyed = keyed

    def _segment(self, value: Sequence[Any], i: int) -> str:
        if self.keyed:
            return "" if i == 0 else f".{value[0]}"
        if len(self.elements) == 2:
            return (".name", ".value")[i]
        return f".{i}"

    def lower(self, value: Any, at: str) -> Any:
        if not isinstance(value, (list, tuple)) or len(value) != len(self.elements):
            raise _wrong(at, f"a {len(self.elements)}-tuple", value)
        # In order: a key is checked before the value named by it.
        return tuple(
            node.lower(v, join(at, self._segment(value, i)))
            for i, (node, v) in enumerate(zip(self.elements, value, strict=True))
        )

    def lift(self, raw: Any) -> Any:
        return tuple(node.lift(v) for node, v in zip(self.elements, raw, strict=True))


class Record(Node):
    """A record, from and to its generated dataclass. ``fields``: each WIT
    field's name, the class attribute, the path segment and the node."""

    def __init__(self, cls: type, fields: list[tuple[str, str, str, Node]]):
        self.cls = cls
        self.fields = fields

    def lower(self, value: Any, at: str) -> Any:
        if not isinstance(value, self.cls):
            raise _wrong(at, self.cls.__name__, value)
        record = WasmRecord()
        for wit_name, attr, segment, node in self.fields:
            setattr(record, wit_name, node.lower(getattr(value, attr), join(at, segment)))
        return record

    def lift(self, raw: Any) -> Any:
        return self.cls(**{attr: node.lift(getattr(raw, wit_name)) for wit_name, attr, _, node in self.fields})


class Case:
    """One case of a variant, option or result."""

    def __init__(self, name: str, node: Node | None, classes: tuple[type, ...]):
        self.name = name
        self.node = node
        # The Python classes wasmtime-py lifts the payload to: how it tells
        # the cases of an untagged value apart.
        self.classes = classes

    def matches(self, raw: Any) -> bool:
        return raw is None if self.node is None else isinstance(raw, self.classes)


class _Cases(Node):
    """What variants, options and results share: ``tagged`` is wasmtime-py's
    choice between a bare payload and ``Variant(tag, payload)``."""

    def __init__(self, cases: list[Case], tagged: bool):
        self.cases = cases
        self.tagged = tagged

    def _wrap(self, case: str, payload: Any) -> Any:
        return WasmVariant(case, payload) if self.tagged else payload

    def lift(self, raw: Any) -> Any:
        """``(case, payload)``: the only variant a function returns is
        ``error``, which the host raises as a ``MetricsError``."""
        if self.tagged:
            case = next(c for c in self.cases if c.name == raw.tag)
            raw = raw.payload
        else:
            case = next(c for c in self.cases if c.matches(raw))
        return case.name, None if case.node is None else case.node.lift(raw)


class Variant(_Cases):
    """A variant. ``classes``: the generated class of each case, for the
    variants functions take; ``wraps``: the cases whose class holds the
    payload as ``value`` (the others are the payload's own record class).
    ``named``: whether a case adds its name to the path (``auth.basic``)."""

    def __init__(self, cases: list[Case], tagged: bool, classes: dict[str, type], wraps: Sequence[str], named: bool):
        super().__init__(cases, tagged)
        self.classes = classes
        self.wraps = set(wraps)
        self.named = named

    def lower(self, value: Any, at: str) -> Any:
        for case in self.cases:
            cls = self.classes.get(case.name)
            if cls is None or not isinstance(value, cls):
                continue
            if case.node is None:
                return self._wrap(case.name, None)
            payload = getattr(value, "value") if case.name in self.wraps else value  # noqa: B009 (any class)
            segment = f".{case.name}" if self.named else ""
            return self._wrap(case.name, case.node.lower(payload, join(at, segment)))
        names = " | ".join(cls.__name__ for cls in self.classes.values())
        raise _wrong(at, names or "a value this package can pass", value)


class Option(_Cases):
    def __init__(self, some: Node, tagged: bool, classes: tuple[type, ...]):
        super().__init__([Case("none", None, ()), Case("some", some, classes)], tagged)
        self.some = some

    def lower(self, value: Any, at: str) -> Any:
        if value is None:
            return self._wrap("none", None)
        return self._wrap("some", self.some.lower(value, at))

    def lift(self, raw: Any) -> Any:
        return super().lift(raw)[1]


class Result(_Cases):
    """A result: lifted as ``("ok", payload)`` or ``("err", payload)``."""


class Enum(Node):
    """An enum: its generated ``str`` enum, or the WIT name as a ``str``."""

    def __init__(self, cls: type, names: list[str]):
        self.cls = cls
        self.names = names

    def lower(self, value: Any, at: str) -> Any:
        name = value.value if isinstance(value, enum.Enum) else value
        if not isinstance(name, str) or name not in self.names:
            raise _wrong(at, f"a {self.cls.__name__} (one of {', '.join(self.names)})", value)
        return name

    def lift(self, raw: Any) -> Any:
        return self.cls(raw)
