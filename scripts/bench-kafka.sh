#!/usr/bin/env bash
# Kafka front door benchmark: the same workloads through eventlogd's Kafka
# listener (librdkafka, the C client under kcat and confluent-kafka) and
# through its gRPC API (`eventlog perf`), against one eventlogd, in one run,
# printed as one table (medians of --runs runs, with min and max, and the
# Kafka / gRPC ratio).
#
#   scripts/bench-kafka.sh [--runs N] [--records N] [--requests N] [--build DIR]
#
# - Needs a build with eventlogd, eventlog and tests/bench/kafka_bench
#   (librdkafka-dev, from scripts/install-deps.sh test) in --build (default
#   build/); it builds nothing itself.
# - Starts one eventlogd on 127.0.0.1 (gRPC and Kafka on free ports, data in
#   a fresh temp dir on the real disk) and stops it and removes the dir on
#   exit, failure or Ctrl-C.
# - Every run uses fresh one-partition topics: produce 100-byte records
#   (acks all and leader), consume them back from the earliest offset, and
#   small requests one record each (kafka_bench requests: sequential and 32
#   in flight, Kafka Produce vs gRPC Produce / ProduceStream).
# - Besides throughput it reports eventlogd's own CPU time per record
#   (user + system, from /proc/PID/stat) for each produce and consume: the
#   client and the server share the cores, and the clients differ (librdkafka
#   builds and checksums every batch; eventlog perf writes prebuilt requests),
#   so the server's cost per record is the fairer comparison of the two paths.
# - Client and server share the machine (and its cores); the table says so.
# Not run by CI (a few minutes). Run it on a quiet machine.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
runs=3
records=1000000
requests=20000
build="$repo/build"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "bench-kafka: unknown argument $1" >&2; exit 2 ;;
  esac
done

log() { echo "bench-kafka: $*" >&2; }

eventlogd="$build/service/eventlogd"
eventlog="$build/clients/cpp/eventlog"
kafka_bench="$build/tests/bench/kafka_bench"
for binary in "$eventlogd" "$eventlog" "$kafka_bench"; do
  [[ -x "$binary" ]] || { log "missing $binary (build it; kafka_bench needs librdkafka-dev)"; exit 1; }
done

# --- the broker we start is stopped on any exit ------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-kafka.XXXXXX")
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The initial rebalance delay only slows the consumer's start (it reads by
# assignment, not as a group member); 0 keeps runs comparable.
"$eventlogd" --listen=127.0.0.1:0 --kafka_listen=127.0.0.1:0 --data_dir="$work/data" \
  --kafka_group_initial_rebalance_delay_ms=0 >"$work/eventlogd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  grep -q "^listening on" "$work/eventlogd.log" && break
  sleep 0.1
done
grpc_addr=$(awk '/^listening on/ {print $3; exit}' "$work/eventlogd.log")
kafka_addr=$(awk '/^kafka listening on/ {print $4; exit}' "$work/eventlogd.log")
if [[ -z "$grpc_addr" || -z "$kafka_addr" ]]; then
  log "eventlogd did not start"; cat "$work/eventlogd.log" >&2; exit 1
fi
log "eventlogd: gRPC $grpc_addr, Kafka $kafka_addr"

