#!/usr/bin/env bash
# Runs the Python host's tests: makes .venv with the pinned requirements (once,
# and again when requirements.txt changes), builds the component, runs pytest.
# Extra arguments go to pytest. Needs python3 >= 3.10 and a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || { echo "run-tests.sh: $python is older than 3.10" >&2; exit 1; }
    "$python" -m venv .venv
fi
if ! cmp -s requirements.txt .venv/requirements.installed; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
    cp requirements.txt .venv/requirements.installed
fi

RUNNER_METRICS_WASM=$(../../scripts/build-component)
export RUNNER_METRICS_WASM
exec .venv/bin/python -m pytest -q "$@"
