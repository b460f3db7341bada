"""Check a component against the contract this package was generated from,
and build the ``_wit`` nodes that convert each function's values.

The WIT promises that records and variants keep their shape within a minor
version, and that new settings are new functions: so every function of the
generated tables must be exported with exactly the tables' types (checked
here, when the component is loaded, instead of failing at some later call),
and functions the tables do not know, such as a newer component's setters,
are left alone.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from wasmtime import Engine
from wasmtime.component import (
    F32,
    F64,
    S8,
    S16,
    S32,
    S64,
    U8,
    U16,
    U32,
    U64,
    Bool,
    BorrowType,
    ComponentInstanceType,
    ComponentType,
    EnumType,
    FuncType,
    ListType,
    OptionType,
    OwnType,
    RecordType,
    ResultType,
    String,
    TupleType,
    ValType,
    VariantType,
)

from . import _wit
from ._generated import CASES, CLASSES, FUNCTIONS, INTERFACES, PACKAGE, SETTERS, TYPES

T = TypeVar("T")

INTERFACE = "promtail"
"""The interface whose functions the hosts call."""

LINE_TYPE = "event"
"""The type whose values are named by their JSON line in errors (see the WIT
``invalid-input.field``): no variant case, no ``.event`` for an entry's event."""

# Each primitive: the type wasmtime-py reports for it, and its node.
_PRIMITIVES: dict[str, tuple[type, Callable[[], _wit.Node]]] = {
    "bool": (Bool, _wit.Bool),
    "s8": (S8, lambda: _wit.Int(8, True)),
    "s16": (S16, lambda: _wit.Int(16, True)),
    "s32": (S32, lambda: _wit.Int(32, True)),
    "s64": (S64, lambda: _wit.Int(64, True)),
    "u8": (U8, lambda: _wit.Int(8, False)),
    "u16": (U16, lambda: _wit.Int(16, False)),
    "u32": (U32, lambda: _wit.Int(32, False)),
    "u64": (U64, lambda: _wit.Int(64, False)),
    "f32": (F32, _wit.Float),
    "f64": (F64, _wit.Float),
    "string": (String, _wit.Str),
}


class ContractError(Exception):
    """The component does not implement the contract this package knows."""


class Signature:
    """One function: its parameters as ``(path root, node)``, its result, and
    the error case a refused argument is (as the component would name it)."""

    def __init__(self, name: str, params: list[tuple[str, _wit.Node]], result: _wit.Node | None):
        self.name = name
        self.params = params
        self.result = result
        configures = name.startswith("[constructor]") or name.startswith("[method]options.")
        self.refusal = "invalid-config" if configures else "invalid-event"


def read(component: ComponentType, engine: Engine) -> dict[str, Signature]:
    """Every function of the tables, checked against ``component``."""
    exports = component.exports(engine)
    name = INTERFACES[INTERFACE]
    if name not in exports:
        raise ContractError(f"it does not export {name} (this package is for {PACKAGE})")
    funcs = _expect(exports[name].ty, ComponentInstanceType, name, "an instance").exports(engine)
    roots = {f"[method]options.{setter}": setting for setting, setter, _, _ in SETTERS}
    signatures = {}
    for fname, table in FUNCTIONS[INTERFACE].items():
        if fname not in funcs:
            raise ContractError(f"it does not export {name}#{fname}")
        fty = _expect(funcs[fname].ty, FuncType, fname, "a function")
        signatures[fname] = _signature(fname, table, fty, roots.get(fname))
    return signatures


def _signature(name: str, table: dict[str, Any], fty: FuncType, setting: str | None) -> Signature:
    got = fty.params
    want = table["params"]
    _same(name, "parameters", [p for p, _ in got], [p for p, _ in want])
    params = []
    for (pname, ref), (_, vt) in zip(want, got, strict=True):
        # An event is named by its line (`duration`), a setter's value by its
        # setting (`timeout-ms`), anything else by its parameter (`entries[3]`).
        if ref == LINE_TYPE:
            root = ""
        elif setting is not None and pname != "self":
            root = setting
        else:
            root = pname
        params.append((root, _node(ref, vt, f"{name}({pname})", line=False)))
    result = fty.result
    if (result is None) != (table["result"] is None):
        raise ContractError(f"{name}: the result differs from the contract's")
    lifted = None if result is None else _node(table["result"], result, f"{name} result", line=False)
    return Signature(name, params, lifted)


def _expect(vt: Any, kind: type[T], where: str, want: Any) -> T:
    """``vt`` if it is a ``kind``, as the contract requires."""
    if not isinstance(vt, kind):
        raise ContractError(f"{where}: the component has a {type(vt).__name__} where the contract has {want}")
    return vt


def _classes(vt: ValType | None) -> tuple[type, ...]:
    found: set[type] = set()
    if vt is not None:
        vt.add_classes(found)
    return tuple(found)


