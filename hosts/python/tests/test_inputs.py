"""Values wasmtime-py cannot pass as they are (Reliability §11): a lone
surrogate, an integer past its WIT type, a float past 64 bits, a wrong type.
Each is this package's error naming the field, never a raw wasmtime-py or
codec exception, and never with the value in it."""

import pickle
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from testkit import Receiver, run_python

from runner_metrics import (
    BasicAuth,
    Bearer,
    Client,
    CustomEvent,
    Entry,
    Host,
    Integer,
    LogFile,
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


S64 = "must be an integer from -9223372036854775808 to 9223372036854775807"


@pytest.mark.parametrize(
    "event, field, reason",
    [
        (CustomEvent(name="x", timestamp=0, fields=[("n", Integer(2**63))]), "fields[0].n", f"{S64}, got {2**63}"),
        (
            CustomEvent(name="x", timestamp=0, fields=[("n", Integer(-(2**63) - 1))]),
            "fields[0].n",
            f"{S64}, got {-(2**63) - 1}",
        ),
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
            "crashed_runners",
            f"{S64}, got {10**30}",
        ),
        # Past Python's 4300-digit limit for str(int): shown in hex, not a ValueError.
        (CustomEvent(name="x", timestamp=0, fields=[("n", Integer(16**5000))]), "fields[0].n", f"{S64}, got 0x1"),
        # An int past the largest float rounds to infinity, which the component judges.
        (CustomEvent(name="x", timestamp=0, fields=[("n", Number(10**400))]), "fields[0].n", "must be finite, got inf"),
        (RunnerInstalled(timestamp=10**400, flavor="s", duration=1), "timestamp", "must be finite and >= 0, got inf"),
    ],
)
def test_a_number_past_its_wit_type_is_invalid_event(host: Host, event: Any, field: str, reason: str) -> None:
    with Client(host) as client:
        error = refused(lambda: client.issue_event(event))
    assert (error.case, error.payload.field) == ("invalid-event", f"entries[0].{field}")
    assert error.payload.reason.startswith(reason)
    assert error.__context__ is None


def test_an_integer_setting_past_64_bits_is_invalid_config(host: Host) -> None:
    error = refused(lambda: Client(host, batch_max_events=10**400))
    assert (error.case, error.payload.field) == ("invalid-config", "batch-max-events")
    assert error.payload.reason == f"{S64}, got {10**400}"
    # Within 64 bits the component judges, whatever the sign.
    error = refused(lambda: Client(host, batch_max_events=-1))
    assert (error.case, error.payload.field) == ("invalid-config", "batch-max-events")


EVENTS = "a RunnerInstalled, RunnerStart, RunnerStop, Reconciliation or CustomEvent"


