"""The shared test receiver (crates/testkit's `runner-metrics-receiver`), in a
process of its own, driven through its control API (crates/testkit/README.md)."""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]


class Receiver:
    """One receiver process. It dies with the test process too: it serves
    until its stdin, a pipe from here, reaches end of file."""

    def __init__(self, binary: Path, port: int = 0):
        self.process = subprocess.Popen(
            [str(binary), "--port", str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=10)
            raise RuntimeError(f"{binary} exited with {self.process.returncode} before it printed its URLs")
        urls = json.loads(line)
        self.url: str = urls["push"]
        self.control: str = urls["control"]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _request(self, method: str, path: str, body: Any | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.control}/{path}", data=data, method=method)
        request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def reset(self) -> None:
        self._request("POST", "reset", {})

    def script(self, answers: list[dict[str, Any]]) -> None:
        """The answers to the next pushes, in order: `{"status", "headers", "body"}`."""
        self._request("POST", "script", answers)

    def pushes(self) -> list[dict[str, Any]]:
        """Every accepted push, decoded: `content_length`, `chunked`, `headers`, `streams`, ..."""
        pushes: list[dict[str, Any]] = self._request("GET", "pushes")
        return pushes

    def requests(self) -> int:
        """Push requests received, whatever the answer."""
        count: int = self._request("GET", "requests")["requests"]
        return count

    def fault(self, kind: str, **params: Any) -> str:
        """The URL of a new listener that misbehaves as `kind` says."""
        url: str = self._request("POST", "fault", {"kind": kind, **params})["url"]
        return url

    def lines(self) -> list[str]:
        """The lines of every accepted push, in order."""
        return [e["line"] for p in self.pushes() for s in p["streams"] for e in s["entries"]]


def run_python(script: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``script`` run by this Python in a process of its own (so that an
    abort fails one test, and its exit is its own), with this package on its
    path: stdout and stderr captured as text."""
    package = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (package, os.environ.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        timeout=timeout,
    )
