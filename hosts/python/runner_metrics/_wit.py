"""Convert between this package's Python values and wasmtime-py's component values.

wasmtime-py 50 lowers a value by the shape of the WIT type, with rules that are
easy to get wrong by hand:

- a record is any object with attributes named as the WIT fields (kebab-case);
- a variant, option or result is its bare payload, unless two of its cases
  lower from the same Python class: then it must be ``Variant(tag, payload)``.
  So ``option<string>`` is ``None`` or a ``str``, but ``option<sink>`` is
  ``Variant("none")`` or ``Variant("some", ...)``, because ``sink`` has a case
  without payload, like ``none``;
- ``f64`` must be a ``float`` (an ``int`` is refused) and integers are stored
  into C fields of their width without any range check, so ``-1`` as a ``u32``
  would silently become 4294967295.

Both directions here walk the WIT type the component reports, so every one of
these rules is applied from the type, never guessed from the value.
"""

import dataclasses
import enum
from typing import Any, List, Optional, Tuple

from wasmtime.component import (
    Bool,
    EnumType,
    F32,
    F64,
    ListType,
    OptionType,
    Record,
    RecordType,
    ResultType,
    S8,
    S16,
    S32,
    S64,
    String,
    TupleType,
    U8,
    U16,
    U32,
    U64,
    ValType,
    Variant,
    VariantType,
)

_INT_RANGES = {
    U8: (0, 2**8 - 1),
    U16: (0, 2**16 - 1),
    U32: (0, 2**32 - 1),
    U64: (0, 2**64 - 1),
    S8: (-(2**7), 2**7 - 1),
    S16: (-(2**15), 2**15 - 1),
    S32: (-(2**31), 2**31 - 1),
    S64: (-(2**63), 2**63 - 1),
}

Cases = List[Tuple[str, Optional[ValType]]]


class OutOfRange(ValueError):
    """A value of the right Python type that the WIT type cannot hold.

    The caller turns it into the ``invalid-event`` or ``invalid-config`` error
    the component would have returned, with ``field`` named the same way.
    """

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def snake(wit_name: str) -> str:
    """The Python (and JSON line) name of a WIT name: ``github-event`` -> ``github_event``."""
    return wit_name.replace("-", "_")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _cases(ty: ValType) -> Cases:
    if isinstance(ty, VariantType):
        return ty.cases
    if isinstance(ty, OptionType):
        return [("none", None), ("some", ty.payload)]
    assert isinstance(ty, ResultType)
    return [("ok", ty.ok), ("err", ty.err)]


def _tagged(ty: ValType) -> bool:
    # The library's own decision (private, hence the pinned wasmtime version):
    # replicating it could drift from how it really lowers and lifts.
    return ty._tagged()  # type: ignore[attr-defined]


def lower(ty: ValType, value: Any, path: str = "") -> Any:
    """This package's ``value`` as wasmtime-py wants it for ``ty``.

    Records come from dataclasses (snake_case attributes); variant cases from
    dataclasses with a ``_wit_case`` class attribute, whose payload is the
    object itself when the case holds a record, else its only field.
    ``path`` names the value in errors, as the component names fields.
    """
    if isinstance(ty, RecordType):
        record = Record()
        for name, field_ty in ty.fields:
            try:
                field = getattr(value, snake(name))
            except AttributeError:
                raise TypeError(
                    f"{path or 'value'}: expected a record with field {snake(name)!r}, "
                    f"got {type(value).__name__}"
                ) from None
            setattr(record, name, lower(field_ty, field, _join(path, snake(name))))
        return record
    if isinstance(ty, OptionType):
        if value is None:
            return Variant("none") if _tagged(ty) else None
        some = lower(ty.payload, value, path)
        return Variant("some", some) if _tagged(ty) else some
    if isinstance(ty, VariantType):
        return _lower_case(ty, value, path)
    if isinstance(ty, ListType):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{path or 'value'}: expected a list, got {type(value).__name__}")
        return [lower(ty.element, item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(ty, TupleType):
        elements = ty.elements
        if not isinstance(value, (list, tuple)) or len(value) != len(elements):
            raise TypeError(f"{path or 'value'}: expected a {len(elements)}-tuple")
        return tuple(lower(t, v, path) for t, v in zip(elements, value))
    if isinstance(ty, EnumType):
        name = value.value if isinstance(value, enum.Enum) else value
        if name not in ty.names:
            raise TypeError(f"{path or 'value'}: expected one of {ty.names}, got {name!r}")
        return name
    if isinstance(ty, (F64, F32)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{path or 'value'}: expected a number, got {type(value).__name__}")
        return float(value)
    if type(ty) in _INT_RANGES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{path or 'value'}: expected an int, got {type(value).__name__}")
        low, high = _INT_RANGES[type(ty)]
        if not low <= value <= high:
            raise OutOfRange(path or "value", f"must be an integer from {low} to {high}, got {value}")
        return value
    if isinstance(ty, Bool) and not isinstance(value, bool):
        raise TypeError(f"{path or 'value'}: expected a bool, got {type(value).__name__}")
    if isinstance(ty, String) and not isinstance(value, str):
        raise TypeError(f"{path or 'value'}: expected a str, got {type(value).__name__}")
    # bool, str, and resource handles pass through unchanged.
    return value


def _lower_case(ty: VariantType, value: Any, path: str) -> Any:
    cases = dict(ty.cases)
    case = getattr(value, "_wit_case", None)
    if case not in cases:
        raise TypeError(
            f"{path or 'value'}: expected a value for one of the cases {list(cases)}, "
            f"got {type(value).__name__}"
        )
    payload_ty = cases[case]
    if payload_ty is None:
        payload = None
    elif isinstance(payload_ty, RecordType):
        payload = lower(payload_ty, value, path)
    else:
        (field,) = dataclasses.fields(value)
        payload = lower(payload_ty, getattr(value, field.name), path)
    return Variant(case, payload) if _tagged(ty) else payload


def lift(ty: ValType, raw: Any) -> Any:
    """A value wasmtime-py returned for ``ty``, in a shape that does not depend
    on wasmtime-py's tagging rules: records become dicts with snake_case keys,
    variants and results always ``Variant(case, payload)``, options ``None`` or
    the value.
    """
    if isinstance(ty, RecordType):
        return {snake(name): lift(field_ty, getattr(raw, name)) for name, field_ty in ty.fields}
    if isinstance(ty, (VariantType, OptionType, ResultType)):
        case, payload_ty, payload = _case_of(ty, raw)
        lifted = None if payload_ty is None else lift(payload_ty, payload)
        if isinstance(ty, OptionType):
            return lifted
        return Variant(case, lifted)
    if isinstance(ty, ListType):
        return [lift(ty.element, item) for item in raw]
    if isinstance(ty, TupleType):
        return tuple(lift(t, v) for t, v in zip(ty.elements, raw))
    # Numbers, bools, strings, enum names and resource handles are already Python values.
    return raw


def _case_of(ty: ValType, raw: Any) -> Tuple[str, Optional[ValType], Any]:
    """Which case ``raw`` is, found the way wasmtime-py picks one when lowering."""
    cases = _cases(ty)
    if _tagged(ty):
        return raw.tag, dict(cases)[raw.tag], raw.payload
    for case, payload_ty in cases:
        if payload_ty is None:
            if raw is None:
                return case, None, None
            continue
        classes: set = set()
        payload_ty.add_classes(classes)
        if isinstance(raw, tuple(classes)):
            return case, payload_ty, raw
    raise TypeError(f"no case of the WIT type matches {type(raw).__name__}")
