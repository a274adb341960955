#!/usr/bin/env bash
# Runs the Node.js client's tests against a real eventlogd ($EVENTLOGD):
# installs the locked dependencies with `npm ci` (from the npm registry), then
# runs `node --test` on clients/node/test.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"

fail() { echo "run_node_tests: $*" >&2; exit 1; }
[[ -x "${EVENTLOGD:-}" ]] || fail "EVENTLOGD='${EVENTLOGD:-}' is not an executable eventlogd"
command -v node >/dev/null || fail "node is missing (Node.js 20 or newer is needed)"
command -v npm >/dev/null || fail "npm is missing"
major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$major" -ge 20 ]] || fail "Node.js $(node --version) is too old; 20 or newer is needed"

cd "$repo/clients/node"
npm ci --no-audit --no-fund --loglevel=error
exec node --test --test-concurrency=1 test/
