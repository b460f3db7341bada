#!/usr/bin/env bash
# Runs the JavaScript host's tests: installs the pinned packages, builds the
# component (the host crate's build script does) and the shared test
# receiver, transpiles the component into generated/, type-checks, and runs
# node --test. Needs Node 20+ with npm and the Rust toolchain with the
# wasm32-wasip2 target.
#
#   run-tests.sh [--prepare | --no-prepare] [node --test arguments]
#
# --prepare only sets up (it needs the network); --no-prepare only runs the
# tests (scripts/test-all runs them in a network namespace of their own,
# where Promtail's port 127.0.0.1:3100 is free, so `issueEvent` is covered
# too; elsewhere that test is skipped when the port is taken).
set -euo pipefail
cd "$(dirname "$0")"

prepare=yes test=yes
case "${1:-}" in
    --prepare) test=no; shift ;;
    --no-prepare) prepare=no; shift ;;
esac

target=${CARGO_TARGET_DIR:-../../target}
if [ "$prepare" = yes ]; then
    npm ci --prefer-offline --no-audit --no-fund --loglevel=error
    (
        cd ../..
        cargo build --quiet --locked -p runner-metrics-host
        cargo build --quiet --locked -p runner-metrics-testkit --bin runner-metrics-receiver
    )
    npm run --silent transpile -- "$target/guest/wasm32-wasip2/guest/runner_metrics.wasm"
    npm run --silent typecheck
fi
if [ "$test" = yes ]; then
    RUNNER_METRICS_RECEIVER="$(cd "$target" && pwd)/debug/runner-metrics-receiver" \
        exec node --test "$@" test/*.test.js
fi
