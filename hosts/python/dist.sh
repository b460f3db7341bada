#!/usr/bin/env bash
# dist.sh <outdir> <component.wasm>: builds the wheel
# runner_metrics-<version>-py3-none-any.whl into outdir, with that component
# inside as runner_metrics/runner-metrics.wasm. The build backend
# (setuptools, pinned in pyproject.toml) comes from PyPI through pip.
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 <outdir> <component.wasm>" >&2
    exit 2
fi
[ -f "$2" ] || { echo "dist.sh: no component at $2" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
wasm=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")

# Built from a copy, so the component never lands in the source tree (where
# the package would then prefer it to the cargo build's).
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$here/pyproject.toml" "$here/README.md" "$here/../../LICENSE" "$stage/"
cp -R "$here/runner_metrics" "$stage/"
find "$stage" -name __pycache__ -prune -exec rm -rf {} +
cp "$wasm" "$stage/runner_metrics/runner-metrics.wasm"

"${PYTHON:-python3}" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$out" "$stage"
ls "$out"/runner_metrics-*-py3-none-any.whl
