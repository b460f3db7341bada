"""The README's example and example.py run as shown, in a process of their
own, with the package as a user has it."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from testkit import Receiver

HERE = Path(__file__).resolve().parents[1]


def run(args: list, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "readme",
    [HERE / "README.md", HERE.parents[1] / "README.md", HERE.parents[1] / "docs" / "hosts" / "python.md"],
    ids=["package", "repository", "docs"],
)
def test_the_readme_example_issues_to_promtails_port(readme: Path, promtail: Receiver, tmp_path: Path) -> None:
    (snippet,) = re.findall(r"```python\n(.*?)```", readme.read_text(), re.S)
    done = run(["-c", snippet], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (push,) = promtail.pushes()
    assert push["streams"][0]["labels"] == [["job", "metrics"], ["event", "runner_start"]]
    assert json.loads(push["streams"][0]["entries"][0]["line"])["repo"] == "octo/hello"


def test_example_py_issues_through_a_client(receiver: Receiver, tmp_path: Path) -> None:
    done = run([str(HERE / "example.py"), receiver.url], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "sent; 1 request(s)\n"
    (push,) = receiver.pushes()
    assert push["streams"][0]["labels"] == [
        ["job", "metrics"],
        ["juju_unit", "github-runner/0"],
        ["event", "runner_start"],
    ]


def test_example_py_reports_a_failure(receiver: Receiver, tmp_path: Path) -> None:
    receiver.script([{"status": 400, "body": "no"}])
    done = run([str(HERE / "example.py"), receiver.url], cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == "not sent (rejected): the receiver answered 400: no\n"
