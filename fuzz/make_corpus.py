#!/usr/bin/env python3
"""Seeds the fuzz corpora: each conformance case as a flat JSON event for the
encoder target, and a few answers for the response target."""
import json
from pathlib import Path

HERE = Path(__file__).parent
encoder = HERE / "corpus/encoder"
encoder.mkdir(parents=True, exist_ok=True)
for i, raw in enumerate((HERE.parent / "conformance/runner-events.jsonl").read_text().splitlines()):
    case = json.loads(raw)
    (encoder / f"conformance-{i:02}.json").write_text(json.dumps({"event": case["event"], **case["fields"]}))
(encoder / "custom.json").write_text(json.dumps(
    {"event": "image_built", "timestamp": 1.5, "base": "noble", "size_mb": 2048, "cached": False, "ratio": 0.5}))

response = HERE / "corpus/response"
response.mkdir(parents=True, exist_ok=True)
for status, header, body in [(204, b"", b""), (429, b"1", b"slow down"), (503, b"Wed, 21 Oct 2015 07:28:00 GMT", b""),
                             (400, b"", "entry out of order \u00e9".encode()), (413, b"", b"\xff\xfe")]:
    data = status.to_bytes(2, "little") + bytes([len(header)]) + header + body
    (response / f"status-{status}.bin").write_bytes(data)
