from typing import Iterator

import pytest
from receiver import Receiver

from runner_metrics import Host


@pytest.fixture(scope="session")
def host() -> Host:
    """One compiled component for the whole run: compiling takes about 0.5 s."""
    return Host()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx
