"""Lower this package's values to wasmtime-py's component values, and lift them back.

One node per WIT type, built once per component by ``_contract`` from the
generated tables and the types the component reports. Nodes check every value
before wasmtime-py sees it, because wasmtime-py 50 would otherwise:

- store an ``int`` into a C field of the WIT width with no range check (``-1``
  as a ``u32`` becomes 4294967295) and raise ``OverflowError`` past 64 bits;
- raise ``UnicodeEncodeError``, whose ``object`` is the whole string (a
  password), for a lone surrogate, which UTF-8 cannot encode;
- trap on a string of more than 2**31 - 1 UTF-8 bytes, the most the component
  model passes, after copying it for as long as a minute, and lose the
  instance;
- refuse an ``int`` for an ``f64``, and raise its own errors, naming no
  field, for a value of the wrong kind;
- hand what a ``str`` subclass's ``encode()`` returns to wasmtime's C API,
  which panics, aborting the process, when that is not UTF-8. A string is
  passed on as an exact ``str`` (``exact``), and checked as one: no method
  of a subclass decides what is measured or passed.

A value its WIT type cannot hold is ``Refused``, which the host turns into the
``invalid-event`` or ``invalid-config`` error the component gives for a bad
value, with the reasons of docs/errors.md ("Values a host refuses itself"),
word for word, as every host words them. None ever quotes a string.

Fields are named as the component names them (the WIT ``invalid-input.field``
docs): in an event, by its JSON line (``entries[3].duration``,
``fields[2].size_mb``); in a setting, by the setting, its variant cases and
``name``/``value`` for the parts of a pair (``auth.basic.user``,
``headers[0].value``). Each node is built knowing which way it names.
"""

import enum
import math
import os
import re
from collections.abc import Sequence
from typing import Any

from wasmtime.component import Record as WasmRecord
from wasmtime.component import ResourceAny
from wasmtime.component import Variant as WasmVariant

# UTF-8 cannot encode these; wasmtime-py would raise with the string inside.
SURROGATE = re.compile("[\ud800-\udfff]")

MAX_STRING_BYTES = 2**31 - 1
"""The longest string, in UTF-8 bytes, that the component model passes."""

_ENCODE_CHUNK = 1 << 20
"""Code points encoded at a time to measure a string, so that measuring
never holds a second copy of it."""


class Refused(Exception):
    """A value that its WIT type cannot hold."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def exact(value: str) -> str:
    """``value`` as an exact ``str``: itself, or a copy of a subclass's
    characters, made without calling any method the subclass overrides."""
    return str.__str__(value)


def path_text(value: Any) -> Any:
    """A path setting or argument as the component takes it: an exact
    ``str`` for a ``str`` or an ``os.PathLike`` of one; anything else (bytes,
    an ``os.PathLike`` of bytes, a number) as it is, for the lowering to
    refuse as no string."""
    path = os.fspath(value) if isinstance(value, os.PathLike) else value
    return exact(path) if isinstance(path, str) else value


def join(at: str, segment: str) -> str:
    """``at`` followed by ``segment`` (``.name`` or ``[3]``); a top-level
    field has no leading dot."""
    return segment.lstrip(".") if not at else at + segment


def _kind(value: Any) -> str:
    """What kind of value ``value`` is, in docs/errors.md's words; never the value."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "an object"


def _wrong(at: str, expected: str, value: Any) -> Refused:
    return Refused(at, f"expected {expected}, got {_kind(value)}")


def _a(name: str) -> str:
    return f"an {name}" if name.startswith(("A", "E", "I", "O", "U")) else f"a {name}"


def _decimal(value: int) -> str:
    try:
        return str(value)
    except ValueError:
        # Past Python's digit limit (sys.set_int_max_str_digits), which exists
        # because decimal conversion takes quadratic time: hex takes linear.
        return hex(value)


_TOO_LONG = f"is longer than {MAX_STRING_BYTES} bytes, the most the component model passes"
_LONE_SURROGATE = "is not well-formed Unicode: it holds a lone surrogate"


def utf8_size(value: str, limit: int) -> int:
    """The UTF-8 size of ``value``, or a size past ``limit`` once it is known
    to be. A code point takes 1 to 4 bytes, so the length alone often
    decides; otherwise it is measured a chunk at a time, never holding a
    second copy of it all. Raises ``UnicodeEncodeError`` for a lone
    surrogate (which UTF-8 cannot encode) in what it measures."""
    if value.isascii() or len(value) > limit:  # isascii is O(1) in CPython
        return len(value)
    size = 0
    for start in range(0, len(value), _ENCODE_CHUNK):
        size += len(value[start : start + _ENCODE_CHUNK].encode())
        if size > limit:
            break
    return size


def _unpassable(value: str) -> str | None:
    """Why the component model cannot pass ``value``, or ``None``."""
    if len(value) <= MAX_STRING_BYTES // 4:  # fits whatever it holds: only a surrogate can stop it
        return _LONE_SURROGATE if not value.isascii() and SURROGATE.search(value) else None
    try:
        size = utf8_size(value, MAX_STRING_BYTES)
    except UnicodeEncodeError:
        return _LONE_SURROGATE
    return _TOO_LONG if size > MAX_STRING_BYTES else None


