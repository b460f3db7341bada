"""The Host: where the component comes from, its check against the contract,
directories, log files, the extra-option build, and recovery from a trap."""

import copy
import errno
import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from testkit import REPO, Receiver
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
    _storage,
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


def test_a_file_that_is_no_component_is_named_and_refused(tmp_path: Path) -> None:
    text = tmp_path / "passwd"
    text.write_text("root:x:0:0::/root:/bin/sh\n")
    with pytest.raises(_contract.ContractError, match=f"^{text}: not a WebAssembly component: ") as caught:
        Host(text)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    with pytest.raises(FileNotFoundError) as missing:
        Host(tmp_path / "none.wasm")
    assert str(missing.value) == f"no component at {tmp_path / 'none.wasm'}, which Host(wasm=...) names"


def test_dirs_given_as_one_path_is_refused(tmp_path: Path) -> None:
    # A str is iterable: each character would have been a directory ("/").
    for one in [str(tmp_path), tmp_path, bytes(tmp_path)]:
        with pytest.raises(TypeError, match=r"dirs is a list of directories"):
            Host(dirs=one)  # type: ignore[arg-type]


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
    # Not "no such file": the host gave the component no directory for it.
    assert caught.value.payload == StorageFailure(
        path="/elsewhere/metrics.log", detail="in no directory the host gave the component"
    )


def test_a_spool_in_a_granted_directory_keeps_events_until_the_receiver_answers(
    tmp_path: Path, receiver: Receiver
) -> None:
    host = Host(dirs=[tmp_path])
    spool = str(tmp_path / "spool")
    receiver.script([{"status": 503}])
    with Client(host, endpoint=receiver.url, spool=spool, max_attempts=1) as client:
        with pytest.raises(MetricsError) as caught:
            client.issue_event(EVENT)
        assert caught.value.case == "spooled" and caught.value.payload.events == 1
    with Client(host, endpoint=receiver.url, spool=spool) as client:
        client.flush()
        assert client.stats().replayed_events == 1
    assert receiver.lines() == [LINE]


def test_a_client_without_a_host_is_given_its_spool(tmp_path: Path, receiver: Receiver, monkeypatch) -> None:
    # Nothing preopened it: `storage failure: <dir>: no such file or directory`.
    monkeypatch.chdir(tmp_path)
    receiver.script([{"status": 503}])
    with Client(endpoint=receiver.url, spool="spool/new", max_attempts=1) as client:  # relative, and missing
        with pytest.raises(MetricsError) as caught:
            client.issue_event(EVENT)
        assert caught.value.case == "spooled"
    # Seen at its absolute path, which errors and the spool then name.
    assert len(list((tmp_path / "spool" / "new").iterdir())) == 1
    with Client(endpoint=receiver.url, spool=str(tmp_path / "spool" / "new")) as client:
        client.flush()
        assert client.stats().replayed_events == 1
    assert receiver.lines() == [LINE]


def test_a_spool_the_host_cannot_be_given_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(MetricsError) as caught:
        Client(spool=str(tmp_path / "file" / "spool"))
    assert caught.value.payload == StorageFailure(path=str(tmp_path / "file" / "spool"), detail="not a directory")
    # A value the setter refuses is its error, and nothing is created for it.
    with pytest.raises(MetricsError) as caught:
        Client(spool=str(tmp_path / "a\nb"))
    assert (caught.value.case, caught.value.payload.field) == ("invalid-config", "spool")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_directory_that_cannot_be_granted_is_a_storage_error_naming_it(tmp_path: Path) -> None:
    # It was wasmtime-py's `WasmtimeError: failed to add preopen dir`.
    missing = tmp_path / "missing-dir"
    with pytest.raises(MetricsError) as caught:
        LogFile(missing / "x.log")
    # Named by the file, as the component names one it cannot open.
    assert str(caught.value) == f"storage failure: {missing / 'x.log'}: no such file or directory"
    assert caught.value.__context__ is None
    with pytest.raises(MetricsError) as caught:
        Host(dirs=[missing])
    assert caught.value.payload == StorageFailure(path=str(missing), detail="no such file or directory")
    with pytest.raises(MetricsError) as caught:
        Host(dirs=[(str(tmp_path / "nul\0"), "/metrics")])
    assert caught.value.case == "storage"


