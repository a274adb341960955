#!/usr/bin/env bash
# Runs the Node.js client's tests (clients/node/test) against a real
# eventlogd ($EVENTLOGD), after `npm ci`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_executable EVENTLOGD
setup_node_modules
cd "$repo/clients/node"
exec node --test --test-concurrency=1 test/
