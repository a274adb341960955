#!/usr/bin/env bash
# Runs tests/clients/test_cluster.py (or $CLUSTER_TEST_FILE, another file of
# tests/clients): the Python client (pip-installed into a fresh venv) and the
# CLI against a cluster started by $CLUSTER_HARNESS.
# Usage: run_cluster_tests.sh WORK_DIR [pytest args...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work="${1:?usage: $0 WORK_DIR [pytest args]}"
shift
require_executable EVENTLOGD
require_executable EVENTLOG_CLI
require_executable CLUSTER_HARNESS
setup_python_venv "$work"
cd "$work"
exec "$venv_python" -m pytest -p no:cacheprovider -o faulthandler_timeout=120 -q \
  "$repo/tests/clients/${CLUSTER_TEST_FILE:-test_cluster.py}" "$@"