@pytest.mark.parametrize("limit", [0, 64 << 10])
def test_a_file_size_limit_costs_only_the_cache(tmp_path: Path, receiver: Receiver, limit: int) -> None:
    # Under `ulimit -f 64` the first instance failed: `WasmtimeError: File too
    # large (os error 27)`, from the memory image wasmtime writes to a memfd.
    script = (
        "import sys\n"
        "from runner_metrics import Client, RunnerInstalled\n"
        "with Client(endpoint=sys.argv[1]) as client:\n"
        "    client.issue_event(RunnerInstalled(timestamp=1700000000.25, flavor='small', duration=12))\n"
    )
    cache = tmp_path / "cache"
    package = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": package, "RUNNER_METRICS_CACHE_DIR": str(cache), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script, receiver.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
    )
    assert done.returncode == 0, done.stderr
    assert receiver.lines() == [LINE]
    assert [p for p in cache.iterdir() if p.stat().st_size > 0] == []  # nothing cached, and nothing torn left


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


# The texts hosts/js/test/api.test.js expects for the same spools, word for word.
SPOOL_IS_A_FILE = "storage failure: {path}: not a directory (the spool needs one)"
SPOOL_CANNOT_BE_MADE = {
    "EPERM": "storage failure: {path}: operation not permitted",  # as root
    "EACCES": "storage failure: {path}: permission denied",
}


def test_a_spool_that_is_a_file_is_the_storage_error_every_host_gives(tmp_path: Path) -> None:
    # It was `not a directory` here, `already exists` in JavaScript.
    (tmp_path / "file").write_text("")
    for spool in (tmp_path / "file", Path(os.path.relpath(tmp_path / "file"))):
        with pytest.raises(MetricsError) as caught:
            Client(spool=spool)
        assert str(caught.value) == SPOOL_IS_A_FILE.format(path=tmp_path / "file")
        assert caught.value.__context__ is None
    # Through a symbolic link, and one that leads nowhere.
    (tmp_path / "link").symlink_to(tmp_path / "file")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(MetricsError) as caught:
        Client(spool=tmp_path / "link")
    assert str(caught.value) == SPOOL_IS_A_FILE.format(path=tmp_path / "link")
    with pytest.raises(MetricsError) as caught:
        Client(spool=tmp_path / "dangling")
    assert str(caught.value) == f"storage failure: {tmp_path / 'dangling'}: no such file or directory"
    (tmp_path / "dir").mkdir()
    (tmp_path / "dirlink").symlink_to(tmp_path / "dir")
    Client(spool=tmp_path / "dirlink").close()
    # A bad setting is reported before the spool, as in JavaScript.
    with pytest.raises(MetricsError) as caught:
        Client(spool=tmp_path / "file", timeout_ms=0)
    assert (caught.value.case, caught.value.payload.field) == ("invalid-config", "timeout-ms")


def test_a_spool_that_cannot_be_made_is_a_storage_error_with_the_reason(tmp_path: Path) -> None:
    # The failed mkdir was ignored, and the error was the component's
    # `no such file or directory`.
    spool = "/sys/kernel/runner-metrics-spool/s"
    try:
        os.mkdir(os.path.dirname(spool))
    except OSError as e:
        code = errno.errorcode[e.errno]
    else:
        os.rmdir(os.path.dirname(spool))
        pytest.skip("this system lets a directory be made in /sys/kernel")
    with pytest.raises(MetricsError) as caught:
        Client(spool=spool)
    assert str(caught.value) == SPOOL_CANNOT_BE_MADE[code].format(path=spool)
    with pytest.raises(MetricsError) as caught:
        Client(spool="/proc/nope/spool")
    assert str(caught.value) == "storage failure: /proc/nope/spool: no such file or directory"


def test_a_storage_error_is_worded_as_the_javascript_host_words_it() -> None:
    js = (REPO / "hosts" / "js" / "lib" / "storage-errors.js").read_text()
    table = dict(re.findall(r"^\s+(E[A-Z]+): '([^']*)',$", js, re.MULTILINE))
    assert table == _storage._DETAILS
    assert "`error ${code}`" in js  # an errno of neither table: its name
    assert _storage.detail(OSError(errno.EXDEV, "Invalid cross-device link")) == "error EXDEV"
