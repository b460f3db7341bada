"""The Host: where the component comes from, its check against the contract,
directories, log files, the extra-option build, and recovery from a trap."""

import copy
import json
from pathlib import Path

import pytest
from testkit import Receiver
from wasmtime import Engine
from wasmtime.component import Component

from runner_metrics import (
    Client,
    ComponentTrap,
    Entry,
    Host,
    LogFile,
    MetricsError,
    RunnerInstalled,
    StorageFailure,
    _contract,
    _wasm,
)
from runner_metrics._generated import TYPES

EVENT = RunnerInstalled(timestamp=1700000000.25, flavor="small", duration=12)
LINE = '{"timestamp":1700000000.25,"event":"runner_installed","flavor":"small","duration":12.0}'


def test_the_component_comes_from_the_argument_then_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RUNNER_METRICS_WASM", str(tmp_path / "env.wasm"))
    with pytest.raises(FileNotFoundError, match="env.wasm"):
        Host()
    with pytest.raises(FileNotFoundError, match="arg.wasm"):
        Host(tmp_path / "arg.wasm")
    monkeypatch.delenv("RUNNER_METRICS_WASM")
    # In the repository, with no wheel around it: the cargo build's output.
    assert not _wasm.PACKAGED.exists()
    if _wasm.REPOSITORY.is_file():
        assert _wasm.locate() == _wasm.REPOSITORY
    else:
        with pytest.raises(FileNotFoundError, match="cargo build"):
            _wasm.locate()


def test_the_extra_option_build_runs_in_this_unchanged_host(extra_option_wasm: Path, receiver: Receiver) -> None:
    engine = Engine()
    exports = Component.from_file(engine, extra_option_wasm).type.exports(engine)
    promtail = exports["github-runner:metrics/promtail@0.2.0"].ty.exports(engine)
    assert "[method]options.set-test-extra-option" in promtail  # it is that build
    host = Host(extra_option_wasm)
    with Client(host, endpoint=receiver.url, labels=[("build", "extra")]) as client:
        client.issue_event(EVENT)
        client.issue([Entry(event=EVENT)])
        assert client.stats().sent_events == 2
    with pytest.raises(MetricsError):
        Client(host, timeout_ms=0)
    assert receiver.lines() == [LINE, LINE]


def test_a_component_of_another_shape_is_refused_when_loaded(host: Host, monkeypatch) -> None:
    changed = copy.deepcopy(TYPES)
    changed["runner-start"]["fields"][5][0] = "idle-seconds"
    monkeypatch.setattr(_contract, "TYPES", changed)
    with pytest.raises(_contract.ContractError, match="idle-seconds"):
        _contract.read(host._compiled.component.type, host._engine)


def test_a_component_without_the_interface_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wasm"
    empty.write_bytes(bytes.fromhex("0061736d0d000100"))  # a component with nothing in it
    with pytest.raises(_contract.ContractError, match="does not export github-runner:metrics/promtail@0.2.0"):
        Host(empty)


def test_a_log_file_gets_its_directory_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "github-runner-metrics.log"
    with LogFile(path) as log:
        log.write([EVENT])
        log.write([EVENT, EVENT])
    assert path.read_text() == (LINE + "\n") * 3
    host = Host(dirs=[(str(tmp_path), "/metrics")])
    with LogFile("/metrics/other.log", host=host) as log:
        log.write([EVENT])
    assert (tmp_path / "other.log").read_text() == LINE + "\n"
    with pytest.raises(MetricsError) as caught:
        LogFile("/elsewhere/metrics.log", host=host)
    assert caught.value.case == "storage"
    assert isinstance(caught.value.payload, StorageFailure)


def test_a_spool_in_a_granted_directory_keeps_events_until_the_receiver_answers(
    tmp_path: Path, receiver: Receiver
) -> None:
    host = Host(dirs=[tmp_path])
    spool = str(tmp_path / "spool")
    down = receiver.fault("refused")
    with Client(host, endpoint=down, spool=spool, max_attempts=1) as client:
        with pytest.raises(MetricsError) as caught:
            client.issue_event(EVENT)
        assert caught.value.case == "spooled" and caught.value.payload.events == 1
    with Client(host, endpoint=receiver.url, spool=spool) as client:
        client.flush()
        assert client.stats().replayed_events == 1
    assert receiver.lines() == [LINE]


def test_a_trap_replaces_the_instance_and_clients_carry_on(receiver: Receiver) -> None:
    # No input makes the component trap (the contract), so starve it: cap the
    # store's memory and pass a string larger than the cap. The guest's
    # allocator fails and aborts, a real trap inside the guest.
    host = Host()
    with Client(host, endpoint=receiver.url, batch_max_events=100) as client:
        client.issue_event(EVENT)
        assert client.stats().buffered_events == 1
        host._live.store.set_limits(memory_size=4 << 20)
        with pytest.raises(ComponentTrap) as caught:
            client.issue_event(RunnerInstalled(timestamp=1, flavor="x" * (8 << 20), duration=1))
        assert caught.value.__cause__ is not None
        # The next call runs in a fresh instance, where the client was made
        # again with its settings; what the old one buffered is gone.
        client.issue_event(EVENT)
        assert client.stats().buffered_events == 1
        client.flush()
    assert receiver.lines() == [LINE]
    assert json.loads(receiver.pushes()[0]["streams"][0]["entries"][0]["line"])["flavor"] == "small"
