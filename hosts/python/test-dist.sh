#!/usr/bin/env bash
# test-dist.sh <wheel> <runner-metrics-receiver>: installs the wheel into a new
# venv in a temporary directory outside the repository, and from there issues
# one event of each kind to the receiver (started here), checking through its
# control API that each arrived. Exits non-zero on any failure.
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 <wheel> <runner-metrics-receiver>" >&2
    exit 2
fi
wheel=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
receiver=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
[ -f "$wheel" ] || { echo "test-dist.sh: no wheel at $1" >&2; exit 1; }
[ -x "$receiver" ] || { echo "test-dist.sh: no receiver at $2" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/../.." && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/runner-metrics-dist.XXXXXX")
trap 'rm -rf "$work"' EXIT
case "$work/" in "$repo"/*)
    echo "test-dist.sh: $work is inside the repository; set TMPDIR elsewhere" >&2
    exit 1
    ;;
esac

"${PYTHON:-python3}" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"

# Nothing of the development setup: the package must find its own component.
cd "$work"
env -u RUNNER_METRICS_WASM -u PYTHONPATH RUNNER_METRICS_CACHE_DIR="$work/cache" \
    "$work/venv/bin/python" - "$receiver" "$work" <<'PY'
import json
import os
import subprocess
import sys
import time
import urllib.request

import runner_metrics as rm

receiver, work = sys.argv[1], sys.argv[2]
if not rm.__file__.startswith(work):
    sys.exit(f"imported {rm.__file__}, not the installed wheel")

process = subprocess.Popen([receiver], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
try:
    urls = json.loads(process.stdout.readline())
    now = time.time()
    events = [
        rm.RunnerInstalled(timestamp=now, flavor="small", duration=12),
        rm.RunnerStart(timestamp=now, flavor="small", workflow="CI", repo="octo/hello", github_event="push", idle=3.5),
        rm.RunnerStop(
            timestamp=now, flavor="small", workflow="CI", repo="octo/hello", github_event="push",
            status="normal", job_duration=61, job_conclusion="success",
        ),
        rm.Reconciliation(
            timestamp=now, flavor="small", crashed_runners=0, idle_runners=2, active_runners=1,
            expected_runners=3, duration=1.5,
        ),
        rm.CustomEvent(name="image_built", timestamp=now, fields=[("size_mb", rm.Integer(2048))]),
    ]
    with rm.Client(endpoint=urls["push"], max_attempts=1) as client:
        for event in events:
            client.issue_event(event)
    with urllib.request.urlopen(urls["control"] + "/pushes", timeout=10) as answer:
        pushes = json.load(answer)
    got = [json.loads(e["line"])["event"] for p in pushes for s in p["streams"] for e in s["entries"]]
    want = ["runner_installed", "runner_start", "runner_stop", "reconciliation", "image_built"]
    if got != want:
        sys.exit(f"the receiver got {got}, not {want}")
    print(f"runner_metrics {rm.__version__} from the wheel: {len(got)} events arrived")
    # The component was compiled once and kept precompiled for the next process.
    cached = [f for f in os.listdir(os.path.join(work, "cache")) if f.endswith(".bin")]
    if len(cached) != 1:
        sys.exit(f"the precompiled cache holds {cached}, not one .bin")
finally:
    process.stdin.close()
    process.wait(timeout=10)
PY
