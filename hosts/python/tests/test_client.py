"""The Python API: Client, its settings, batching, stats, close, errors."""

import gc
import json
import threading
import time
from pathlib import Path

import pytest
from testkit import Receiver, run_python

from runner_metrics import (
    Bearer,
    Client,
    CodeInformation,
    CustomEvent,
    Encoding,
    Entry,
    Host,
    Integer,
    MetricsError,
    Number,
    Reconciliation,
    Rejection,
    RunnerInstalled,
    RunnerStart,
    RunnerStop,
    Stats,
    Text,
)
from runner_metrics._generated import SETTERS

INSTALLED = RunnerInstalled(timestamp=1700000000.25, flavor="small", duration=12)
INSTALLED_LINE = '{"timestamp":1700000000.25,"event":"runner_installed","flavor":"small","duration":12.0}'


def test_every_event_kind_arrives_as_its_line(host: Host, receiver: Receiver) -> None:
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
            status_info=CodeInformation(code=403),
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
    with Client(host, endpoint=receiver.url, max_attempts=1) as client:
        for event in events:
            client.issue_event(event)
    lines = receiver.lines()
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


def test_settings_are_keywords_applied_by_the_setters(host: Host, receiver: Receiver) -> None:
    settings = dict(
        endpoint=receiver.url,
        labels=[("juju_unit", "github-runner/0")],
        timeout_ms=2000,
        encoding=Encoding.JSON_GZIP,
        tenant="team-a",
        auth=Bearer("tok-123"),
        headers=[("X-Trace", "abc")],
        max_attempts=1,
    )
    with Client(host, **settings) as client:
        client.issue_event(INSTALLED)
    (push,) = receiver.pushes()
    assert push["content_encoding"] == "gzip"
    assert push["headers"]["x-scope-orgid"] == "team-a"
    assert push["headers"]["authorization"] == "Bearer tok-123"
    assert push["headers"]["x-trace"] == "abc"
    assert push["streams"][0]["labels"] == [
        ["job", "metrics"],
        ["juju_unit", "github-runner/0"],
        ["event", "runner_installed"],
    ]


def test_an_enum_setting_also_takes_its_wit_name(host: Host, receiver: Receiver) -> None:
    with Client(host, endpoint=receiver.url, encoding="protobuf") as client:
        client.issue_event(INSTALLED)
    assert receiver.pushes()[0]["content_type"] == "application/x-protobuf"


def test_an_unknown_keyword_lists_the_settings() -> None:
    with pytest.raises(TypeError) as caught:
        Client(endpont="http://127.0.0.1:1/")  # type: ignore[call-arg]
    message = str(caught.value)
    assert "endpont" in message
    for setting, _, _, _ in SETTERS:
        assert setting.replace("-", "_") in message


def test_a_bad_setting_fails_when_the_client_is_made(host: Host) -> None:
    with pytest.raises(MetricsError) as caught:
        Client(host, labels=[("__name__", "x")])
    assert caught.value.case == "invalid-config"
    assert caught.value.payload.field == "labels[0].name"
    # Settings checked together, by the constructor.
    with pytest.raises(MetricsError) as caught:
        Client(host, min_backoff_ms=2000, max_backoff_ms=1000)
    assert caught.value.payload.field == "max-backoff-ms"


def test_issue_carries_each_entrys_metadata_after_the_clients(host: Host, receiver: Receiver) -> None:
    with Client(host, endpoint=receiver.url, structured_metadata=[("host", "runner-7")]) as client:
        client.issue([Entry(event=INSTALLED, metadata=[("job_id", "42")]), Entry(event=INSTALLED)])
    (push,) = receiver.pushes()
    assert [e["metadata"] for e in push["streams"][0]["entries"]] == [
        [["host", "runner-7"], ["job_id", "42"]],
        [["host", "runner-7"]],
    ]


