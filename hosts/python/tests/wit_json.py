"""WIT-shaped JSON (conformance/README.md) to this package's values, driven by
the generated tables: so the fixtures also check that every WIT type has the
Python class the tables name."""

from typing import Any

from runner_metrics._generated import CASES, CLASSES, SETTERS, TYPES

SETTING_TYPES = {setting: ty for setting, _, _, ty in SETTERS}
FLOATS = ("f32", "f64")


def value(ty: Any, v: Any, exact: bool = False) -> Any:
    """`v` as a value of table type `ty`. A variant only returned (`error`)
    becomes `(case, payload)`, as the host lifts it. `exact`: a JSON string,
    number or boolean stays as JSON gave it, whatever `ty` takes (for
    values.json, whose values are of the wrong kind on purpose)."""
    if isinstance(ty, dict):
        ((kind, inner),) = ty.items()
        if exact and not isinstance(v, (list, dict)):
            return v
        if kind == "list":
            return [value(inner, x, exact) for x in v]
        if kind == "option":
            return None if v is None else value(inner, v, exact)
        if kind == "tuple":
            return tuple(value(t, x, exact) for t, x in zip(inner, v, strict=True))
        raise ValueError(f"no JSON form for {ty}")
    if ty in FLOATS:
        return v if exact else float(v)  # also "NaN", "Infinity" and "-Infinity"
    if ty not in TYPES:
        return v
    entry = TYPES[ty]
    kind = entry["kind"]
    if kind == "alias":
        return value(entry["type"], v, exact)
    if kind == "enum":
        return CLASSES[ty](v)
    if kind == "record":
        fields = dict(entry["fields"])
        unknown = set(v) - set(fields)
        assert not unknown, f"{ty} has no fields {unknown}"
        return CLASSES[ty](**{k.replace("-", "_"): value(fields[k], x, exact) for k, x in v.items()})
    assert kind == "variant", ty
    case, payload = (v, None) if isinstance(v, str) else next(iter(v.items()))
    payload_ty = dict(entry["cases"])[case]
    lifted = None if payload_ty is None else value(payload_ty, payload, exact)
    if ty not in CASES:
        return case, lifted
    cls = CASES[ty][case]
    if payload_ty is None:
        return cls()
    return lifted if cls is CLASSES.get(payload_ty) else cls(lifted)


def settings(options: dict, exact: bool = False) -> dict:
    """`{setting: WIT-shaped value}` as `Client` keywords."""
    return {k.replace("-", "_"): value(SETTING_TYPES[k], v, exact) for k, v in options.items()}
