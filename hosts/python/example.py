"""Issue one runner_start event through a Client: python example.py [push URL]
(default: Promtail on localhost:3100)."""

import sys
import time

from runner_metrics import Client, MetricsError, RunnerStart

settings = {"endpoint": sys.argv[1]} if len(sys.argv) > 1 else {}
event = RunnerStart(
    timestamp=time.time(), flavor="small", workflow="CI", repo="octo/hello", github_event="push", idle=3.5
)
with Client(labels=[("juju_unit", "github-runner/0")], max_attempts=3, **settings) as client:
    try:
        client.issue_event(event)
    except MetricsError as e:
        sys.exit(f"not sent ({e.case}): {e}")
    print(f"sent; {client.stats().requests} request(s)")