def test_batching_buffers_until_flush_and_close_flushes(host: Host, receiver: Receiver) -> None:
    client = Client(host, endpoint=receiver.url, batch_max_events=10)
    client.issue([Entry(event=INSTALLED), Entry(event=INSTALLED)])
    assert client.stats().buffered_events == 2 and receiver.pushes() == []
    client.flush()
    assert len(receiver.pushes()) == 1 and client.stats().buffered_events == 0
    client.issue_event(INSTALLED)
    client.close()
    assert [len(p["streams"][0]["entries"]) for p in receiver.pushes()] == [2, 1]
    client.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        client.issue_event(INSTALLED)
    # Said first, whatever the arguments.
    with pytest.raises(ValueError, match="the client is closed"):
        client.issue("not a list")  # type: ignore[arg-type]


def test_stats_are_the_generated_record(host: Host, receiver: Receiver) -> None:
    receiver.script([{"status": 503}, {"status": 200, "body": "ok"}])
    with Client(host, endpoint=receiver.url, max_attempts=3, min_backoff_ms=1, max_backoff_ms=1) as client:
        client.issue_event(INSTALLED)
        stats = client.stats()
    assert isinstance(stats, Stats)
    assert (stats.sent_events, stats.requests, stats.retries, stats.accepted_not_204) == (1, 2, 1, 1)
    assert stats.sent_bytes == receiver.pushes()[0]["body_bytes"]
    assert stats.dropped.undeliverable == 0 and stats.last_error is None


def test_an_error_is_its_case_and_generated_payload(host: Host, receiver: Receiver) -> None:
    receiver.script([{"status": 429, "headers": {"Retry-After": "2"}, "body": "rate limited\n"}])
    with Client(host, endpoint=receiver.url, max_attempts=1) as client:
        with pytest.raises(MetricsError) as caught:
            client.issue_event(INSTALLED)
        assert str(caught.value) == client.stats().last_error
    assert caught.value.case == "rejected"
    assert caught.value.payload == Rejection(status=429, body="rate limited\n", retry_after_ms=2000)
    assert str(caught.value) == "the receiver answered 429 (retry after 2000 ms): rate limited"


def test_the_text_trims_what_the_component_trims(host: Host, receiver: Receiver) -> None:
    # U+001F is whitespace to Python's str.strip but not to Rust's trim_end.
    receiver.script([{"status": 400, "body": "bad\x1f \n"}])
    with Client(host, endpoint=receiver.url, max_attempts=1) as client:
        with pytest.raises(MetricsError) as caught:
            client.issue_event(INSTALLED)
        assert str(caught.value) == client.stats().last_error == "the receiver answered 400: bad\x1f"


def test_a_timeout_carries_the_limit(host: Host, receiver: Receiver) -> None:
    receiver.script([{"hang": True}])
    with Client(host, endpoint=receiver.url, max_attempts=1, timeout_ms=200) as client:
        with pytest.raises(MetricsError) as caught:
            client.issue_event(INSTALLED)
    assert (caught.value.case, caught.value.payload) == ("timeout", 200)


def test_the_instance_keeps_working_after_every_error(host: Host, receiver: Receiver) -> None:
    receiver.script([{"status": 400, "body": "bad"}, {"status": 204}, {"status": 500}])
    with Client(host, endpoint=receiver.url, max_attempts=1) as client:
        for _ in range(2):
            with pytest.raises(MetricsError):
                client.issue_event(INSTALLED)
            client.issue_event(INSTALLED)
        with pytest.raises(MetricsError):
            client.issue_event(RunnerInstalled(timestamp=-1, flavor="s", duration=1))
        with pytest.raises(MetricsError):
            client.issue_event(RunnerInstalled(timestamp=1, flavor=None, duration=1))  # type: ignore[arg-type]
        client.issue_event(INSTALLED)
        assert client.stats().sent_events == 3
    with pytest.raises(MetricsError):
        Client(host, timeout_ms=0)
    with Client(host, endpoint=receiver.url) as client:
        client.issue_event(INSTALLED)
    assert len(receiver.pushes()) == 4


