#!/usr/bin/env bash
# Runs tests/clients/node_cluster.test.mjs (or $CLUSTER_TEST_FILE, another
# file of tests/clients): the Node.js client against a cluster started by
# $CLUSTER_HARNESS, after `npm ci` in clients/node.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_executable EVENTLOGD
require_executable CLUSTER_HARNESS
setup_node_modules
exec node --test "$repo/tests/clients/${CLUSTER_TEST_FILE:-node_cluster.test.mjs}"
