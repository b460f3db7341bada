"""Values wasmtime-py cannot pass as they are (Reliability §11): a lone
surrogate, an integer past its WIT type, a float past 64 bits, a wrong type.
Each is this package's error naming the field, never a raw wasmtime-py or
codec exception, and never with the value in it."""

import pickle
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from testkit import Receiver

from runner_metrics import (
    BasicAuth,
    Bearer,
    Client,
    CustomEvent,
    Entry,
    Host,
    Integer,
    MetricsError,
    Number,
    Reconciliation,
    RunnerInstalled,
    Text,
)

SECRET = "hunter2\ud800-secret"
"""A password with a lone surrogate: UTF-8 cannot encode it."""


def everything_about(error: BaseException) -> str:
    """All an error shows: args, str, repr, its pickle, its traceback and the
    exceptions chained to it."""
    parts = [repr(error.args), str(error), repr(error), repr(pickle.dumps(error))]
    parts += traceback.format_exception(type(error), error, error.__traceback__)
    chained = error.__cause__ or error.__context__
    if chained is not None:
        parts.append(everything_about(chained))
    return "\n".join(parts)


def refused(call: Callable[[], Any]) -> MetricsError:
    with pytest.raises(MetricsError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"auth": BasicAuth(user="u", password=SECRET)}, "auth.basic.password"),
        ({"auth": Bearer(SECRET)}, "auth.bearer"),
        ({"headers": [("X-Api-Key", SECRET)]}, "headers[0].value"),
        ({"tenant": SECRET}, "tenant"),
        ({"endpoint": f"http://a:{SECRET}@127.0.0.1/"}, "endpoint"),
    ],
)
def test_a_lone_surrogate_in_a_setting_is_invalid_config_without_the_secret(
    host: Host, settings: dict, field: str
) -> None:
    error = refused(lambda: Client(host, **settings))
    assert (error.case, error.payload.field) == ("invalid-config", field)
    assert "hunter2" not in everything_about(error)
    assert not isinstance(error.__context__, UnicodeError)


@pytest.mark.parametrize(
    "event, field",
    [
        (RunnerInstalled(timestamp=1, flavor=SECRET, duration=1), "entries[0].flavor"),
        (CustomEvent(name="x", timestamp=1, fields=[("k", Text(SECRET))]), "entries[0].fields[0].k"),
        (CustomEvent(name="x", timestamp=1, fields=[(SECRET, Integer(1))]), "entries[0].fields[0]"),
    ],
)
def test_a_lone_surrogate_in_an_event_is_invalid_event(host: Host, receiver: Receiver, event: Any, field: str) -> None:
    with Client(host, endpoint=receiver.url) as client:
        error = refused(lambda: client.issue_event(event))
        client.issue_event(RunnerInstalled(timestamp=1, flavor="s", duration=1))  # still fine
    assert (error.case, error.payload.field) == ("invalid-event", field)
    assert "hunter2" not in everything_about(error)
    assert receiver.requests() == 1


def test_entry_metadata_and_the_module_function_name_their_fields(host: Host) -> None:
    error = refused(lambda: host.issue_event(RunnerInstalled(timestamp=1, flavor=SECRET, duration=1)))
    assert error.payload.field == "flavor"
    with Client(host) as client:
        error = refused(
            lambda: client.issue(
                [Entry(event=RunnerInstalled(timestamp=1, flavor="s", duration=1), metadata=[("k", SECRET)])]
            )
        )
    assert error.payload.field == "entries[0].metadata[0].value"


@pytest.mark.parametrize(
    "event, field",
    [
        (CustomEvent(name="x", timestamp=0, fields=[("n", Number(10**400))]), "entries[0].fields[0].n"),
        (CustomEvent(name="x", timestamp=0, fields=[("n", Integer(2**63))]), "entries[0].fields[0].n"),
        (CustomEvent(name="x", timestamp=0, fields=[("n", Integer(-(2**63) - 1))]), "entries[0].fields[0].n"),
        (RunnerInstalled(timestamp=10**400, flavor="s", duration=1), "entries[0].timestamp"),
        (
            Reconciliation(
                timestamp=1,
                flavor="s",
                crashed_runners=10**30,
                idle_runners=0,
                active_runners=0,
                expected_runners=0,
                duration=1,
            ),
            "entries[0].crashed_runners",
        ),
    ],
)
def test_a_number_past_its_wit_type_is_invalid_event(host: Host, event: Any, field: str) -> None:
    with Client(host) as client:
        error = refused(lambda: client.issue_event(event))
    assert (error.case, error.payload.field) == ("invalid-event", field)
    assert not isinstance(error.__context__, OverflowError)


def test_an_integer_setting_past_64_bits_is_invalid_config(host: Host) -> None:
    error = refused(lambda: Client(host, batch_max_events=10**400))
    assert (error.case, error.payload.field) == ("invalid-config", "batch-max-events")
    # Within 64 bits the component judges, whatever the sign.
    error = refused(lambda: Client(host, batch_max_events=-1))
    assert (error.case, error.payload.field) == ("invalid-config", "batch-max-events")


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda h: Client(h, timeout_ms="5000"), "timeout-ms"),
        (lambda h: Client(h, timeout_ms=True), "timeout-ms"),
        (lambda h: Client(h, labels=[("a",)]), "labels[0]"),
        (lambda h: Client(h, labels="job=x"), "labels"),
        (lambda h: Client(h, encoding="gzip"), "encoding"),
        (lambda h: Client(h, auth=("user", "password")), "auth"),
        (lambda h: h.issue_event({"runner-installed": {}}), "value"),
        (lambda h: h.issue_event(RunnerInstalled(timestamp="now", flavor="s", duration=1)), "timestamp"),
        (lambda h: h.issue_event(CustomEvent(name="x", timestamp=1, fields=[("k", 5)])), "fields[0].k"),
    ],
)
def test_a_wrong_python_type_is_a_type_error_naming_the_field(
    host: Host, call: Callable[[Host], Any], name: str
) -> None:
    with pytest.raises(TypeError) as caught:
        call(host)
    assert str(caught.value).startswith(f"{name}: expected ")
