#!/usr/bin/env bash
# Runs the Python client's tests against a real eventlogd ($EVENTLOGD):
# installs clients/python into a fresh venv (made with Debian's python3 and
# --system-site-packages, so grpcio/protobuf/pytest come from Debian) exactly
# as a user would with pip, then runs pytest on clients/python/tests.
# Usage: run_python_tests.sh WORK_DIR [pytest args...]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:?usage: $0 WORK_DIR [pytest args]}"
shift

fail() { echo "run_python_tests: $*" >&2; exit 1; }
[[ -x "${EVENTLOGD:-}" ]] || fail "EVENTLOGD='${EVENTLOGD:-}' is not an executable eventlogd"
py=/usr/bin/python3
[[ -x $py ]] || fail "$py is missing (apt-get install python3)"
for tool in protoc grpc_python_plugin; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install protobuf-compiler protobuf-compiler-grpc)"
done
$py -c 'import ensurepip, venv' 2>/dev/null || fail "python3 venv support is missing (apt-get install python3-venv)"
$py -c 'import grpc, google.protobuf, pytest' 2>/dev/null ||
  fail "Debian python packages are missing (apt-get install python3-grpcio python3-protobuf python3-pytest)"

venv="$work/python-venv"
rm -rf "$venv"
$py -m venv --system-site-packages "$venv"
# --no-index: everything the package needs is already installed from Debian.
"$venv/bin/python" -m pip install --quiet --no-index --disable-pip-version-check "$repo/clients/python"

cd "$work"
export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" -m pytest -p no:cacheprovider -o faulthandler_timeout=120 -q "$repo/clients/python/tests" "$@"
