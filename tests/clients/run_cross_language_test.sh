#!/usr/bin/env bash
# Python produces, Node consumes and commits, the C++ CLI reads: see
# test_cross_language.py. Needs $EVENTLOGD and $EVENTLOG_CLI.
# Usage: run_cross_language_test.sh WORK_DIR [pytest args...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work="${1:?usage: $0 WORK_DIR [pytest args]}"
shift
require_executable EVENTLOGD
require_executable EVENTLOG_CLI
setup_python_venv "$work"
setup_node_modules
cd "$work"
exec "$venv_python" -m pytest -p no:cacheprovider -o faulthandler_timeout=120 -q \
  "$repo/tests/clients/test_cross_language.py" "$@"
