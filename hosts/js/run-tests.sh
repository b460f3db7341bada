#!/usr/bin/env bash
# Runs the JavaScript host's tests: installs the pinned packages, builds the
# component (the host crate's build script does) and the shared test
# receiver, transpiles the component into generated/, type-checks, and runs
# node --test. Extra arguments go to node --test. Needs Node 20+ with npm and
# the Rust toolchain with the wasm32-wasip2 target.
#
# In a network namespace of its own, Promtail's port 127.0.0.1:3100 is free,
# so `issueEvent` is covered too (elsewhere that test is skipped when the
# port is taken); npm then installs from its cache:
#   unshare -rn sh -c 'ip link set lo up && hosts/js/run-tests.sh'
set -euo pipefail
cd "$(dirname "$0")"

npm ci --prefer-offline --no-audit --no-fund --loglevel=error
(
    cd ../..
    cargo build --quiet --locked -p runner-metrics-host
    cargo build --quiet --locked -p runner-metrics-testkit --bin runner-metrics-receiver
)
target=${CARGO_TARGET_DIR:-../../target}
npm run --silent transpile -- "$target/guest/wasm32-wasip2/guest/runner_metrics.wasm"
npm run --silent typecheck
RUNNER_METRICS_RECEIVER="$(cd "$target" && pwd)/debug/runner-metrics-receiver" \
    node --test "$@" test/*.test.js
