#!/usr/bin/env bash
# CreateTopic after DeleteTopic of a large topic (issue 17): how long one
# eventlogd takes to delete a topic of many partitions that received keyed
# records, then to create a new topic of as many partitions, and the next
# create after that. Deleted index keys, their tombstones and overwritten
# recovery points used to stay in LevelDB, and every new partition's
# recovery scans skipped over them (minutes at 1,024 partitions).
#
#   scripts/bench-create-after-delete.sh [--runs N] [--partitions N] [--records N]
#                                        [--rounds N] [--build DIR]
#
# - --partitions (default 1024): partitions of every topic; --records
#   (default 500000): keyed records of 100 B produced into each big topic
#   (raw client, acks all: one request touches up to 1,000 partitions);
#   --rounds (default 2): big topics produced and deleted, one after another,
#   in each run; --runs (default 1): fresh eventlogds, one after another.
# - Prints, per round, the produce rate and the seconds each of delete and
#   create took (as the CLI saw them, deadline 10 minutes).
# - Starts its own eventlogd (empty temp data dir, 127.0.0.1 ephemeral port)
#   at the script's priority, the CLI at nice 19; stops it and removes the
#   dir on exit, failure or Ctrl-C. Builds nothing.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
runs=1
partitions=1024
records=500000
rounds=2
build="$repo/build"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "bench-create-after-delete: unknown argument $1" >&2; exit 2 ;;
  esac
done
eventlogd="$build/service/eventlogd"
eventlog="$build/clients/cpp/eventlog"
for binary in "$eventlogd" "$eventlog"; do
  [[ -x "$binary" ]] || { echo "missing $binary: build it first" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-create-after-delete.XXXXXX")
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

seconds() {  # seconds COMMAND...: wall seconds of the command (which must succeed)
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }'
}

echo "machine: $(nproc) cores; load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$runs"); do
  "$eventlogd" --listen=127.0.0.1:0 --data_dir="$work/data-$run" >"$work/eventlogd.log" 2>&1 &
  pid=$!
  addr=""
  for _ in $(seq 300); do
    addr=$(awk '/listening on/ {print $3; exit}' "$work/eventlogd.log")
    [[ -n "$addr" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n "$addr" ]] || { cat "$work/eventlogd.log" >&2; exit 1; }
  cli=(nice -n 19 "$eventlog" --server="$addr" --timeout_ms=600000)
  for round in $(seq "$rounds"); do
    rate=$("${cli[@]}" perf produce --topic="big-$round" --partitions="$partitions" --keys=on \
      --acks=all --records="$records" 2>/dev/null |
      awk '{for (i = 2; i <= NF; i++) if ($i ~ "^records/s") {print $(i-1); exit}}')
    delete=$(seconds "${cli[@]}" topic delete "big-$round")
    create=$(seconds "${cli[@]}" topic create "new-$round" --partitions="$partitions")
    echo "run $run round $round: produce $records keyed records over $partitions partitions" \
      "$rate records/s; delete ${delete} s; create ${create} s;" \
      "load $(cut -d' ' -f1 /proc/loadavg)"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  rm -rf "$work/data-$run"
done
