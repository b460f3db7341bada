"""Section 8: the Python original against the Python host, one event per
call, to the same receiver, in interleaved rounds.

- original: the Python runner manager's delivery, ``requests.post`` of one
  event's Loki push JSON per request, with its 5 s timeout (a new
  connection per request, as the original);
- host: ``runner_metrics.Client.issue_event`` of the same event (hosts/python,
  wasmtime-py), one attempt, the default 5 s timeout.

Usage: python_hosts.py <push URL> <calls per round> <rounds>
Prints {"original": {"median_ns": [...], "p99_ns": [...]}, "host": {...}}:
one median and one p99 per round. The component is $RUNNER_METRICS_WASM.
"""

import json
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "hosts" / "python"))

from runner_metrics import Client, RunnerStart  # noqa: E402

LINE = ('{"timestamp":1764000000.5,"event":"runner_start","flavor":"small","workflow":"CI",'
        '"repo":"canonical/github-runner-operator","github_event":"pull_request","idle":3.5,'
        '"queue_duration":12.25}')

EVENT = RunnerStart(timestamp=1764000000.5, flavor="small", workflow="CI",
                    repo="canonical/github-runner-operator", github_event="pull_request",
                    idle=3.5, queue_duration=12.25)


def original(url):
    # As the original: build the body from the event, then one POST.
    body = {"streams": [{"stream": {"job": "metrics", "event": "runner_start"},
                         "values": [[str(time.time_ns()), LINE]]}]}
    requests.post(url, json=body, timeout=5).raise_for_status()


def summary(times):
    times.sort()
    return times[len(times) // 2], times[max(0, -(-len(times) * 99 // 100) - 1)]


def main():
    url, calls, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    client = Client(endpoint=url, max_attempts=1)
    cases = {
        "original": lambda: original(url),
        "host": lambda: client.issue_event(EVENT),
    }
    out = {name: {"median_ns": [], "p99_ns": []} for name in cases}
    names = list(cases)
    for r in range(rounds + 1):  # round 0 warms up
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            f = cases[name]
            times = []
            for _ in range(calls):
                started = time.perf_counter_ns()
                f()
                times.append(time.perf_counter_ns() - started)
            if r > 0:
                median, p99 = summary(times)
                out[name]["median_ns"].append(median)
                out[name]["p99_ns"].append(p99)
    client.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