def _tagged(vt: Any) -> bool:
    # wasmtime-py's own choice between a bare payload and `Variant(...)`
    # (private, hence `wasmtime<51`): replicating it could drift from what it
    # really does.
    return bool(vt._tagged())


def _node(ref: Any, vt: ValType, where: str, line: bool) -> _wit.Node:
    """The node of table type ``ref``, checked against the component's ``vt``.
    ``line``: inside an event, named by its JSON line."""
    if isinstance(ref, dict):
        return _structural(ref, vt, where, line)
    if ref in _PRIMITIVES:
        reported, node = _PRIMITIVES[ref]
        _expect(vt, reported, where, ref)
        return node()
    entry = TYPES[ref]
    kind = entry["kind"]
    line = line or ref == LINE_TYPE
    where = f"{where}: {ref}"
    if kind == "alias":
        return _node(entry["type"], vt, where, line)
    if kind == "record":
        return _record(ref, entry, _expect(vt, RecordType, where, "a record"), where, line)
    if kind == "variant":
        return _variant(ref, entry, _expect(vt, VariantType, where, "a variant"), where, line)
    if kind == "enum":
        _same(where, "cases", _expect(vt, EnumType, where, "an enum").names, entry["cases"])
        return _wit.Enum(CLASSES[ref], entry["cases"])
    raise ContractError(f"{where}: a {kind} cannot be a value")


def _same(where: str, what: str, got: list[str], want: list[str]) -> None:
    if got != want:
        raise ContractError(f"{where}: the component has the {what} {got}, the contract {want}")


def _record(name: str, entry: dict[str, Any], vt: RecordType, where: str, line: bool) -> _wit.Node:
    got = vt.fields
    _same(where, "fields", [n for n, _ in got], [n for n, _ in entry["fields"]])
    fields = []
    for (field, ref), (_, field_vt) in zip(entry["fields"], got, strict=True):
        attr = field.replace("-", "_")
        # An entry's event is named by its own fields (`entries[3].duration`).
        segment = "" if ref == LINE_TYPE else f".{attr}"
        fields.append((field, attr, segment, _node(ref, field_vt, f"{where}.{field}", line)))
    return _wit.Record(CLASSES[name], fields)


def _variant(name: str, entry: dict[str, Any], vt: VariantType, where: str, line: bool) -> _wit.Node:
    got = vt.cases
    _same(where, "cases", [n for n, _ in got], [n for n, _ in entry["cases"]])
    cases = [
        _case(case, ref, case_vt, f"{where}.{case}", line)
        for (case, ref), (_, case_vt) in zip(entry["cases"], got, strict=True)
    ]
    classes = CASES.get(name, {})
    wraps = [case for case, ref in entry["cases"] if case in classes and classes[case] is not CLASSES.get(ref)]
    # In an event the line has no case names (`fields[2].size_mb`); in a
    # setting they are part of the path (`auth.basic.user`). An event is
    # named by its own fields, and when refused as a whole, `event`.
    itself = ".event" if name == LINE_TYPE else ""
    return _wit.Variant(cases, _tagged(vt), classes, wraps, named=not line, itself=itself)


def _case(name: str, ref: Any, vt: ValType | None, where: str, line: bool) -> _wit.Case:
    if (ref is None) != (vt is None):
        raise ContractError(f"{where}: the payload differs from the contract's")
    node = None if ref is None or vt is None else _node(ref, vt, where, line)
    return _wit.Case(name, node, _classes(vt))


def _structural(ref: dict[str, Any], vt: ValType, where: str, line: bool) -> _wit.Node:
    ((kind, inner),) = ref.items()
    if kind == "list":
        element = _expect(vt, ListType, where, "a list").element
        return _wit.List(_node(inner, element, f"{where}[]", line))
    if kind == "option":
        option = _expect(vt, OptionType, where, "an option")
        payload = option.payload
        return _wit.Option(_node(inner, payload, where, line), _tagged(option), _classes(payload))
    if kind == "tuple":
        got = _expect(vt, TupleType, where, "a tuple").elements
        if len(got) != len(inner):
            raise ContractError(f"{where}: a {len(got)}-tuple, not a {len(inner)}-tuple")
        return _wit.Tuple([_node(r, v, where, line) for r, v in zip(inner, got, strict=True)], keyed=line)
    if kind == "result":
        result = _expect(vt, ResultType, where, "a result")
        ok, err = inner
        cases = [_case("ok", ok, result.ok, f"{where} ok", line), _case("err", err, result.err, f"{where} err", line)]
        return _wit.Result(cases, _tagged(result))
    if kind in ("own", "borrow"):
        _expect(vt, OwnType if kind == "own" else BorrowType, where, f"{kind}<{inner}>")
        return _wit.Handle()
    raise ContractError(f"{where}: no conversion for a {kind}")
