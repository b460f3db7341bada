"""Loading, preopened directories, and recovery after a trap."""

import pytest
from receiver import Receiver

from runner_metrics import Client, ComponentTrap, Config, FileSink, Host, MetricsError, RunnerInstalled
from runner_metrics.host import DEFAULT_WASM

EVENT = RunnerInstalled(timestamp=1700000000.25, flavor="small", duration=12)
LINE = '{"timestamp":1700000000.25,"event":"runner_installed","flavor":"small","duration":12.0}'


def test_the_wasm_path_comes_from_the_argument_then_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RUNNER_METRICS_WASM", str(tmp_path / "env.wasm"))
    with pytest.raises(FileNotFoundError, match="env.wasm"):
        Host()
    with pytest.raises(FileNotFoundError, match="arg.wasm"):
        Host(tmp_path / "arg.wasm")
    monkeypatch.delenv("RUNNER_METRICS_WASM")
    assert Host().wasm_path == DEFAULT_WASM


def test_file_sink_writes_lines_into_a_preopened_directory(tmp_path):
    host = Host(dirs=[(str(tmp_path), "/metrics")])
    with Client(Config(sink=FileSink("/metrics/github-runner-metrics.log")), host=host) as c:
        c.issue_event(EVENT)
        c.issue_events([EVENT, EVENT])
        assert c.stats().sent_events == 3
    assert (tmp_path / "github-runner-metrics.log").read_text() == (LINE + "\n") * 3
    with pytest.raises(MetricsError) as caught:
        Client(Config(sink=FileSink("/elsewhere/metrics.log")), host=host)
    assert (caught.value.case, caught.value.path) == ("storage", "/elsewhere/metrics.log")


def test_a_trap_replaces_the_instance_and_clients_carry_on(receiver: Receiver):
    # No input makes the component trap (the contract), so starve it instead:
    # cap the store's memory and pass a string larger than the cap. The guest's
    # allocator fails and aborts: a real `unreachable` trap inside the guest.
    host = Host()
    with Client(Config(endpoint=receiver.url, batch_max_events=100), host=host) as c:
        c.issue_event(EVENT)
        assert c.stats().buffered_events == 1
        host._live.store.set_limits(memory_size=4 << 20)
        with pytest.raises(ComponentTrap) as caught:
            c.issue_event(RunnerInstalled(timestamp=1, flavor="x" * (8 << 20), duration=1))
        assert "unreachable" in str(caught.value.__cause__)
        # The next call runs in a fresh instance; the client was made again
        # there with its config, and what the old one buffered is gone.
        c.issue_event(EVENT)
        assert c.stats().buffered_events == 1
        c.flush()
    assert [p.streams[0].lines for p in receiver.pushes] == [[LINE]]
    with pytest.raises(MetricsError):
        host.issue_event(RunnerInstalled(timestamp=-1, flavor="s", duration=1))
