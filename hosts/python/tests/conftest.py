"""Fixtures: the shared receiver binary in its own process, and one Host."""

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from testkit import REPO, Receiver

from runner_metrics import Host

TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
RECEIVER = TARGET / "debug" / "runner-metrics-receiver"
if os.environ.get("CARGO_TARGET_DIR"):
    # The package looks for the cargo build in the repository's target/.
    os.environ.setdefault(
        "RUNNER_METRICS_WASM", str(TARGET / "guest" / "wasm32-wasip2" / "guest" / "runner_metrics.wasm")
    )
EXTRA_OPTION_WASM = TARGET / "guest-test-extra-option" / "wasm32-wasip2" / "guest" / "runner_metrics.wasm"
"""The component built with the test-only setter `set-test-extra-option`."""

# Compiled components go to a cache of this run's (subprocesses inherit it),
# not to the user's.
_CACHE = tempfile.mkdtemp(prefix="runner-metrics-test-cache-")
os.environ["RUNNER_METRICS_CACHE_DIR"] = _CACHE


def pytest_unconfigure() -> None:
    shutil.rmtree(_CACHE, ignore_errors=True)


NAMESPACE_HINT = (
    "run the suite in its own network namespace: unshare -rn sh -c 'ip link set lo up && hosts/python/run-tests.sh'"
)


def _build_hint(path: Path, what: str) -> str:
    return f"{path} is missing: build {what} first (hosts/python/run-tests.sh does)"


@pytest.fixture(scope="session")
def receiver_process() -> Iterator[Receiver]:
    if not RECEIVER.is_file():
        pytest.fail(_build_hint(RECEIVER, "cargo build -p runner-metrics-testkit --bin runner-metrics-receiver"))
    rx = Receiver(RECEIVER)
    yield rx
    rx.close()


@pytest.fixture
def receiver(receiver_process: Receiver) -> Receiver:
    """The shared receiver, with nothing recorded or scripted."""
    receiver_process.reset()
    return receiver_process


@pytest.fixture(scope="session")
def host() -> Host:
    """One instance for the whole run (tests that need their own make it)."""
    return Host()


@pytest.fixture(scope="session")
def promtail_process() -> Iterator[Receiver]:
    """A receiver on Promtail's default port 3100, where `issue_event` sends."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", 3100))
        except OSError:
            pytest.skip(f"port 3100 is taken; {NAMESPACE_HINT}")
    rx = Receiver(RECEIVER, port=3100)
    yield rx
    rx.close()


@pytest.fixture
def promtail(promtail_process: Receiver) -> Receiver:
    promtail_process.reset()
    return promtail_process


@pytest.fixture
def extra_option_wasm() -> Path:
    if not EXTRA_OPTION_WASM.is_file():
        pytest.fail(_build_hint(EXTRA_OPTION_WASM, "cargo build -p runner-metrics-host"))
    return EXTRA_OPTION_WASM
