#!/usr/bin/env bash
# Runs container_checks.py with the Python client (clients/python) installed in
# a throwaway venv that also sees Debian's grpcio, protobuf and pytest.
# Everything lands in one temp dir, removed at exit; the test itself removes
# the podman containers, volumes, images and state it made.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tmp=${TMPDIR:-/tmp}

# Removes a work dir, first its podman state (containers a killed run left
# running, their mounts), configured in podman.* below it.
remove_work() {
  local dir
  for dir in "$1"/podman.*; do
    [[ -f $dir/containers.conf ]] || continue
    CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf \
      podman system reset --force >/dev/null 2>&1 || true
    if [[ -f $dir/run_dir ]]; then rm -rf --one-file-system "$(cat "$dir/run_dir")"; fi
  done
  rm -rf --one-file-system "$1"
}

# A run killed without its traps (ctest's timeout sends SIGKILL) leaves its
# work dir behind: clean those whose owner is gone.
for old in "$tmp"/eventlog-container-test.*; do
  [[ -f $old/pid ]] || continue
  kill -0 "$(cat "$old/pid")" 2>/dev/null || remove_work "$old"
done

work=$(mktemp -d "$tmp/eventlog-container-test.XXXXXX")
echo $$ >"$work/pid"
trap 'remove_work "$work"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

start=$(date +%s)
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install --quiet --no-index "$repo/clients/python"
status=0
EVENTLOG_TEST_WORK=$work PYTHONDONTWRITEBYTECODE=1 "$work/venv/bin/python" -m pytest -q -s \
  --durations=0 -p no:cacheprovider "$here/container_checks.py" || status=$?
echo "[container test] total: $(($(date +%s) - start)) s"
exit "$status"