# --- workloads -----------------------------------------------------------------
results="$work/results.tsv"  # workload <TAB> front door <TAB> value
record() {
  [[ -n "$3" ]] || { log "$1 / $2: no figure"; exit 1; }
  printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"
  log "$1 / $2: $3 (load average $(cut -d' ' -f1 /proc/loadavg))"
}
# The number just before the word $1 in stdin ("... 123 records/s ...").
number_before() { awk -v w="$1" '{for (i = 2; i <= NF; i++) if ($i ~ "^" w) {print $(i-1); exit}}'; }
el() { "$eventlog" "$@" --server="$grpc_addr"; }
ticks_per_s=$(getconf CLK_TCK)
server_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# measure WORKLOAD DOOR RECORDS COMMAND...: records/s from the command's
# output, and the server's CPU microseconds per record meanwhile.
measure() {
  local workload=$1 door=$2 count=$3 before output
  shift 3
  before=$(server_ticks)
  output=$("$@")
  record "$workload (records/s)" "$door" "$(number_before records/s <<<"$output")"
  record "$workload: eventlogd CPU per record (us)" "$door" \
    "$(awk -v t=$(( $(server_ticks) - before )) -v hz="$ticks_per_s" -v n="$count" \
       'BEGIN {printf "%.3f", t / hz * 1e6 / n}')"
}
kb() { "$kafka_bench" "$@" --kafka="$kafka_addr" --grpc="$grpc_addr"; }
topic() { el topic create "$1" --partitions 1 >/dev/null; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
run_loads=()
for run in $(seq "$runs"); do
  run_loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  log "run $run of $runs (load average $(cut -d' ' -f1 /proc/loadavg))"
  for acks in all leader; do
    topic "grpc-$acks-$run"
    measure "produce 100 B, acks $acks" "gRPC ProduceStream (eventlog perf)" "$records" \
      el perf produce --topic="grpc-$acks-$run" --records="$records" --acks="$acks"
    topic "kafka-$acks-$run"
    measure "produce 100 B, acks $acks" "Kafka Produce (librdkafka)" "$records" \
      kb produce --topic="kafka-$acks-$run" --records="$records" --acks="$acks"
  done
  measure "consume 100 B" "gRPC Subscribe (eventlog perf)" "$records" \
    el perf consume --topic="grpc-all-$run" --mode=subscribe
  measure "consume 100 B" "gRPC Fetch (eventlog perf)" "$records" \
    el perf consume --topic="grpc-all-$run" --mode=fetch
  measure "consume 100 B" "Kafka Fetch (librdkafka)" "$records" \
    kb consume --topic="kafka-all-$run" --records="$records"
  topic "requests-$run"
  while IFS= read -r line; do
    what=${line%%  *}
    case "$what" in
      *sequential*) workload="1-record requests, one at a time (requests/s)" ;;
      *) workload="1-record requests, 32 in flight (requests/s)" ;;
    esac
    record "$workload" "${what%%, 1 record*}" "$(number_before requests/s <<<"$line")"
  done < <(kb requests --topic="requests-$run" --requests="$requests")
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table -------------------------------------------------------------------
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"\
     "$(uname -sr); load average at start $load_start, at end $load_end;"\
     "1-minute load at the start of each run: ${run_loads[*]}."
echo "Client and server share the machine (loopback 127.0.0.1). Medians of $runs runs [min - max]."
echo "$records records of 100 B per produce run, one partition; $requests requests per small-request"\
     "figure; librdkafka $(dpkg-query -W -f '${Version}' librdkafka-dev 2>/dev/null)."
echo
/usr/bin/python3 - "$results" <<'EOF'
import collections, statistics, sys
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    workload, door, value = line.rstrip("\n").split("\t")
    rows.setdefault(workload, collections.OrderedDict()).setdefault(door, []).append(float(value))
def fmt(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.3g}"
def cell(vs):
    return f"{fmt(statistics.median(vs))} [{fmt(min(vs))} - {fmt(max(vs))}]"
print("| workload | front door | median [min - max] | Kafka / gRPC |")
print("| --- | --- | --- | --- |")
for workload, doors in rows.items():
    grpc = [statistics.median(v) for d, v in doors.items() if d.startswith("gRPC")]
    for door, vs in doors.items():
        ratio = ""
        if door.startswith("Kafka") and grpc:
            # A CPU figure below the clock tick's resolution reads 0.
            ratio = ", ".join(f"{statistics.median(vs) / g:.2f}" if g else "-" for g in grpc)
        print(f"| {workload} | {door} | {cell(vs)} | {ratio} |")
EOF
