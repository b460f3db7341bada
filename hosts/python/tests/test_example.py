"""example.py runs as the README shows it."""

import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "example.py"


def test_example_sends_one_event(receiver):
    done = subprocess.run([sys.executable, EXAMPLE, receiver.url], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "sent; 1 request(s)\n"
    (push,) = receiver.pushes
    assert push.streams[0].labels == [("job", "metrics"), ("juju_unit", "github-runner/0"), ("event", "runner_start")]
    assert json.loads(push.streams[0].lines[0])["workflow"] == "CI"
