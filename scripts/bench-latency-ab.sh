#!/usr/bin/env bash
# End-to-end latency of two eventlogd builds, interleaved (A, B, A, B, ...),
# so both see the same machine: `eventlog perf latency` (produce call to
# subscriber receipt at a fixed rate) against each, printed per run and as
# medians of the runs.
#
#   scripts/bench-latency-ab.sh --a EVENTLOGD_A --b EVENTLOGD_B
#       [--cli EVENTLOG] [--runs 5] [--acks all|leader] [--rate 10000]
#       [--records 50000]
#
# Used for the durability issue's before/after figures (docs/PERFORMANCE.md):
# A = a build of the commit before it (git worktree add /tmp/old 77beb08;
# cmake ... --target eventlogd), B = this tree. Each server gets a fresh data
# directory on the real disk and a free port; everything it starts is
# stopped on exit. Not run by CI.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
a="" b="" cli="$repo/build/clients/cpp/eventlog"
runs=5 acks=all rate=10000 records=50000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --a) a=$2; shift 2 ;;
    --b) b=$2; shift 2 ;;
    --cli) cli=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --acks) acks=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench-latency-ab: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x "$a" && -x "$b" && -x "$cli" ]] || {
  echo "bench-latency-ab: --a and --b must be eventlogd binaries, --cli the eventlog CLI" >&2
  exit 2
}

work=$(mktemp -d "${TMPDIR:-/var/tmp}/bench-latency-ab.XXXXXX")
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs one measurement against binary $1; prints "p50 p99 p999" in ms.
measure() {
  local binary=$1 dir log port
  dir=$(mktemp -d "$work/data.XXXXXX")
  log="$dir.log"
  "$binary" --listen=127.0.0.1:0 --data_dir="$dir" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  [[ -n "$port" ]] || { echo "bench-latency-ab: $binary did not start" >&2; cat "$log" >&2; exit 1; }
  "$cli" perf latency --server="127.0.0.1:$port" --rate="$rate" --records="$records" \
    --acks="$acks" >"$dir.out" 2>&1
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  /usr/bin/python3 - "$dir.out" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def pick(name):
    m = re.search(r'\b' + re.escape(name) + r'\s*[=:]?\s*([0-9.]+)\s*(us|ms)', text)
    if not m:
        sys.exit('cannot find ' + name + ' in:\n' + text)
    v = float(m.group(1))
    return v / 1000 if m.group(2) == 'us' else v
print('%.3f %.3f %.3f' % (pick('p50'), pick('p99'), pick('p99.9')))
EOF
}

declare -a results_a results_b
for i in $(seq "$runs"); do
  ra=$(measure "$a"); rb=$(measure "$b")
  results_a+=("$ra"); results_b+=("$rb")
  echo "run $i  A p50/p99/p99.9 ms: $ra   B: $rb"
done
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for side in a b; do
  declare -n rs="results_$side"
  p50=$(printf '%s\n' "${rs[@]}" | awk '{print $1}' | median)
  p99=$(printf '%s\n' "${rs[@]}" | awk '{print $2}' | median)
  p999=$(printf '%s\n' "${rs[@]}" | awk '{print $3}' | median)
  echo "median of $runs runs, ${side^^} (acks=$acks, $rate records/s): p50 $p50 ms  p99 $p99 ms  p99.9 $p999 ms"
done
