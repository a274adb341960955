#!/usr/bin/env bash
# Many partitions on one broker: creates --topics topics of --partitions
# partitions each (10 x 1,000 = 10,000 by default), writes --records keyed
# records to each topic, then reports what the broker costs at rest and after
# a crash:
#   - the time to create them, open files and resident memory;
#   - CPU while idle (--idle_seconds, from /proc/PID/stat), as % of one core;
#   - kill -9, restart: the time until it serves again (every topic
#     described), open files, memory and idle CPU after recovery.
# Medians of --runs runs [min - max] (a fresh data dir each run).
#
#   scripts/bench-partitions.sh [--runs 3] [--topics 10] [--partitions 1000]
#                               [--records 100000] [--idle_seconds 10] [--build DIR]
#
# Starts its own eventlogd (127.0.0.1, ephemeral port, temp data dir on the
# real disk) and stops it on exit; builds nothing. Run it on a quiet machine.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
runs=3
topics=10
partitions=1000
records=100000
idle_seconds=10
build="$repo/build"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --topics) topics=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --idle_seconds) idle_seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench-partitions: unknown argument $1" >&2; exit 2 ;;
  esac
done
eventlogd="$build/service/eventlogd"
eventlog="$build/clients/cpp/eventlog"
for binary in "$eventlogd" "$eventlog"; do
  [[ -x "$binary" ]] || { echo "bench-partitions: missing $binary (build it first)" >&2; exit 1; }
done
log() { echo "bench-partitions: $*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-partitions.XXXXXX")
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# start: eventlogd on the run's data dir; sets $pid and $addr.
start() {
  : >"$work/eventlogd.log"
  "$eventlogd" --listen=127.0.0.1:0 --data_dir="$work/data" --max_partitions="$partitions" \
    >"$work/eventlogd.log" 2>&1 &
  pid=$!
  addr=""
  for _ in $(seq 6000); do
    addr=$(awk '/listening on/ {print $3; exit}' "$work/eventlogd.log")
    [[ -n "$addr" ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  log "eventlogd did not start:"; cat "$work/eventlogd.log" >&2; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# idle_cpu: % of one core over $idle_seconds at rest.
idle_cpu() {
  local before after hz
  hz=$(getconf CLK_TCK)
  before=$(cpu_ticks)
  sleep "$idle_seconds"
  after=$(cpu_ticks)
  awk -v a="$before" -v b="$after" -v hz="$hz" -v s="$idle_seconds" \
    'BEGIN { printf "%.2f", (b - a) / hz / s * 100 }'
}
rss_mb() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }
open_files() { ls "/proc/$pid/fd" | wc -l; }
# Every topic described: the broker serves all of them.
all_described() {
  local t
  for t in $(seq "$topics"); do
    "$eventlog" topic describe "many-$t" --server="$addr" >/dev/null 2>&1 || return 1
  done
}

results="$work/results.tsv"  # measure <TAB> value
: >"$results"
record() { printf '%s\t%s\n' "$1" "$2" >>"$results"; log "run $run: $1: $2"; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq "$runs"); do
  rm -rf "$work/data"
  start
  began=$(now)
  for t in $(seq "$topics"); do
    "$eventlog" topic create "many-$t" --partitions="$partitions" --server="$addr" >/dev/null
  done
  record "create ${topics} x ${partitions} partitions (s)" "$(elapsed "$began")"
  for t in $(seq "$topics"); do
    "$eventlog" perf produce --topic="many-$t" --keys=on --records="$records" --acks=all \
      --server="$addr" >/dev/null 2>&1
  done
  record "open files" "$(open_files)"
  record "resident memory (MB)" "$(rss_mb)"
  record "idle CPU (% of a core)" "$(idle_cpu)"

  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  began=$(now)
  start
  until all_described; do sleep 0.05; done
  record "restart after kill -9 until every topic is served (s)" "$(elapsed "$began")"
  record "open files after recovery" "$(open_files)"
  record "resident memory after recovery (MB)" "$(rss_mb)"
  record "idle CPU after recovery (% of a core)" "$(idle_cpu)"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
done

echo
echo "$topics topics x $partitions partitions, $records keyed 100 B records per topic (acks all);"\
     "$(nproc) cores; load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)."\
     "Medians of $runs runs [min - max]."
echo
/usr/bin/python3 - "$results" <<'EOF'
import collections, statistics, sys
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    measure, value = line.rstrip("\n").split("\t")
    rows.setdefault(measure, []).append(float(value))
print("| measure | median [min - max] |")
print("| --- | --- |")
for measure, values in rows.items():
    fmt = (lambda v: f"{v:,.0f}") if max(values) >= 100 else (lambda v: f"{v:.2f}")
    print(f"| {measure} | {fmt(statistics.median(values))} [{fmt(min(values))} - {fmt(max(values))}] |")
EOF
