"""The module-level `issue_event`: Promtail's default endpoint
(localhost:3100), one attempt. Needs port 3100 (see conftest.py)."""

import json

import pytest
from testkit import Receiver

import runner_metrics
from runner_metrics import CustomEvent, MetricsError, RunnerStop, Text

STOP = RunnerStop(
    timestamp=1700000000,
    flavor="small",
    workflow="CI",
    repo="octo/hello",
    github_event="push",
    status="normal",
    job_duration=61,
)


def test_issue_event_pushes_one_event_to_promtail(promtail: Receiver) -> None:
    runner_metrics.issue_event(STOP)
    runner_metrics.issue_event(CustomEvent(name="image_built", timestamp=1, fields=[("base", Text("noble"))]))
    first, second = promtail.pushes()
    assert first["streams"][0]["labels"] == [["job", "metrics"], ["event", "runner_stop"]]
    assert json.loads(first["streams"][0]["entries"][0]["line"]) == {
        "timestamp": 1700000000.0,
        "event": "runner_stop",
        "flavor": "small",
        "workflow": "CI",
        "repo": "octo/hello",
        "github_event": "push",
        "status": "normal",
        "job_duration": 61.0,
    }
    assert second["streams"][0]["labels"][1] == ["event", "image_built"]
    assert all(p["content_length"] == p["body_bytes"] and not p["chunked"] for p in (first, second))


def test_issue_event_makes_one_attempt(promtail: Receiver) -> None:
    promtail.script([{"status": 503, "body": "busy"}])
    with pytest.raises(MetricsError) as caught:
        runner_metrics.issue_event(STOP)
    assert (caught.value.case, caught.value.payload.status) == ("rejected", 503)
    assert promtail.requests() == 1


def test_issue_event_validates_before_sending(promtail: Receiver) -> None:
    with pytest.raises(MetricsError) as caught:
        runner_metrics.issue_event(RunnerStop(**{**STOP.__dict__, "job_duration": -1}))
    assert (caught.value.case, caught.value.payload.field) == ("invalid-event", "job_duration")
    assert promtail.requests() == 0
