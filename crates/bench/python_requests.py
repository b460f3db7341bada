"""The Python original's delivery, for the benchmark: requests.post of one
event's Loki push JSON per request, with the original's 5 s timeout.

Usage: python_requests.py <push URL> <count>; prints {"median_ns", "p99_ns"}.
"""

import json
import sys
import time

import requests

LINE = ('{"timestamp":1764000000.5,"event":"runner_start","flavor":"small","workflow":"CI",'
        '"repo":"canonical/github-runner-operator","github_event":"pull_request","idle":3.5,'
        '"queue_duration":12.25}')


def main():
    url, count = sys.argv[1], int(sys.argv[2])
    times = []
    for i in range(count + count // 10 + 5):
        started = time.perf_counter_ns()
        # As the original: build the body from the event, then one POST.
        body = {"streams": [{"stream": {"job": "metrics", "event": "runner_start"},
                             "values": [[str(time.time_ns()), LINE]]}]}
        requests.post(url, json=body, timeout=5).raise_for_status()
        if i >= count // 10 + 5:
            times.append(time.perf_counter_ns() - started)
    times.sort()
    print(json.dumps({"median_ns": times[len(times) // 2],
                      "p99_ns": times[max(0, -(-len(times) * 99 // 100) - 1)]}))


if __name__ == "__main__":
    main()
