#!/usr/bin/env bash
# Runs one file of the Kafka front door's end-to-end tests with the venv
# and kafkajs that setup_e2e.sh prepared in WORK_DIR.
# Usage: run_e2e.sh WORK_DIR TEST_FILE [pytest args...]
set -euo pipefail
work="${1:?usage: $0 WORK_DIR TEST_FILE}"
file="${2:?usage: $0 WORK_DIR TEST_FILE}"
shift 2
python="$work/python-venv/bin/python"
[[ -x "$python" ]] || { echo "$0: no venv in $work: run setup_e2e.sh first" >&2; exit 1; }
export KAFKAJS_DIR="$work/kafkajs" PYTHONDONTWRITEBYTECODE=1
cd "$work"
exec "$python" -m pytest -p no:cacheprovider -o faulthandler_timeout=240 -q "$file" "$@"
