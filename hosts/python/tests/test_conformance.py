"""conformance/: every case of fixtures.json, every error text, the fault
matrix of faults.json, and the host-side refusals of values.json, run as
conformance/README.md says against the same built component the Rust and
JavaScript hosts run."""

import dataclasses
import json
from typing import Any

import pytest
import wit_json
from testkit import REPO, Receiver

from runner_metrics import Client, Entry, Host, MetricsError, RunnerInstalled, Stats
from runner_metrics._generated import TYPES
from runner_metrics.errors import describe

FIXTURES = json.loads((REPO / "conformance" / "fixtures.json").read_text())
FAULTS = json.loads((REPO / "conformance" / "faults.json").read_text())["faults"]
VALUES = json.loads((REPO / "conformance" / "values.json").read_text())["cases"]
INSTALLED = RunnerInstalled(timestamp=1700000000.25, flavor="small", duration=12)


def issue(host: Host, settings: dict[str, Any], entries: list[Any]) -> tuple[MetricsError | None, Stats | None]:
    """Make the client and issue the entries: the error, if any, and the
    client's stats when the client was made."""
    try:
        client = Client(host, **settings)
    except MetricsError as e:
        return e, None
    with client:
        try:
            client.issue(entries)
        except MetricsError as e:
            return e, client.stats()
        return None, client.stats()


def check_error(error: MetricsError | None, expect: dict[str, Any]) -> None:
    """`case`, and each other key equal to the payload's field of that name
    (`value`: the payload itself)."""
    assert error is not None, "the call succeeded"
    want = dict(expect)
    assert error.case == want.pop("case"), repr(error)
    for key, value in want.items():
        got = error.payload if key == "value" else getattr(error.payload, key.replace("-", "_"))
        assert got == value, f"{key} of {error!r}"


def check_pushes(pushes: list[dict[str, Any]], requests: list[dict[str, Any]]) -> None:
    assert len(pushes) == len(requests), pushes
    for push, want in zip(pushes, requests, strict=True):
        assert push["content_length"] == push["body_bytes"] and not push["chunked"], push
        streams = [
            {
                "labels": s["labels"],
                "lines": [e["line"] for e in s["entries"]],
                "metadata": [e["metadata"] for e in s["entries"]],
            }
            for s in push["streams"]
        ]
        assert len(streams) == len(want["streams"])
        for got, stream in zip(streams, want["streams"], strict=True):
            assert got["labels"] == stream["labels"]
            assert got["lines"] == stream["lines"]
            if "metadata" in stream:
                assert got["metadata"] == stream["metadata"]
        for name, value in want.get("headers", {}).items():
            assert push["headers"].get(name) == value, f"header {name}"


@pytest.mark.parametrize("case", FIXTURES["cases"], ids=[c["name"] for c in FIXTURES["cases"]])
def test_fixture(case: dict[str, Any], host: Host, receiver: Receiver) -> None:
    receiver.script(case.get("replies", []))
    settings = {"endpoint": receiver.url, "max_attempts": 1, **wit_json.settings(case.get("options", {}))}
    if settings["endpoint"] == "$CLOSED":
        settings["endpoint"] = receiver.fault("refused")
    entries = wit_json.value({"list": "entry"}, case["entries"])

    error, stats = issue(host, settings, entries)

    expect = case["expect"]
    if "error" in expect:
        check_error(error, expect["error"])
        if stats is not None:  # the client was made: its stats hold the same text
            assert stats.last_error == str(error)
    else:
        assert expect["ok"] is True
        assert error is None, repr(error)
    check_pushes(receiver.pushes(), expect["requests"])
    if "attempts" in expect:
        assert receiver.requests() == expect["attempts"]


@pytest.mark.parametrize(
    "example", FIXTURES["error-texts"], ids=[next(iter(e["error"])) + ": " + e["text"] for e in FIXTURES["error-texts"]]
)
def test_error_text(example: dict[str, Any]) -> None:
    case, payload = wit_json.value("error", example["error"])
    assert describe(case, payload) == example["text"]
    assert str(MetricsError(case, payload)) == example["text"]


def test_error_texts_cover_every_case() -> None:
    cases = [name for name, _ in TYPES["error"]["cases"]]
    assert sorted({next(iter(e["error"])) for e in FIXTURES["error-texts"]}) == sorted(cases)


def fault_endpoint(endpoint: dict[str, Any], receiver: Receiver) -> str:
    if "fault" in endpoint:
        # The object is the fault, with `kind` spelled `fault`.
        params = {k: v for k, v in endpoint.items() if k != "fault"}
        return receiver.fault(endpoint["fault"], **params)
    if "receiver" in endpoint:
        return receiver.url if endpoint["receiver"] == "http" else receiver.url.replace("http://", "https://", 1)
    return endpoint["url"]


@pytest.mark.parametrize("fault", FAULTS, ids=[f["name"] for f in FAULTS])
def test_fault(fault: dict[str, Any], host: Host, receiver: Receiver) -> None:
    settings = {
        "endpoint": fault_endpoint(fault["endpoint"], receiver),
        "max_attempts": 1,
        "timeout_ms": 1000,
        **wit_json.settings(fault.get("options", {})),
    }
    receiver.script(fault.get("replies", []))
    event = INSTALLED
    if "flavor-bytes" in fault:
        event = dataclasses.replace(INSTALLED, flavor="x" * fault["flavor-bytes"])
    error, stats = issue(host, settings, [Entry(event=event)])
    check_error(error, fault["expect"])
    assert stats is None or stats.last_error == str(error)


@pytest.mark.parametrize("case", VALUES, ids=[c["name"] for c in VALUES])
def test_value(case: dict[str, Any], host: Host, receiver: Receiver) -> None:
    if "setting" in case:
        settings = wit_json.settings({case["setting"]: case["value"]}, exact=True)
        entries = [Entry(event=INSTALLED)]
    else:
        settings = {}
        entries = [Entry(event=wit_json.value("event", case["entry"], exact=True))]
    error, stats = issue(host, {"endpoint": receiver.url, "max_attempts": 1, **settings}, entries)
    check_error(error, case["expect"])
    assert receiver.requests() == 0
    # Refused as the component refuses a value: nothing chained, no value shown.
    assert error is not None and error.__cause__ is None and error.__context__ is None
    assert "s3cr3t" not in str(error)
