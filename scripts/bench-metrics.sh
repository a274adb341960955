#!/usr/bin/env bash
# What metrics cost: produce and subscribe throughput of eventlogd with its
# HTTP listener and metrics on (--http_listen, scraped every second like a
# busy Prometheus) against off (no --http_listen: nothing is counted), runs
# alternating on/off so that machine noise hits both alike. Prints every run
# and the medians: throughput, and eventlogd's own CPU time per 1000 records
# (steadier than throughput when others share the machine). docs/PERFORMANCE.md ("Metrics on and off") has figures.
#
#   scripts/bench-metrics.sh [--runs N] [--records N] [--build DIR]
#
# Uses DIR/service/eventlogd and DIR/clients/cpp/eventlog (default build/,
# configure it with -DCMAKE_BUILD_TYPE=Release). Each run starts a fresh
# eventlogd on 127.0.0.1 with its data in a temp dir on the real disk and
# stops it after; everything is removed on exit. Client and server share
# the machine's cores.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
runs=5
records=2000000
build="$repo/build"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench-metrics: unknown argument $1" >&2; exit 2 ;;
  esac
done
eventlogd="$build/service/eventlogd"
cli="$build/clients/cpp/eventlog"
for b in "$eventlogd" "$cli"; do
  [[ -x $b ]] || { echo "bench-metrics: $b is missing; build eventlogd and eventlog" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/var/tmp}/bench-metrics.XXXXXX")
server_pid=""
scraper_pid=""
stop_server() {
  [[ -n $scraper_pid ]] && { kill "$scraper_pid" 2>/dev/null || true; wait "$scraper_pid" 2>/dev/null || true; }
  [[ -n $server_pid ]] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  scraper_pid="" server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# start_server on|off: sets $addr (and scrapes /metrics every second when on).
start_server() {
  local mode=$1 args=()
  rm -rf "$work/data" && : >"$work/out"
  [[ $mode == on ]] && args=(--http_listen=127.0.0.1:0)
  "$eventlogd" --listen=127.0.0.1:0 --data_dir="$work/data" "${args[@]}" >"$work/out" 2>"$work/err" &
  server_pid=$!
  for _ in $(seq 300); do
    grep -q "listening on" "$work/out" && { [[ $mode == off ]] || grep -q "serving HTTP" "$work/out"; } && break
    sleep 0.1
  done
  addr=$(awk '/listening on/ {print $3}' "$work/out")
  if [[ $mode == on ]]; then
    local http
    http=$(awk '/serving HTTP on/ {print $4}' "$work/out")
    (while curl -sf "http://$http/metrics" -o /dev/null; do sleep 1; done) &
    scraper_pid=$!
  fi
}

# Prints the records/s of the perf command's final report.
rate() { sed -n 's/.* s: \([0-9]*\) records\/s.*/\1/p' | tail -1; }

# eventlogd's CPU time so far (user + system), in clock ticks: less
# sensitive than throughput to other load on a shared machine.
ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
# CPU microseconds per 1000 records from a tick difference.
per_k() { awk -v t="$1" -v n="$records" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%d", t * 1e6 / hz / (n / 1000)}'; }

median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : int((v[NR/2]+v[NR/2+1])/2)}'; }

declare -A produce consume produce_cpu consume_cpu
header() { printf '%-22s %14s %14s %16s %16s\n' "$1" "produce rec/s" "produce cpu" "subscribe rec/s" "subscribe cpu"; }
echo "cpu: eventlogd's CPU microseconds (user + system) per 1000 records"
header "run mode"
for ((i = 1; i <= runs; i++)); do
  for mode in on off; do
    [[ $(( i % 2 )) -eq 0 ]] && mode=$([[ $mode == on ]] && echo off || echo on)
    start_server "$mode"
    t0=$(ticks)
    p=$("$cli" perf produce --server="$addr" --topic bench --partitions 4 --records "$records" \
        --record_size 100 --batch_size 1000 --concurrency 8 --acks all 2>/dev/null | rate)
    t1=$(ticks)
    c=$("$cli" perf consume --server="$addr" --topic bench --mode subscribe 2>/dev/null | rate)
    t2=$(ticks)
    stop_server
    pc=$(per_k $((t1 - t0))) cc=$(per_k $((t2 - t1)))
    produce[$mode]+="$p " consume[$mode]+="$c " produce_cpu[$mode]+="$pc " consume_cpu[$mode]+="$cc "
    printf '%-22s %14s %14s %16s %16s\n' "$i $mode" "$p" "$pc" "$c" "$cc"
  done
done
echo
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
header "median of $runs runs"
for mode in off on; do
  printf '%-22s %14s %14s %16s %16s\n' "metrics $mode" "$(med "${produce[$mode]}")" \
    "$(med "${produce_cpu[$mode]}")" "$(med "${consume[$mode]}")" "$(med "${consume_cpu[$mode]}")"
done
