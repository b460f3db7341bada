"""The generated mirror of wit/ (runner_metrics/_generated.py), without the
component: its classes agree with its own tables, and with the repository."""

import dataclasses
import re
import typing

import pytest
from testkit import REPO

import runner_metrics
from runner_metrics import BasicAuth, Bearer, Encoding, Options, RunnerStop, _generated
from runner_metrics._generated import CASES, CLASSES, SETTERS, TYPES


def snake(name: str) -> str:
    return name.replace("-", "_")


@pytest.mark.parametrize("name", [n for n, t in TYPES.items() if t["kind"] == "record"])
def test_a_record_is_a_frozen_keyword_only_dataclass_of_its_fields(name: str) -> None:
    cls = CLASSES[name]
    params = cls.__dataclass_params__
    assert params.frozen
    fields = dataclasses.fields(cls)
    assert [f.name for f in fields] == [snake(n) for n, _ in TYPES[name]["fields"]]
    assert all(f.kw_only for f in fields)
    for f, (_, ty) in zip(fields, TYPES[name]["fields"], strict=True):
        optional = isinstance(ty, dict) and "option" in ty
        assert (f.default is None) == optional, f.name
    assert cls.__doc__ and not cls.__doc__.startswith(cls.__name__ + "(")  # the WIT docs, not dataclass's


def test_variant_cases_are_classes_and_records_stand_for_their_case() -> None:
    assert CASES["event"]["runner-stop"] is RunnerStop
    assert CASES["auth"] == {"basic": BasicAuth, "bearer": Bearer}
    assert typing.get_args(runner_metrics.Event) == tuple(CASES["event"].values())
    assert typing.get_args(runner_metrics.FieldValue) == tuple(CASES["field-value"].values())
    assert "error" not in CASES  # returned only: raised as MetricsError


def test_enums_are_their_wit_names() -> None:
    assert [e.value for e in Encoding] == TYPES["encoding"]["cases"]
    assert Encoding.JSON_GZIP == "json-gzip"


def test_options_are_the_setters_in_snake_case() -> None:
    assert list(typing.get_type_hints(Options)) == [snake(s) for s, _, _, _ in SETTERS]
    assert Options.__doc__ and "setter" in Options.__doc__


def test_never_echoed_values_stay_out_of_reprs() -> None:
    assert repr(BasicAuth(user="12345", password="hunter2")) == "BasicAuth(user='12345', password=<redacted>)"
    assert repr(Bearer("tok-123")) == "Bearer(value=<redacted>)"
    assert "tok-123" not in str(Bearer("tok-123")) + repr([Bearer("tok-123")])


def test_the_package_exports_every_generated_type() -> None:
    for name in _generated.__all__:
        assert getattr(runner_metrics, name) is getattr(_generated, name)
    assert {"Client", "Host", "LogFile", "MetricsError", "ComponentTrap", "issue_event"} <= set(runner_metrics.__all__)


def test_one_version_everywhere() -> None:
    cargo = re.search(r'\[workspace\.package\]\nversion = "([^"]+)"', (REPO / "Cargo.toml").read_text())
    assert cargo is not None
    assert runner_metrics.__version__ == _generated.VERSION == cargo.group(1)
    assert _generated.PACKAGE == f"github-runner:metrics@{cargo.group(1)}"
    wit = (REPO / "wit" / "promtail.wit").read_text()
    assert f"package {_generated.PACKAGE};" in wit