@pytest.mark.parametrize(
    "call, case, field, reason",
    [
        (lambda h: Client(h, timeout_ms="5000"), "config", "timeout-ms", "expected an integer, got a string"),
        (lambda h: Client(h, timeout_ms=True), "config", "timeout-ms", "expected an integer, got a boolean"),
        (lambda h: Client(h, timeout_ms=None), "config", "timeout-ms", "expected an integer, got nothing"),
        (lambda h: Client(h, labels=[("a",)]), "config", "labels[0]", "expected a pair, got a list"),
        (lambda h: Client(h, labels="job=x"), "config", "labels", "expected a list, got a string"),
        (lambda h: Client(h, labels={"job": "x"}), "config", "labels", "expected a list, got an object"),
        (lambda h: Client(h, tenant=b"t"), "config", "tenant", "expected a string, got an object"),
        (
            lambda h: Client(h, encoding="gzip"),
            "config",
            "encoding",
            "expected an Encoding (one of json, json-gzip, protobuf), got a string",
        ),
        (lambda h: Client(h, auth=("u", "p")), "config", "auth", "expected a BasicAuth or Bearer, got a list"),
        (lambda h: h.issue_event({"runner-installed": {}}), "event", "event", f"expected {EVENTS}, got an object"),
        (
            lambda h: h.issue_event(RunnerInstalled(timestamp="now", flavor="s", duration=1)),
            "event",
            "timestamp",
            "expected a number, got a string",
        ),
        (
            lambda h: h.issue_event(CustomEvent(name="x", timestamp=1, fields=[("k", 5)])),
            "event",
            "fields[0].k",
            "expected a Boolean, Integer, Number or Text, got a number",
        ),
        (
            lambda h: Client(h).issue([RunnerInstalled(timestamp=1, flavor="s", duration=1)]),
            "event",
            "entries[0]",
            "expected an Entry, got an object",
        ),
        (lambda h: Client(h).issue_event(None), "event", "entries[0].event", f"expected {EVENTS}, got nothing"),
        (
            lambda h: Client(h).issue_event(RunnerInstalled(timestamp=1, flavor=None, duration=1)),
            "event",
            "entries[0].flavor",
            "expected a string, got nothing",
        ),
        # Dataclasses made without __init__ lack their fields.
        (lambda h: Client(h).issue([object.__new__(Entry)]), "event", "entries[0].event", "is missing"),
        (
            lambda h: Client(h).issue_event(object.__new__(RunnerInstalled)),
            "event",
            "entries[0].timestamp",
            "is missing",
        ),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_naming_the_field(
    host: Host, call: Callable[[Host], Any], case: str, field: str, reason: str
) -> None:
    error = refused(lambda: call(host))
    assert (error.case, error.payload.field, error.payload.reason) == (f"invalid-{case}", field, reason)
    assert error.__context__ is None


TOO_LONG = "is longer than 2147483647 bytes, the most the component model passes"


@pytest.mark.parametrize(
    "make, reason",
    [
        # Too long by its count of code points alone.
        (lambda: "x" * 2**31, TOO_LONG),
        # Too long once measured: 2**30 code points of two bytes each.
        (lambda: "é" * 2**30, TOO_LONG),
        # Long enough to be measured, which finds the surrogate.
        (lambda: SECRET + "é" * 2**29, "is not well-formed Unicode: it holds a lone surrogate"),
    ],
    ids=["2 GiB of ASCII", "2 GiB of UTF-8", "a surrogate in 1 GiB"],
)
def test_a_huge_string_is_refused_before_the_component_sees_it(
    host: Host, receiver: Receiver, make: Callable[[], str], reason: str
) -> None:
    # wasmtime-py copied a 2.5 GB string for most of a minute, then trapped,
    # and the instance was lost with what it buffered.
    with Client(host, endpoint=receiver.url, batch_max_events=10) as client:
        client.issue_event(RunnerInstalled(timestamp=1, flavor="s", duration=1))
        event = RunnerInstalled(timestamp=1, flavor=make(), duration=1)
        error = refused(lambda: client.issue_event(event))
        del event
        assert (error.case, error.payload.field, error.payload.reason) == ("invalid-event", "entries[0].flavor", reason)
        assert error.__context__ is None
        assert client.stats().buffered_events == 1  # the same instance


CALL_TEXT = "holds more than 268435456 bytes of text, the most one call takes"


def test_a_call_larger_than_the_component_takes_is_refused_before_it(host: Host, receiver: Receiver, tmp_path) -> None:
    # Every event valid on its own, 20,000 of them with 250 kB lines: copied
    # into the component, the call trapped (its memory is 4 GiB at most).
    big = RunnerInstalled(timestamp=1, flavor="x" * 250_000, duration=1)
    small = RunnerInstalled(timestamp=1, flavor="s", duration=1)
    with Client(host, endpoint=receiver.url, batch_max_events=10) as client:
        client.issue_event(small)
        error = refused(lambda: client.issue([Entry(event=big)] * 1_100))  # 275 MB of text
        assert (error.case, error.payload.field, error.payload.reason) == ("invalid-event", "entries", CALL_TEXT)
        error = refused(lambda: client.issue([Entry(event=small)] * (2**20 + 1)))
        assert (error.payload.field, error.payload.reason) == (
            "entries",
            "holds 1048577 items, more than the 1048576 one call takes",
        )
        assert client.stats().buffered_events == 1  # nothing of them buffered, the same instance
    error = refused(lambda: host.issue_event(RunnerInstalled(timestamp=1, flavor="é" * (2**27 + 1), duration=1)))
    assert (error.case, error.payload.field, error.payload.reason) == ("invalid-event", "event", CALL_TEXT)
    log = LogFile(tmp_path / "m.log")
    error = refused(lambda: log.write([big] * 1_100))
    assert (error.payload.field, error.payload.reason) == ("events", CALL_TEXT)


@pytest.mark.parametrize("entries", [None, 5, "ab", {"event": 1}], ids=["None", "an int", "a string", "a dict"])
def test_issue_of_something_not_a_list_is_refused_naming_entries(host: Host, entries: Any) -> None:
    with Client(host, endpoint="http://127.0.0.1:9/") as client:
        error = refused(lambda: client.issue(entries))
    assert (error.case, error.payload.field) == ("invalid-event", "entries")
    assert error.payload.reason.startswith("expected a list, got "), error.payload.reason


def test_a_positional_endpoint_is_a_type_error_naming_host() -> None:
    with pytest.raises(TypeError) as caught:
        Client("http://u:hunter2@127.0.0.1:9/")  # type: ignore[arg-type]
    assert "Host" in str(caught.value) and "hunter2" not in repr(caught.value.args)


def test_an_empty_log_file_path_is_a_config_error_naming_path() -> None:
    error = refused(lambda: LogFile("").write([RunnerInstalled(timestamp=1, flavor="s", duration=1)]))
    assert (error.case, error.payload.field, error.payload.reason) == ("invalid-config", "path", "is empty")
    assert str(error) == "invalid config: path: is empty"


def test_a_whole_float_is_an_integer_as_in_javascript(host: Host, receiver: Receiver) -> None:
    # JSON's 2.0 is 2 in JavaScript, which cannot tell them apart.
    with Client(host, endpoint=receiver.url, timeout_ms=1000.0, max_attempts=1.0) as client:  # type: ignore[arg-type]
        client.issue_event(
            Reconciliation(
                timestamp=1,
                flavor="s",
                crashed_runners=0,
                idle_runners=2.0,  # type: ignore[arg-type]
                active_runners=0,
                expected_runners=0,
                duration=1,
            )
        )
    assert '"idle_runners":2,' in receiver.lines()[-1]
    error = refused(lambda: Client(host, timeout_ms=2.5))
    assert (error.payload.field, error.payload.reason) == ("timeout-ms", "expected an integer, got a number")


def test_a_client_refused_for_a_setting_creates_no_spool_directory(tmp_path) -> None:
    spool = tmp_path / "a" / "b"
    error = refused(lambda: Client(spool=str(spool), timeout_ms=0))
    assert error.payload.field == "timeout-ms"
    with pytest.raises(TypeError):
        Client(spool=str(spool), nope=1)  # type: ignore[call-arg]
    # Refused by a rule over two settings, which only the client checks.
    error = refused(lambda: Client(spool=str(spool), min_backoff_ms=5000, max_backoff_ms=100))
    assert error.payload.field == "max-backoff-ms"
    assert not (tmp_path / "a").exists()
    (tmp_path / "a").mkdir()
    refused(lambda: Client(spool=str(spool), min_backoff_ms=5000, max_backoff_ms=100))
    assert (tmp_path / "a").is_dir() and not spool.exists(), "only what it made is removed"


HOSTILE_STR = r'''
import os, sys
import runner_metrics as rm

class Hostile(str):
    """A str whose methods lie: encode() gives bytes that are not UTF-8."""
    def encode(self, *args, **kwargs): return b"\xff\xfe"
    def __str__(self): return "\udcff"
    def __len__(self): return 0
    def __format__(self, spec): return "\udcff"
    def isascii(self): return True
    def __fspath__(self): return "\udcff"

tmp, url = sys.argv[1], sys.argv[2]
h = Hostile
log = os.path.join(tmp, "metrics.log")
event = rm.CustomEvent(name=h("built"), timestamp=1, fields=[(h("size"), rm.Text(h("big")))])
with rm.LogFile(h(log)) as f:
    f.write([rm.RunnerInstalled(timestamp=1, flavor=h("small"), duration=2), event])
with rm.LogFile("/metrics/other.log", host=rm.Host(dirs=[(h(tmp), h("/metrics"))])) as f:
    f.write([event])
with rm.Client(endpoint=h(url), spool=h(os.path.join(tmp, "spool")), encoding=h("json"),
               labels=[(h("unit"), h("u/0"))], tenant=h("team")) as c:
    c.issue_event(event)
print("alive")
'''


def test_a_str_subclass_whose_methods_lie_is_passed_as_its_characters(tmp_path, receiver: Receiver) -> None:
    # wasmtime-py passed what encode() returned to wasmtime's C API, which
    # panicked on bytes that are not UTF-8: the process aborted. Run in a
    # process of its own, so that an abort fails this test only.
    ran = run_python(HOSTILE_STR, str(tmp_path), receiver.url)
    assert (ran.returncode, ran.stdout) == (0, "alive\n"), ran.stderr
    line = '{"timestamp":1.0,"event":"built","size":"big"}'
    installed = '{"timestamp":1.0,"event":"runner_installed","flavor":"small","duration":2.0}'
    assert (tmp_path / "metrics.log").read_text() == f"{installed}\n{line}\n"
    assert (tmp_path / "other.log").read_text() == f"{line}\n"
    assert receiver.lines() == [line]
    (push,) = receiver.pushes()
    assert push["headers"]["x-scope-orgid"] == "team"
    assert ["unit", "u/0"] in push["streams"][0]["labels"]
    assert (tmp_path / "spool").is_dir()
