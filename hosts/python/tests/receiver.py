"""A Loki push receiver on 127.0.0.1 for the tests.

It decodes JSON pushes (gunzipped when ``Content-Encoding: gzip``) as Loki's
distributor would, answers 400 on a malformed one, answers scripted replies
and then 204, and records every push it answered with a 2xx.

It runs in a thread of the test process: wasmtime-py releases the GIL while
the component runs, so the thread answers during a call.
"""

import gzip
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Deque, Dict, List, Tuple

PUSH_PATH = "/loki/api/v1/push"

Pairs = List[Tuple[str, str]]


@dataclass
class Reply:
    """How to answer one request. ``delay``: seconds to wait first."""

    status: int = 204
    headers: Dict[str, str] = field(default_factory=dict)
    body: str = ""
    delay: float = 0.0


@dataclass
class Stream:
    """One stream of a push: its labels in order, and per entry the line and
    the structured metadata."""

    labels: Pairs
    lines: List[str]
    metadata: List[Pairs]


@dataclass
class Push:
    """An accepted request: headers (lower-case names) and streams."""

    headers: Dict[str, str]
    streams: List[Stream]


class Receiver:
    """Listens on ``127.0.0.1:0`` until closed; ``url`` is its push URL."""

    def __init__(self) -> None:
        self.pushes: List[Push] = []
        self.attempts = 0
        self._script: Deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        # A short poll interval: close() waits for the next poll.
        threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{PUSH_PATH}"

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order."""
        with self._lock:
            self._script.extend(replies)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "Receiver":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _next_reply(self) -> Reply:
        return self._script.popleft() if self._script else Reply()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Do not wait on close for connections the client keeps open.
    block_on_close = False
    receiver: Receiver


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        rx = self.server.receiver
        with rx._lock:
            rx.attempts += 1
        if self.path != PUSH_PATH:
            return self._answer(Reply(404, body="404 page not found\n"))
        try:
            streams = decode(self._body(), self.headers.get("Content-Type", ""), self.headers.get("Content-Encoding", ""))
        except ValueError as e:
            return self._answer(Reply(400, body=f"{e}\n"))
        with rx._lock:
            reply = rx._next_reply()
            if 200 <= reply.status < 300:
                rx.pushes.append(Push({k.lower(): v for k, v in self.headers.items()}, streams))
        time.sleep(reply.delay)
        self._answer(reply)

    def _body(self) -> bytes:
        # http.server leaves chunked request bodies (which wasmtime sends) to us.
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = bytearray()
        while size := int(self.rfile.readline().split(b";")[0], 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        while self.rfile.readline().strip():  # trailers, up to the blank line
            pass
        return bytes(body)

    def _answer(self, reply: Reply) -> None:
        body = reply.body.encode()
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.status != 204:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except ConnectionError:
            pass  # the client gave up waiting (the timeout tests)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def decode(body: bytes, content_type: str, content_encoding: str) -> List[Stream]:
    """The streams of a JSON push body; ``ValueError`` says why it is malformed."""
    if content_encoding == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as e:
            raise ValueError(f"gzip: {e}") from None
    elif content_encoding:
        raise ValueError(f"unsupported Content-Encoding {content_encoding!r}")
    if content_type.split(";")[0].strip() != "application/json":
        raise ValueError(f"unsupported Content-Type {content_type!r}")
    root = json.loads(body)
    streams = root.get("streams") if isinstance(root, dict) else None
    if not isinstance(streams, list):
        raise ValueError("`streams` must be an array")
    return [_stream(s) for s in streams]


def _stream(s: Any) -> Stream:
    if not isinstance(s, dict) or not isinstance(s.get("values"), list):
        raise ValueError("a stream must be an object with `stream` and `values`")
    stream = Stream(_pairs(s.get("stream"), "stream labels"), [], [])
    for value in s["values"]:
        if not isinstance(value, list) or len(value) not in (2, 3):
            raise ValueError("a value must be [timestamp, line] or [timestamp, line, metadata]")
        if not (isinstance(value[0], str) and value[0].isdigit()):
            raise ValueError("a timestamp must be a string of digits")
        if not isinstance(value[1], str):
            raise ValueError("a line must be a string")
        stream.lines.append(value[1])
        stream.metadata.append(_pairs(value[2], "structured metadata") if len(value) == 3 else [])
    return stream


def _pairs(obj: Any, what: str) -> Pairs:
    if not isinstance(obj, dict) or not all(isinstance(v, str) for v in obj.values()):
        raise ValueError(f"{what} must be an object of strings")
    return list(obj.items())


def closed_url() -> str:
    """A loopback push URL with nothing listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{PUSH_PATH}"
