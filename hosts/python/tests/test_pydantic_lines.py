"""The component's line against the original's writer itself: pydantic v2
models shaped as the runner manager's (`Event` with `timestamp` and
`event`, then each record's fields in order), written with
`.json(exclude_none=True)`. The models must first reproduce every line of
conformance/runner-events.jsonl (so they are the original's shape); then
random events (every code point but surrogates, floats from random bit
patterns and decimals, integers up to 2^63 - 1) must come out of the
component byte for byte as pydantic writes them. Only inputs the component
takes are compared: it refuses what pydantic would write as `null` or
unbounded (infinities, negative durations, integers past 64 bits).
"""

from __future__ import annotations

import json
import random
import re
import struct
import warnings
from pathlib import Path
from typing import Any, Optional

import pydantic
from pydantic import BaseModel

import runner_metrics as rm
from testkit import REPO


class Event(BaseModel):
    timestamp: float
    event: str

    def __init__(self, **fields: Any):
        super().__init__(event=re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower(), **fields)


class RunnerInstalled(Event):
    flavor: str
    duration: float


class RunnerStart(Event):
    flavor: str
    workflow: str
    repo: str
    github_event: str
    idle: float
    queue_duration: Optional[float] = None


class CodeInformation(BaseModel):
    code: int


class RunnerStop(Event):
    flavor: str
    workflow: str
    repo: str
    github_event: str
    status: str
    status_info: Optional[CodeInformation] = None
    job_duration: float
    job_conclusion: Optional[str] = None


class Reconciliation(Event):
    flavor: str
    crashed_runners: int
    idle_runners: int
    active_runners: int
    expected_runners: int
    duration: float


ORIGINAL = {
    "runner_installed": RunnerInstalled,
    "runner_start": RunnerStart,
    "runner_stop": RunnerStop,
    "reconciliation": Reconciliation,
}
OURS = {
    "runner_installed": rm.RunnerInstalled,
    "runner_start": rm.RunnerStart,
    "runner_stop": rm.RunnerStop,
    "reconciliation": rm.Reconciliation,
}
FLOATS = {
    "runner_installed": ["timestamp", "duration"],
    "runner_start": ["timestamp", "idle", "queue_duration"],
    "runner_stop": ["timestamp", "job_duration"],
    "reconciliation": ["timestamp", "duration"],
}
STRINGS = {
    "runner_installed": ["flavor"],
    "runner_start": ["flavor", "workflow", "repo", "github_event"],
    "runner_stop": ["flavor", "workflow", "repo", "github_event", "status", "job_conclusion"],
    "reconciliation": ["flavor"],
}
INTEGERS = ["crashed_runners", "idle_runners", "active_runners", "expected_runners"]


def original_line(event: str, fields: dict[str, Any]) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # `.json()` is pydantic 1's name, kept (deprecated) in 2
        return ORIGINAL[event](**fields).json(exclude_none=True)


def ours(event: str, fields: dict[str, Any]) -> Any:
    fields = dict(fields)
    if fields.get("status_info") is not None:
        fields["status_info"] = rm.CodeInformation(code=fields["status_info"]["code"])
    return OURS[event](**{k: v for k, v in fields.items() if v is not None})


def component_lines(tmp_path: Path, events: list[Any]) -> list[str]:
    path = tmp_path / "metrics.log"
    path.unlink(missing_ok=True)
    with rm.LogFile(path) as log:
        log.write(events)
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def test_the_models_write_the_conformance_lines() -> None:
    assert pydantic.VERSION.startswith("2.")
    cases = [json.loads(line) for line in (REPO / "conformance" / "runner-events.jsonl").read_text().splitlines()]
    assert len(cases) >= 20
    for case in cases:
        assert original_line(case["event"], case["fields"]) == case["line"], case


def random_float(rng: random.Random) -> float:
    if rng.random() < 0.5:
        while True:  # any finite non-negative double, subnormals included
            value = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(63)))[0]
            if value == value and value != float("inf"):
                return value
    digits = rng.randint(1, 17)
    return float(f"{rng.randint(0, 10**digits)}e{rng.randint(-30, 30)}")


def random_text(rng: random.Random) -> str:
    def point() -> str:
        while True:
            c = rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0xFFFF), rng.randint(0x10000, 0x10FFFF)])
            if not 0xD800 <= c <= 0xDFFF:
                return chr(c)

    return "".join(point() for _ in range(rng.randint(0, 12)))


def random_event(rng: random.Random) -> tuple[str, dict[str, Any]]:
    event = rng.choice(list(ORIGINAL))
    fields: dict[str, Any] = {name: random_float(rng) for name in FLOATS[event]}
    fields.update({name: random_text(rng) for name in STRINGS[event]})
    if event == "reconciliation":
        fields.update({name: rng.choice([0, rng.randint(0, 2**53), rng.randint(0, 2**63 - 1)]) for name in INTEGERS})
    if event == "runner_stop":
        fields["status_info"] = rng.choice([None, {"code": rng.randint(-(2**63), 2**63 - 1)}])
        fields["job_conclusion"] = rng.choice([None, fields["job_conclusion"]])
    if event == "runner_start":
        fields["queue_duration"] = rng.choice([None, fields["queue_duration"]])
    # The component takes Loki's nanosecond timestamps up to 2262.
    fields["timestamp"] = min(fields["timestamp"], 9.2e9)
    return event, fields


SPECIAL_FLOATS = [0.0, -0.0, 0.1, 1 / 3, 1e-7, 1.5e-5, 1e-4, 123456.789, 1e15, 1e16, 1e17, 1e21, 1e22,
                  1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 9007199254740993.0, 2**53 + 1, 10**20]
SPECIAL_TEXT = ["", "é", "😀", "👍🏽", "中文", "\u2028\u2029", "".join(map(chr, range(32))), "\x7f\x80\x9f",
                '"\\/', "</script>", "\ufeff\ufffe\uffff\U0010ffff"]


def test_the_component_writes_what_pydantic_writes(tmp_path: Path) -> None:
    rng = random.Random(20261205)
    cases = [random_event(rng) for _ in range(3000)]
    for value in SPECIAL_FLOATS:
        cases.append(("runner_start", {"timestamp": 1.0, "flavor": "s", "workflow": "w", "repo": "r",
                                       "github_event": "push", "idle": value, "queue_duration": value}))
    for text in SPECIAL_TEXT:
        cases.append(("runner_installed", {"timestamp": 1.0, "flavor": text, "duration": 1}))
    lines = component_lines(tmp_path, [ours(event, fields) for event, fields in cases])
    assert len(lines) == len(cases)
    differ = [(case, line) for case, line in zip(cases, lines) if line != original_line(*case)]
    assert not differ, f"{len(differ)} of {len(cases)} differ, first: {differ[0]}"
