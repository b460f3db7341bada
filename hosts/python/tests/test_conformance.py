"""Every case of conformance/fixtures.json, run as its README says, against
the same built component the Rust and JavaScript hosts run."""

import dataclasses
import json
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
import wit_json
from receiver import Receiver, Reply, closed_url

from runner_metrics import Client, Config, Host, MetricsError, RetryPolicy

FIXTURES = Path(__file__).resolve().parents[3] / "conformance" / "fixtures.json"
CASES = json.loads(FIXTURES.read_text())["cases"]


def run(case: Dict[str, Any], host: Host, receiver: Receiver) -> Optional[MetricsError]:
    """Make the client and issue the events; the error is the outcome."""
    for r in case.get("replies", []):
        receiver.script(Reply(r["status"], r.get("headers", {}), r.get("body", "")))
    config = wit_json.apply(Config(endpoint=receiver.url, retry=RetryPolicy(max_attempts=1)), case.get("config", {}))
    if config.endpoint == "$CLOSED":
        config = dataclasses.replace(config, endpoint=closed_url())
    events = [wit_json.event(e) for e in case["events"]]
    try:
        with Client(config, host=host) as client:
            if len(events) == 1:
                client.issue_event(events[0])
            else:
                client.issue_events(events)
    except MetricsError as e:
        return e
    return None


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_fixture(case: Dict[str, Any], host: Host, receiver: Receiver) -> None:
    error = run(case, host, receiver)
    expect = case["expect"]

    if "error" in expect:
        assert error is not None, "the call succeeded"
        want = dict(expect["error"])
        assert error.case == want.pop("case"), repr(error)
        for key, value in want.items():
            assert getattr(error, key.replace("-", "_")) == value, f"{key} of {error!r}"
    else:
        assert expect["ok"] is True
        assert error is None, repr(error)

    assert len(receiver.pushes) == len(expect["requests"])
    for got, want in zip(receiver.pushes, expect["requests"]):
        assert len(got.streams) == len(want["streams"])
        for stream, want_stream in zip(got.streams, want["streams"]):
            assert [list(p) for p in stream.labels] == want_stream["labels"]
            assert stream.lines == want_stream["lines"]
            if "metadata" in want_stream:
                assert [[list(p) for p in m] for m in stream.metadata] == want_stream["metadata"]
        for name, value in want.get("headers", {}).items():
            assert got.headers.get(name) == value, f"header {name}"

    if "attempts" in expect:
        assert receiver.attempts == expect["attempts"]