def test_a_large_batch_arrives_whole(host: Host, receiver: Receiver) -> None:
    pad = "x" * 10_000
    events = [
        CustomEvent(name="big", timestamp=i, fields=[("seq", Integer(i)), ("pad", Text(pad))]) for i in range(100)
    ]
    with Client(host, endpoint=receiver.url) as client:
        client.issue([Entry(event=e) for e in events])
    (push,) = receiver.pushes()
    assert push["content_length"] == push["body_bytes"] and not push["chunked"]
    lines = [json.loads(e["line"]) for e in push["streams"][0]["entries"]]
    assert [line["seq"] for line in lines] == list(range(100))


def test_a_client_without_a_host_waits_for_no_other_clients_call(receiver: Receiver) -> None:
    # One instance for every client made a call wait for another client's,
    # past its own deadline (7.7 s for a deadline of 1 s).
    hung = Client(endpoint=receiver.fault("hang"), timeout_ms=3000, max_attempts=1)
    outcome: list[BaseException] = []

    def issue_to_the_hung_endpoint() -> None:
        try:
            hung.issue_event(INSTALLED)
        except MetricsError as e:
            outcome.append(e)

    thread = threading.Thread(target=issue_to_the_hung_endpoint)
    thread.start()
    try:
        time.sleep(0.3)  # into its call
        started = time.monotonic()
        with Client(endpoint=receiver.url, deadline_ms=1000) as client:
            client.issue_event(INSTALLED)
        assert time.monotonic() - started < 1.5
        assert thread.is_alive()  # the other call still runs
        assert client._host is not hung._host
    finally:
        thread.join()
        hung.close()
    assert [(e.case, e.payload) for e in outcome] == [("timeout", 3000)]  # type: ignore[attr-defined]
    assert len(receiver.pushes()) == 1


def test_clients_given_one_host_share_its_instance(host: Host, receiver: Receiver) -> None:
    with Client(host, endpoint=receiver.url) as a, Client(host, endpoint=receiver.url) as b:
        assert a._host is b._host is host
        a.issue_event(INSTALLED)
        b.issue_event(INSTALLED)
    assert len(receiver.pushes()) == 2


def test_close_raises_what_its_flush_of_the_buffer_gave(host: Host, receiver: Receiver, capfd) -> None:
    receiver.script([{"status": 500, "body": "down"}])
    client = Client(host, endpoint=receiver.url, batch_max_events=10, max_attempts=1)
    client.issue_event(INSTALLED)
    with pytest.raises(MetricsError) as caught:
        client.close()
    assert str(caught.value) == "the receiver answered 500: down"
    # Dropped all the same, and the failure told once, to the caller.
    with pytest.raises(ValueError, match="closed"):
        client.stats()
    client.close()
    assert "could not deliver" not in capfd.readouterr().err


def test_close_with_nothing_buffered_does_not_flush(tmp_path, receiver: Receiver) -> None:
    # A flush would replay the spool first, and fail again.
    receiver.script([{"status": 503}, {"status": 503}])
    with Client(endpoint=receiver.url, spool=str(tmp_path), max_attempts=1) as client:
        with pytest.raises(MetricsError) as caught:
            client.issue_event(INSTALLED)
        assert caught.value.case == "spooled"
    assert receiver.requests() == 1


def test_close_of_a_spooling_client_says_the_events_are_safe(tmp_path, receiver: Receiver) -> None:
    receiver.script([{"status": 503}])
    client = Client(endpoint=receiver.url, spool=str(tmp_path), batch_max_events=10, max_attempts=1)
    client.issue_event(INSTALLED)
    with pytest.raises(MetricsError) as caught:
        client.close()
    assert (caught.value.case, caught.value.payload.events) == ("spooled", 1)
    with Client(endpoint=receiver.url, spool=str(tmp_path)) as client:
        client.flush()
    assert receiver.lines() == [INSTALLED_LINE]