class Node:
    """One WIT type: how a value of it is checked, converted and named."""

    def lower(self, value: Any, at: str) -> Any:
        raise TypeError(f"{at or 'value'}: this package never passes a {type(self).__name__} value")

    def lift(self, raw: Any) -> Any:
        return raw


class Bool(Node):
    def lower(self, value: Any, at: str) -> Any:
        if not isinstance(value, bool):
            raise _wrong(at, "a boolean", value)
        return value


class Int(Node):
    def __init__(self, bits: int, signed: bool):
        self.low = -(1 << (bits - 1)) if signed else 0
        self.high = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1

    def lower(self, value: Any, at: str) -> Any:
        if isinstance(value, float) and value.is_integer():
            # JavaScript cannot tell 2.0 from 2, so a whole float is the
            # integer there; the same input must mean the same here.
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(at, "an integer", value)
        if not self.low <= value <= self.high:
            # A number in a number's place is no secret: it is shown.
            raise Refused(at, f"must be an integer from {self.low} to {self.high}, got {_decimal(value)}")
        return value


class Float(Node):
    def lower(self, value: Any, at: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(at, "a number", value)
        try:
            return float(value)
        except OverflowError:
            # An int past the largest float rounds to infinity, as IEEE 754
            # rounds (and JavaScript's Number(10n ** 400n) gives): an f64 can
            # hold that, and the component judges it as any infinity.
            return math.inf if value > 0 else -math.inf


class Str(Node):
    def lower(self, value: Any, at: str) -> Any:
        if not isinstance(value, str):
            raise _wrong(at, "a string", value)
        value = exact(value)
        reason = _unpassable(value)
        if reason is not None:
            raise Refused(at, reason)
        return value


class Handle(Node):
    """An ``own`` or ``borrow`` of a resource: a handle the host holds."""

    def lower(self, value: Any, at: str) -> Any:
        # Only this package passes handles: another value is its own bug.
        if not isinstance(value, ResourceAny):
            raise TypeError(f"{at}: expected a resource handle, got {type(value).__name__}")
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
            key = value[0]
            return "" if i == 0 else f".{exact(key) if isinstance(key, str) else key}"
        if len(self.elements) == 2:
            return (".name", ".value")[i]
        return f".{i}"

    def lower(self, value: Any, at: str) -> Any:
        if not isinstance(value, (list, tuple)) or len(value) != len(self.elements):
            # The contract's tuples are all pairs.
            expected = "a pair" if len(self.elements) == 2 else f"a tuple of {len(self.elements)}"
            raise _wrong(at, expected, value)
        # In order: a key is checked before the value named by it.
        return tuple(
            node.lower(v, join(at, self._segment(value, i)))
            for i, (node, v) in enumerate(zip(self.elements, value, strict=True))
        )

    def lift(self, raw: Any) -> Any:
        return tuple(node.lift(v) for node, v in zip(self.elements, raw, strict=True))


_MISSING = object()


class Record(Node):
    """A record, from and to its generated dataclass. ``fields``: each WIT
    field's name, the class attribute, the path segment and the node."""

    def __init__(self, cls: type, fields: list[tuple[str, str, str, Node]]):
        self.cls = cls
        self.fields = fields

    def lower(self, value: Any, at: str) -> Any:
        if not isinstance(value, self.cls):
            raise _wrong(at, _a(self.cls.__name__), value)
        record = WasmRecord()
        for wit_name, attr, segment, node in self.fields:
            # A dataclass made without __init__ (copy, pickle, __new__) may lack one.
            field = getattr(value, attr, _MISSING)
            if field is _MISSING:
                raise Refused(join(at, segment or f".{attr}"), "is missing")
            setattr(record, wit_name, node.lower(field, join(at, segment)))
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
    ``named``: whether a case adds its name to the path (``auth.basic``).
    ``itself``: the segment that names a value refused as a whole, when the
    path leaves this variant out (an entry's ``.event``)."""

    def __init__(
        self,
        cases: list[Case],
        tagged: bool,
        classes: dict[str, type],
        wraps: Sequence[str],
        named: bool,
        itself: str = "",
    ):
        super().__init__(cases, tagged)
        self.classes = classes
        self.wraps = set(wraps)
        self.named = named
        self.itself = itself

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
        *others, last = [cls.__name__ for cls in self.classes.values()]
        expected = f"{', '.join(others)} or {last}" if others else last
        raise _wrong(join(at, self.itself), _a(expected), value)


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
        if not isinstance(name, str) or exact(name) not in self.names:
            raise _wrong(at, f"{_a(self.cls.__name__)} (one of {', '.join(self.names)})", value)
        return exact(name)

    def lift(self, raw: Any) -> Any:
        return self.cls(raw)
