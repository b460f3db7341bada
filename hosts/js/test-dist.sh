#!/usr/bin/env bash
# Checks a tarball from dist.sh as a user gets it: in a new, empty ES module
# project in a temporary directory, `npm install <tarball>`; run the
# package's example.js (one event of each kind) against <receiver-binary>
# and check through its control API that all five arrived; then type-check
# a consumer .ts file against the installed package with tsc --strict.
# Needs Node 20+ with npm.
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 <tarball> <receiver-binary>" >&2
    exit 2
fi
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
receiver=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
here=$(cd "$(dirname "$0")" && pwd)
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
    || { echo "test-dist.sh: needs Node 20 or newer, not $(node --version)" >&2; exit 1; }

project=$(mktemp -d "${TMPDIR:-/tmp}/runner-metrics-dist-XXXXXX")
cleanup() {
    [ -z "${RECEIVER_PID:-}" ] || kill "$RECEIVER_PID" 2>/dev/null || true
    rm -rf "$project"
}
trap cleanup EXIT
cd "$project"
echo '{"name": "dist-check", "private": true, "type": "module"}' > package.json
npm install --prefer-offline --no-audit --no-fund --loglevel=error "$tarball"
# The package's WIT is the published contract: none of its test-only items.
[ -f node_modules/@github-runner/metrics/wit/metrics.wit ] \
    || { echo "test-dist.sh: the package carries no wit/metrics.wit" >&2; exit 1; }
if grep -q '@unstable(' node_modules/@github-runner/metrics/wit/*.wit; then
    echo "test-dist.sh: the package's WIT has test-only (@unstable) items" >&2
    exit 1
fi

# The receiver reads this script's pipe on stdin, so it ends with it.
coproc RECEIVER { exec "$receiver"; }
read -r urls <&"${RECEIVER[0]}"
push=$(node -p "JSON.parse(process.argv[1]).push" "$urls")
control=$(node -p "JSON.parse(process.argv[1]).control" "$urls")

cp node_modules/@github-runner/metrics/example.js program.js
node program.js "$push"
node --input-type=module - "$control" <<'JS'
const [control] = process.argv.slice(2);
const pushes = await (await fetch(`${control}/pushes`)).json();
const events = pushes.flatMap((p) => p.streams.map((s) => Object.fromEntries(s.labels).event));
const expected = ['runner_installed', 'runner_start', 'runner_stop', 'reconciliation', 'image_built'];
if (JSON.stringify(events) !== JSON.stringify(expected)) {
  console.error(`test-dist.sh: the receiver got ${JSON.stringify(events)}, not ${JSON.stringify(expected)}`);
  process.exit(1);
}
console.log(`the receiver got ${events.join(', ')}`);
JS

cp "$here/types/consumer.ts" consumer.ts
cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "strict": true,
    "noEmit": true,
    "target": "es2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "lib": ["es2022"],
    "types": [],
    "skipLibCheck": false
  },
  "files": ["consumer.ts"]
}
JSON
node "$here/node_modules/typescript/bin/tsc" -p tsconfig.json
echo "test-dist.sh: $(basename "$tarball") installs, sends each kind of event, and type-checks"
