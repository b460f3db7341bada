#!/usr/bin/env bash
# Runs the Python host's tests: makes .venv with the pinned
# requirements-test.txt (once, and again when it changes), builds the
# component and the shared test receiver, and runs pytest with the package on
# its path (pyproject.toml). Needs python3 >= 3.10 and the Rust toolchain
# with the wasm32-wasip2 target.
#
#   run-tests.sh [--prepare | --no-prepare] [pytest arguments]
#
# --prepare only sets up (it needs the network); --no-prepare only runs the
# tests (scripts/test-all runs them in a network namespace of their own).
set -euo pipefail
cd "$(dirname "$0")"

prepare=yes test=yes
case "${1:-}" in
    --prepare) test=no; shift ;;
    --no-prepare) prepare=no; shift ;;
esac

if [ "$prepare" = yes ]; then
    python=${PYTHON:-python3}
    if [ ! -x .venv/bin/python ]; then
        "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
            || { echo "run-tests.sh: $python is older than 3.10" >&2; exit 1; }
        "$python" -m venv .venv
    fi
    if ! cmp -s requirements-test.txt .venv/requirements.installed; then
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
        cp requirements-test.txt .venv/requirements.installed
    fi
    # The host crate's build script builds the component and its
    # test-extra-option build; the receiver is the one every suite shares.
    (
        cd ../..
        cargo build --quiet --locked -p runner-metrics-host
        cargo build --quiet --locked -p runner-metrics-testkit --bin runner-metrics-receiver
    )
fi
if [ "$test" = yes ]; then
    exec .venv/bin/python -m pytest -q "$@"
fi
