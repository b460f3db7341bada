#!/usr/bin/env bash
# Makes the npm package: transpiles <component.wasm> into generated/, checks
# that its bindings agree with the generated types, and packs the package
# into <outdir> (npm's prepack copies in the repository's LICENSE and WIT for
# the pack only). Prints the tarball's path.
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 <outdir> <component.wasm>" >&2
    exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
component=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$(dirname "$0")"
if [ ! -f ../../LICENSE ]; then
    echo "dist.sh: the repository's LICENSE is missing" >&2
    exit 1
fi

[ -x node_modules/.bin/jco ] || npm ci --prefer-offline --no-audit --no-fund --loglevel=error
npm run --silent transpile -- "$component"
npm run --silent typecheck
tarball=$(npm pack --silent --pack-destination "$out")
echo "$out/$tarball"
