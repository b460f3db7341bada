#!/usr/bin/env bash
# Installs the pinned packages, builds the component and its JS bindings, and
# runs the JavaScript host's tests. Needs Node 20+ with npm, and the Rust
# toolchain that scripts/build-component uses.
set -euo pipefail
cd "$(dirname "$0")"
# --loglevel=error hides npm's warning that jco-std's optional peer range
# (preview2-shim ^0.25) is overridden by the pinned 0.26: the bindings of this
# component import only wasi:* interfaces, never jco-std.
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
npm run --silent typecheck
npm test
