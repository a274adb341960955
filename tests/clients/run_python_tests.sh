#!/usr/bin/env bash
# Runs the Python client's tests (clients/python/tests) against a real
# eventlogd ($EVENTLOGD), with the package pip-installed into a fresh venv,
# after `mypy --strict` on the installed package (with its pyproject.toml
# settings for the untyped grpc) and on the examples, as an application
# that imports the package would.
# Usage: run_python_tests.sh WORK_DIR [pytest args...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work="${1:?usage: $0 WORK_DIR [pytest args]}"
shift
require_executable EVENTLOGD
setup_python_venv "$work"
cd "$work"
mypy=("$venv_python" -m mypy --cache-dir "$work/mypy-cache" --no-error-summary)
"${mypy[@]}" --config-file "$repo/clients/python/pyproject.toml" -p eventlog
"${mypy[@]}" --strict "$repo"/clients/python/examples/*.py
exec "$venv_python" -m pytest -p no:cacheprovider -o faulthandler_timeout=120 -q "$repo/clients/python/tests" "$@"
