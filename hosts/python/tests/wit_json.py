"""WIT-shaped JSON (see conformance/README.md) to this package's dataclasses.

Driven by the dataclasses' own type hints, so the fixtures also check that
every WIT field has a Python field of the right name and shape.
"""

import dataclasses
import enum
import typing
from typing import Any, Dict, List

from runner_metrics import Config, Event


def event(value: Any) -> Event:
    return convert(Event, value)


def apply(config: Config, changes: Dict[str, Any]) -> Config:
    """``config`` with the WIT-named fields of ``changes`` replaced whole."""
    hints = typing.get_type_hints(Config)
    return dataclasses.replace(config, **{_snake(k): convert(hints[_snake(k)], v) for k, v in changes.items()})


def convert(hint: Any, value: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union:
        choices = [a for a in args if a is not type(None)]
        if value is None:
            return None
        if len(choices) == 1:
            return convert(choices[0], value)
        return _case(choices, value)
    if origin is list:
        return [convert(args[0], v) for v in value]
    if origin is tuple:
        return tuple(convert(a, v) for a, v in zip(args, value, strict=True))
    if hint is float:
        return float(value)  # also "NaN", "Infinity" and "-Infinity"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if dataclasses.is_dataclass(hint):
        return _record(hint, value)
    return value


def _snake(name: str) -> str:
    return name.replace("-", "_")


def _record(cls: type, value: Dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    return cls(**{_snake(k): convert(hints[_snake(k)], v) for k, v in value.items()})


def _case(classes: List[type], value: Any) -> Any:
    """A variant: ``{"case": payload}``, or ``"case"`` for a case without one."""
    case, payload = (value, None) if isinstance(value, str) else next(iter(value.items()))
    cls = next(c for c in classes if c._wit_case == case)  # type: ignore[attr-defined]
    fields = dataclasses.fields(cls)
    if not fields:
        return cls()
    if isinstance(payload, dict):
        return _record(cls, payload)
    (only,) = fields
    return cls(convert(typing.get_type_hints(cls)[only.name], payload))
