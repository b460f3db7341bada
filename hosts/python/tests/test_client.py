"""The client, and the module-level functions, through the component."""

import gc
import json

import pytest
from receiver import Receiver, Reply, closed_url

import runner_metrics
from runner_metrics import (
    Bearer,
    Client,
    CodeInformation,
    Config,
    CustomEvent,
    Entry,
    Host,
    Integer,
    MetricsError,
    Number,
    Reconciliation,
    RetryPolicy,
    RunnerInstalled,
    RunnerStart,
    RunnerStop,
    Text,
)

INSTALLED = RunnerInstalled(timestamp=1700000000.25, flavor="small", duration=12)
INSTALLED_LINE = '{"timestamp":1700000000.25,"event":"runner_installed","flavor":"small","duration":12.0}'
ONE_ATTEMPT = RetryPolicy(max_attempts=1)


def client(host: Host, rx: Receiver, **config) -> Client:
    config.setdefault("retry", ONE_ATTEMPT)
    return Client(Config(endpoint=rx.url, **config), host=host)


def test_every_event_kind_arrives_as_its_line(host, receiver):
    events = [
        INSTALLED,
        RunnerStart(
            timestamp=1700000000, flavor="small", workflow="CI", repo="octo/hello", github_event="push", idle=3.5
        ),
        RunnerStop(
            timestamp=1700000000,
            flavor="small",
            workflow="CI",
            repo="octo/hello",
            github_event="push",
            status="repo-policy-check-failure",
            status_info=CodeInformation(403),
            job_duration=61,
            job_conclusion="failure",
        ),
        Reconciliation(
            timestamp=1700000000,
            flavor="small",
            crashed_runners=0,
            idle_runners=2,
            active_runners=1,
            expected_runners=3,
            duration=1.5,
        ),
        CustomEvent(name="image_built", timestamp=0, fields=[("size_mb", Integer(2048)), ("ratio", Number(12))]),
    ]
    with client(host, receiver) as c:
        for event in events:
            c.issue_event(event)
    lines = [p.streams[0].lines[0] for p in receiver.pushes]
    assert lines[0] == INSTALLED_LINE
    assert json.loads(lines[2])["status_info"] == {"code": 403}
    assert [json.loads(line)["event"] for line in lines] == [
        "runner_installed",
        "runner_start",
        "runner_stop",
        "reconciliation",
        "image_built",
    ]
    assert lines[4].endswith('"size_mb":2048,"ratio":12.0}')


def test_issue_entries_carries_metadata_after_the_configs(host, receiver):
    with client(host, receiver, structured_metadata=[("host", "runner-7")]) as c:
        c.issue_entries([Entry(INSTALLED, metadata=[("job_id", "42")]), Entry(INSTALLED)])
    (push,) = receiver.pushes
    assert push.streams[0].metadata == [[("host", "runner-7"), ("job_id", "42")], [("host", "runner-7")]]


def test_a_large_batch_arrives_whole(host, receiver):
    # About 1 MiB of lines in one request: the component writes the body in
    # the large pieces the host's stream permits, not 4 KiB ones.
    pad = "x" * 10_000
    events = [CustomEvent(name="big", timestamp=i, fields=[("seq", Integer(i)), ("pad", Text(pad))]) for i in range(100)]
    with client(host, receiver) as c:
        c.issue_events(events)
    (push,) = receiver.pushes
    lines = [json.loads(line) for line in push.streams[0].lines]
    assert [line["seq"] for line in lines] == list(range(100))
    assert all(line["pad"] == pad for line in lines)


def test_batching_buffers_until_flush_and_close_flushes(host, receiver):
    c = client(host, receiver, batch_max_events=10)
    c.issue_events([INSTALLED, INSTALLED])
    assert c.stats().buffered_events == 2 and receiver.pushes == []
    c.flush()
    assert len(receiver.pushes) == 1 and c.stats().buffered_events == 0
    c.issue_event(INSTALLED)
    c.close()
    assert [len(p.streams[0].lines) for p in receiver.pushes] == [2, 1]
    c.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        c.issue_event(INSTALLED)


def test_stats_count_requests_retries_and_answers(host, receiver):
    receiver.script(Reply(503), Reply(200, body="ok"))
    with client(host, receiver, retry=RetryPolicy(max_attempts=3, min_backoff_ms=1, max_backoff_ms=1)) as c:
        c.issue_event(INSTALLED)
        stats = c.stats()
    assert (stats.sent_events, stats.requests, stats.retries, stats.accepted_not_204) == (1, 2, 1, 1)
    assert stats.sent_bytes > len(INSTALLED_LINE)
    assert stats.dropped.undeliverable == 0 and stats.last_error is None