def test_an_unclosed_client_warns(host: Host, receiver: Receiver) -> None:
    client = Client(host, endpoint=receiver.url)
    with pytest.warns(ResourceWarning, match="unclosed"):
        del client
        gc.collect()


def test_a_collected_unclosed_client_delivers_what_it_buffered(host: Host, receiver: Receiver, capfd) -> None:
    # They were lost, silently: the finalizer only warned, and warnings of
    # this category are not shown by default.
    client = Client(host, endpoint=receiver.url, batch_max_events=10)
    client.issue_event(INSTALLED)
    with pytest.warns(ResourceWarning, match="unclosed"):
        del client
        gc.collect()
    assert receiver.lines() == [INSTALLED_LINE]
    assert capfd.readouterr().err == ""


def test_a_collected_client_says_on_stderr_what_it_could_not_deliver(
    host: Host, receiver: Receiver, capfd
) -> None:
    receiver.script([{"status": 500, "body": "down"}])
    client = Client(host, endpoint=receiver.url, batch_max_events=10, max_attempts=1)
    client.issue([Entry(event=INSTALLED), Entry(event=INSTALLED)])
    with pytest.warns(ResourceWarning, match="unclosed"):
        del client
        gc.collect()
    assert capfd.readouterr().err == (
        "runner-metrics: a dropped client could not deliver 2 buffered events: the receiver answered 500: down\n"
    )


def test_a_client_collected_while_its_host_is_busy_says_its_events_are_lost(receiver: Receiver, capfd) -> None:
    # A finalizer never waits: for another thread's call, or its own thread's.
    host = Host()
    client = Client(host, endpoint=receiver.url, batch_max_events=10)
    client.issue_event(INSTALLED)
    idle = Client(host, endpoint=receiver.url, batch_max_events=10)  # nothing issued: nothing to say
    taken, release = threading.Event(), threading.Event()

    def call() -> None:
        with host._lock:
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=call)
    thread.start()
    try:
        assert taken.wait(10)
        with pytest.warns(ResourceWarning, match="unclosed"):
            del client, idle
            gc.collect()
    finally:
        release.set()
        thread.join()
    assert capfd.readouterr().err == (
        "runner-metrics: a dropped client could not deliver its buffered events: its Host was in another call\n"
    )
    assert receiver.requests() == 0


def test_a_client_unclosed_at_exit_says_its_events_are_lost(receiver: Receiver) -> None:
    # At exit no guest code runs from a finalizer: the modules are being torn down.
    script = (
        "import sys\n"
        "from runner_metrics import Client, RunnerInstalled\n"
        "client = Client(endpoint=sys.argv[1], batch_max_events=10)\n"
        "client.issue_event(RunnerInstalled(timestamp=1, flavor='s', duration=1))\n"
    )
    ran = run_python(script, receiver.url)
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr == (
        "runner-metrics: a dropped client could not deliver its buffered events: the interpreter was exiting\n"
    )


def test_a_spool_may_be_a_path(tmp_path: Path, host: Host, receiver: Receiver) -> None:
    # It was refused: `invalid config: spool: expected a string, got an object`.
    spool = tmp_path / "spool"
    receiver.script([{"status": 503}])
    with Client(endpoint=receiver.url, spool=spool, max_attempts=1) as client:
        assert client._options["spool"] == str(spool)
        with pytest.raises(MetricsError) as caught:
            client.issue_event(INSTALLED)
        assert caught.value.case == "spooled"
    with Client(Host(dirs=[tmp_path]), endpoint=receiver.url, spool=spool) as client:
        client.flush()
    assert receiver.lines() == [INSTALLED_LINE]
    # Bytes are no more a path than they were.
    for path in (b"/tmp/spool", _BytesPath()):
        with pytest.raises(MetricsError) as caught:
            Client(spool=path)  # type: ignore[arg-type]
        assert str(caught.value) == "invalid config: spool: expected a string, got an object"


class _BytesPath:
    def __fspath__(self) -> bytes:
        return b"/tmp/spool"
