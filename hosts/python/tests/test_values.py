"""The dataclasses and the exception, without the component."""

import dataclasses
import pickle

import pytest

from runner_metrics import (
    BasicAuth,
    Bearer,
    Boolean,
    CodeInformation,
    Config,
    CustomEvent,
    Encoding,
    Entry,
    FileSink,
    Integer,
    MetricsError,
    RetryPolicy,
    RunnerStop,
    SpoolConfig,
    Text,
)


def test_config_defaults_are_the_components():
    config = Config()
    for f in dataclasses.fields(Config):
        value = getattr(config, f.name)
        assert value in (None, [], False), f.name
    assert RetryPolicy() == RetryPolicy(max_attempts=None, min_backoff_ms=None, max_backoff_ms=None, deadline_ms=None)
    assert SpoolConfig(dir="/spool").max_bytes is None


def test_config_has_every_wit_field():
    wit = (
        "endpoint labels timeout-ms encoding tenant auth headers structured-metadata use-event-timestamp "
        "batch-max-events batch-max-bytes retry sink spool"
    ).split()
    assert [f.name for f in dataclasses.fields(Config)] == [n.replace("-", "_") for n in wit]


def test_events_are_frozen_and_keyword_only():
    stop = RunnerStop(
        timestamp=1.0,
        flavor="small",
        workflow="CI",
        repo="octo/hello",
        github_event="push",
        status="normal",
        job_duration=61,
    )
    assert stop.status_info is None and stop.job_conclusion is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        stop.status = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        RunnerStop(1.0, "small")  # type: ignore[misc]
    assert CodeInformation(3).code == 3
    assert Entry(stop).metadata is None
    assert CustomEvent(name="x", timestamp=0).fields == []


def test_encoding_values_are_the_wit_names():
    assert [e.value for e in Encoding] == ["json", "json-gzip", "protobuf"]


def test_reprs_never_show_secrets():
    config = Config(
        endpoint="https://user:hunter2@loki.example.com/loki/api/v1/push",
        auth=BasicAuth(user="12345", password="hunter2"),
        headers=[("X-Api-Key", "hunter2")],
        tenant="team-a",
    )
    text = repr(config)
    assert "hunter2" not in text and "hunter2" not in str(config)
    assert "12345" in text and "X-Api-Key" in text and "team-a" in text
    assert "loki.example.com" in text
    assert "tok-123" not in repr(Config(auth=Bearer("tok-123")))
    assert repr(Bearer("tok-123")) == "Bearer(token=<redacted>)"


def test_metrics_error_has_case_fields_and_a_message():
    e = MetricsError("rejected", status=400, body="entry out of order\n", retry_after_ms=None)
    assert (e.case, e.status, e.body, e.retry_after_ms) == ("rejected", 400, "entry out of order\n", None)
    assert e.field is None and e.code is None
    assert e.fields == {"status": 400, "body": "entry out of order\n", "retry_after_ms": None}
    assert str(e) == "the receiver answered 400: entry out of order"
    assert repr(e) == "MetricsError('rejected', status=400, body='entry out of order\\n', retry_after_ms=None)"
    assert str(MetricsError("transport", code="dns-error", detail="NXDOMAIN")) == "transport failure: dns-error (NXDOMAIN)"
    assert str(MetricsError("timeout", timeout_ms=5000)) == "no answer within 5000 ms"
    assert str(MetricsError("spooled", events=3, cause="refused")) == "3 events spooled after: refused"
    assert str(MetricsError("storage", path="/x", detail="denied")) == "storage failure: /x: denied"


def test_metrics_error_refuses_unknown_cases_and_fields():
    with pytest.raises(ValueError):
        MetricsError("nope")
    with pytest.raises(TypeError):
        MetricsError("timeout", status=1)


def test_metrics_error_pickles():
    e = pickle.loads(pickle.dumps(MetricsError("invalid-event", field="duration", reason="must be >= 0")))
    assert (e.case, e.field, str(e)) == ("invalid-event", "duration", "invalid event: duration: must be >= 0")


def test_field_values_hold_one_value():
    fields = [("cached", Boolean(False)), ("size_mb", Integer(2048)), ("base", Text("noble"))]
    assert CustomEvent(name="image_built", timestamp=1.5, fields=fields).fields[1][1].value == 2048
    assert FileSink("/var/log/m.log").path == "/var/log/m.log"