def test_invalid_event_names_the_field_and_sends_nothing(host, receiver):
    with client(host, receiver) as c:
        with pytest.raises(MetricsError) as caught:
            c.issue_events([INSTALLED, RunnerInstalled(timestamp=1, flavor="s", duration=float("nan"))])
    e = caught.value
    assert (e.case, e.field) == ("invalid-event", "events[1].duration")
    assert "NaN" in e.reason and str(e).startswith("invalid event: events[1].duration: ")
    assert receiver.attempts == 0


def test_invalid_config_fails_at_construction(host, receiver):
    with pytest.raises(MetricsError) as caught:
        client(host, receiver, labels=[("__name__", "x")])
    assert (caught.value.case, caught.value.field) == ("invalid-config", "labels[0].name")


def test_values_the_wit_type_cannot_hold_are_invalid_input(host, receiver):
    # ctypes would store -1 in a u32 as 4294967295; the host refuses it instead.
    with pytest.raises(MetricsError) as caught:
        client(host, receiver, batch_max_events=-1)
    assert (caught.value.case, caught.value.field) == ("invalid-config", "batch_max_events")
    with client(host, receiver) as c:
        with pytest.raises(MetricsError) as caught:
            c.issue_event(CustomEvent(name="x", timestamp=0, fields=[("n", Integer(2**63))]))
        assert (caught.value.case, caught.value.field) == ("invalid-event", "fields[0]")
        with pytest.raises(TypeError, match="flavor"):
            c.issue_event(RunnerInstalled(timestamp=1, flavor=None, duration=1))  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="cases"):
            c.issue_event({"runner-installed": {}})  # type: ignore[arg-type]


def test_rejection_carries_status_body_and_retry_after(host, receiver):
    receiver.script(Reply(429, {"Retry-After": "2"}, "rate limited"))
    with client(host, receiver) as c:
        with pytest.raises(MetricsError) as caught:
            c.issue_event(INSTALLED)
    e = caught.value
    assert (e.case, e.status, e.body, e.retry_after_ms) == ("rejected", 429, "rate limited", 2000)


def test_transport_failure_carries_the_wasi_http_code(host):
    with Client(Config(endpoint=closed_url(), retry=ONE_ATTEMPT), host=host) as c:
        with pytest.raises(MetricsError) as caught:
            c.issue_event(INSTALLED)
        assert c.stats().dropped.undeliverable == 1
    assert (caught.value.case, caught.value.code, caught.value.detail) == ("transport", "connection-refused", None)


def test_timeout_carries_the_limit(host, receiver):
    receiver.script(Reply(204, delay=1.0))
    with client(host, receiver, timeout_ms=200) as c:
        with pytest.raises(MetricsError) as caught:
            c.issue_event(INSTALLED)
    assert (caught.value.case, caught.value.timeout_ms) == ("timeout", 200)


def test_the_instance_keeps_working_after_every_error(host, receiver):
    receiver.script(Reply(400, body="bad"), Reply(), Reply(500))
    with client(host, receiver) as c:
        for _ in range(2):
            with pytest.raises(MetricsError):
                c.issue_event(INSTALLED)
            c.issue_event(INSTALLED)
        with pytest.raises(MetricsError):
            c.issue_event(RunnerInstalled(timestamp=-1, flavor="s", duration=1))
        c.issue_event(INSTALLED)
        assert c.stats().sent_events == 3
    with pytest.raises(MetricsError):
        client(host, receiver, timeout_ms=0)
    with client(host, receiver) as c:
        c.issue_event(INSTALLED)
    assert len(receiver.pushes) == 4


def test_secrets_stay_out_of_errors_and_stats(host, receiver):
    receiver.script(Reply(401, body="no"))
    with client(host, receiver, auth=Bearer("tok-secret")) as c:
        with pytest.raises(MetricsError) as caught:
            c.issue_event(INSTALLED)
        assert "tok-secret" not in repr(caught.value) + str(c.stats()) + repr(c)
    assert receiver.pushes == []
    with pytest.raises(MetricsError) as caught:
        client(host, receiver, headers=[("X-Api-Key", "key\nsecret")])
    assert caught.value.field == "headers[0].value" and "secret" not in str(caught.value)


def test_unclosed_client_warns(host, receiver):
    c = client(host, receiver)
    with pytest.warns(ResourceWarning, match="unclosed"):
        del c
        gc.collect()


def test_module_level_functions_validate_with_the_default_config():
    # Their endpoint is fixed to localhost:3100, so only the errors that come
    # before sending can be checked without owning that port.
    bad = RunnerInstalled(timestamp=1, flavor="s", duration=-1)
    with pytest.raises(MetricsError) as caught:
        runner_metrics.issue_event(bad)
    assert (caught.value.case, caught.value.field) == ("invalid-event", "duration")
    with pytest.raises(MetricsError) as caught:
        runner_metrics.issue_events([INSTALLED, bad])
    assert caught.value.field == "events[1].duration"
    with pytest.raises(MetricsError):
        runner_metrics.issue_entries([Entry(bad)])
