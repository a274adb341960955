#!/usr/bin/env bash
# Cluster benchmark (docs/CLUSTER.md, "Throughput"): the same workloads on
# one eventlogd and on a cluster of three (one etcd member) on this machine,
# printed as one table of medians (with min and max) of --runs runs.
#
#   scripts/bench-cluster.sh [--runs N] [--records N] [--build DIR]
#                            [--only routing|spread|direct|leaders] [--replication_factor N]
#                            [--concurrency N]
#
# Workloads (100-byte values, keyed, batches of 1000, acks all, a topic of
# 12 partitions):
# - produce: three `eventlog perf produce` clients at once, --records/3 each;
#   on the cluster each sends to another broker, which forwards the records
#   of the partitions it does not lead (2/3 of them);
# - subscribe: three `eventlog perf consume` subscribers at once, each
#   reading the whole topic; on the cluster each through another broker,
#   which reads the partitions it does not lead through their leaders;
# - forwarding cost: a one-partition topic produced to (and read) through
#   its leader, then through another broker; and the request latency of
#   one-record produces (p50) both ways;
# - routing (the only one with --only routing): the C++ Producer
#   (`perf produce --client library`, one client given broker 1's address)
#   on a 12-partition topic, sending each partition's batches to its leader
#   (--route on) or everything through broker 1, which forwards 2/3 of them
#   (--route off); throughput, and the p50 latency of one record at a time.
# - leaders (the only one with --only leaders): produce as a Kafka client
#   does: one C++ Producer (`perf produce --client library --route on`)
#   sends each partition's batches to its leader, --concurrency requests in
#   flight per leader (default 24), all --records records on a fresh
#   12-partition topic per run; throughput, the brokers' CPU per record and,
#   with N > 1, the replication lag. Run it with --replication_factor 1 and
#   3 to compare (the issue's RF=3 target is measured this way).
# --replication_factor N: the cluster's topics get N replicas (the brokers'
# --default_replication_factor), so acks all waits for N copies fsynced;
# --only spread runs the produce and subscribe steps alone (single broker,
# then the cluster), to compare replication factors; --only direct the
# one-partition steps alone (through the leader and another broker), to
# compare latencies. With N > 1 the cluster's produce step also samples
# the brokers' replication lag
# (eventlog_replica_lag_max_records on each broker's /metrics, every
# 200 ms (1 s in the leaders step), the largest over the brokers) and
# prints the largest and the
# median sample of each run. The produce step also reports the brokers'
# CPU time per record (user + system, from /proc), which tells a step
# short of CPU from one waiting on something else.
# Rates are records/s over the wall time of the whole step. Clients and
# brokers share the machine's cores; expect the cluster to be slower here.
# Not run by CI. Needs the Release build of eventlogd and eventlog in
# --build (default build) and etcd (apt-get install etcd-server).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
runs=3
records=600000
build="$repo/build"
only=""
replication_factor=1
concurrency=24
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --replication_factor) replication_factor=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    -h|--help) sed -n '2,49p' "$0"; exit 0 ;;
    *) echo "bench-cluster: unknown argument $1" >&2; exit 2 ;;
  esac
done
eventlogd="$build/service/eventlogd"
cli="$build/clients/cpp/eventlog"
[[ -x $eventlogd && -x $cli ]] || { echo "bench-cluster: build eventlogd and eventlog into $build" >&2; exit 1; }
if ! command -v curl >/dev/null; then  # samples the brokers' /metrics
  echo "bench-cluster: installing curl" >&2
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends curl >&2
fi
command -v etcd >/dev/null || { echo "bench-cluster: etcd is missing (apt-get install etcd-server)" >&2; exit 1; }

log() { echo "bench-cluster: $*" >&2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-cluster.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts eventlogd with the given flags; sets $address to its address and
# $http to its HTTP address (empty without --http_listen).
start_broker() {
  local name=$1; shift
  local out="$work/$name.out"
  "$eventlogd" --listen=127.0.0.1:0 --data_dir="$work/$name" "$@" >"$out" 2>"$work/$name.log" &
  pids+=($!)
  local i want="^listening on"
  [[ " $* " == *" --http_listen="* ]] && want="^serving HTTP on"  # printed after the other
  for i in $(seq 200); do
    if grep -q "$want" "$out" 2>/dev/null; then
      address=$(sed -n 's/^listening on //p' "$out")
      http=$(sed -n 's/^serving HTTP on //p' "$out")
      return
    fi
    sleep 0.05
  done
  log "$name did not start: $(tail -3 "$work/$name.log")"; exit 1
}

# Runs "$@" once per server in parallel (the server replaces {}), waits for
# all; prints the aggregate rate of `total` records over the wall time.
parallel_rate() {
  local total=$1 servers=$2; shift 2
  local start end i=0 server
  start=$(date +%s.%N)
  local jobs=()
  for server in ${servers//,/ }; do
    "${@//\{\}/$server}" >"$work/step.$i" 2>&1 &
    jobs+=($!)
    i=$((i + 1))
  done
  local failed=0 job
  for job in "${jobs[@]}"; do wait "$job" || failed=1; done
  end=$(date +%s.%N)
  if [[ $failed -ne 0 ]]; then log "a client failed: $(cat "$work"/step.*)"; exit 1; fi
  awk -v n="$total" -v s="$start" -v e="$end" 'BEGIN { printf "%d\n", n / (e - s) }'
}

# The rate a perf command prints.
rate_of() { sed -n 's/.*s: \([0-9]*\) records\/s.*/\1/p' | head -1; }
p50_of() { sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' | head -1; }

# CPU time (user + system) of the processes $cpu_pids so far, in clock ticks.
cpu_ticks() {
  local pid total=0
  for pid in "${cpu_pids[@]}"; do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  echo "$total"
}

# Microseconds of $cpu_pids' CPU per record since cpu_ticks printed TICKS.
cpu_us_per_record() {  # ticks records
  awk -v t=$(($(cpu_ticks) - $1)) -v hz="$(getconf CLK_TCK)" -v n="$2" \
    'BEGIN { printf "%.2f\n", t / hz / n * 1e6 }'
}

# Until killed: every $lag_interval seconds, the largest
# eventlog_replica_lag_max_records over the HTTP addresses given, one line
# per sample, to file $1. Each sample forks a curl per broker, which costs
# CPU the brokers then lack: the leaders step samples once a second.
lag_interval=0.2
sample_lag() {  # file http...
  local file=$1 max value h; shift
  while true; do
    max=0
    for h in "$@"; do
      value=$(curl -s --max-time 1 "http://$h/metrics" |
        sed -n 's/^eventlog_replica_lag_max_records \([0-9]*\).*/\1/p')
      [[ -n $value && $value -gt $max ]] && max=$value
    done
    echo "$max" >>"$file"
    sleep "$lag_interval"
  done
}

median() { sort -n | awk '{ a[NR] = $1 } END { printf "%s (%s-%s)", a[int((NR + 1) / 2)], a[1], a[NR] }'; }

per_client=$((records / 3))
results="$work/results"
: >"$results"
record() { echo "$1|$2" >>"$results"; }

# Three clients at once on a 12-partition topic, each to one of `servers`;
# with HTTP addresses after them, the replication lag is sampled during
# the produce step.
run_spread() {  # label servers [http...]
  local label=$1 servers=$2 run topic sampler samples ticks
  shift 2
  for run in $(seq "$runs"); do
    topic="bench-$run"
    "$cli" topic create "$topic" --partitions 12 --server "${servers%%,*}" >/dev/null
    samples="$work/lag.$run"
    : >"$samples"
    if [[ $# -gt 0 ]]; then sample_lag "$samples" "$@" & sampler=$!; pids+=("$sampler"); fi
    ticks=$(cpu_ticks)
    record "$label: produce, 3 clients" "$(parallel_rate $((per_client * 3)) "$servers" \
      "$cli" perf produce --topic "$topic" --records "$per_client" --keys on --server {})"
    record "$label: produce, brokers' CPU per record (us)" "$(cpu_us_per_record "$ticks" $((per_client * 3)))"
    if [[ $# -gt 0 ]]; then
      kill "$sampler"; wait "$sampler" 2>/dev/null || true
      record "$label: replica lag during produce, max (records)" "$(sort -n "$samples" | tail -1)"
      record "$label: replica lag during produce, median sample" "$(sort -n "$samples" |
        awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
    fi
    record "$label: subscribe, 3 subscribers" "$(parallel_rate $((per_client * 3 * 3)) "$servers" \
      "$cli" perf consume --topic "$topic" --server {})"
    "$cli" topic delete "$topic" --server "${servers%%,*}" >/dev/null
  done
}

# One client on a one-partition topic, through its leader and through another broker.
run_direct() {  # leader other
  local leader=$1 other=$2 run via name
  for run in $(seq "$runs"); do
    for via in leader other; do
      [[ $via == leader ]] && server=$leader || server=$other
      [[ $via == leader ]] && name="its leader" || name="another broker"
      record "cluster: produce 1 partition via $name" "$("$cli" perf produce --topic direct \
        --records "$per_client" --server "$server" 2>/dev/null | rate_of)"
      record "cluster: subscribe 1 partition via $name" "$("$cli" perf consume --topic direct \
        --server "$server" 2>/dev/null | rate_of)"
      record "cluster: p50 ms, 1-record produce via $name" "$("$cli" perf produce --topic direct \
        --records 3000 --batch_size 1 --concurrency 1 --server "$server" 2>/dev/null | p50_of)"
    done
  done
}

# The C++ Producer given one broker, routing to leaders or not.
run_routing() {  # server
  local server=$1 run route
  "$cli" topic create routing --partitions 12 --server "$server" >/dev/null
  for run in $(seq "$runs"); do
    for route in on off; do
      record "cluster: library produce, 12 partitions, --route $route" "$("$cli" perf produce \
        --client library --topic routing --keys on --records "$per_client" --route "$route" \
        --server "$server" 2>/dev/null | rate_of)"
      record "cluster: p50 ms, library 1-record produce, --route $route" "$("$cli" perf produce \
        --client library --topic routing --keys on --records 3000 --batch_size 1 --concurrency 1 \
        --linger_ms 0 --route "$route" --server "$server" 2>/dev/null | p50_of)"
    done
  done
}

# One routed C++ Producer, as a Kafka client produces: every partition's
# batches straight to its leader, --concurrency requests in flight per leader.
run_leaders() {  # server [http...]
  local server=$1 run topic sampler samples ticks
  shift
  for run in $(seq "$runs"); do
    topic="leaders-$run"
    "$cli" topic create "$topic" --partitions 12 --server "$server" >/dev/null
    samples="$work/lag.$run"
    : >"$samples"
    if [[ $# -gt 0 ]]; then sample_lag "$samples" "$@" & sampler=$!; pids+=("$sampler"); fi
    ticks=$(cpu_ticks)
    record "cluster: library produce to leaders, RF=$replication_factor" "$("$cli" perf produce \
      --client library --route on --topic "$topic" --keys on --records "$records" \
      --concurrency "$concurrency" --server "$server" 2>/dev/null | rate_of)"
    record "cluster: brokers' CPU per record (us)" "$(cpu_us_per_record "$ticks" "$records")"
    if [[ $# -gt 0 ]]; then
      kill "$sampler"; wait "$sampler" 2>/dev/null || true
      record "cluster: replica lag during produce, max (records)" "$(sort -n "$samples" | tail -1)"
      record "cluster: replica lag during produce, median sample" "$(sort -n "$samples" |
        awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
    fi
    "$cli" topic delete "$topic" --server "$server" >/dev/null
  done
}

if [[ -z $only || $only == spread ]]; then
  log "single broker"
  start_broker single
  single=$address
  cpu_pids=("${pids[-1]}")
  run_spread "single broker" "$single,$single,$single"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
fi

log "cluster: one etcd member, three brokers"
client_port=$(free_port); peer_port=$(free_port)
etcd --name bench --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$client_port" \
  --advertise-client-urls "http://127.0.0.1:$client_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "bench=http://127.0.0.1:$peer_port" --logger=zap --log-outputs="$work/etcd.log" &
pids+=($!)
sleep 2
brokers=()
https=()
cpu_pids=()
for id in 1 2 3; do
  start_broker "broker-$id" --cluster_etcd="127.0.0.1:$client_port" --broker_id="$id" \
    --default_replication_factor="$replication_factor" --http_listen=127.0.0.1:0
  brokers+=("$address")
  cpu_pids+=("${pids[-1]}")
  https+=("$http")
done
lag_https=()
[[ $replication_factor -gt 1 ]] && lag_https=("${https[@]}")
servers=$(IFS=,; echo "${brokers[*]}")
sleep 2  # every broker registered
if [[ $only == spread ]]; then
  run_spread "3 brokers, RF=$replication_factor" "$servers" "${lag_https[@]}"
elif [[ -z $only || $only == direct ]]; then
  [[ $only == direct ]] || run_spread "3 brokers, RF=$replication_factor" "$servers" "${lag_https[@]}"
  "$cli" topic create direct --partitions 1 --server "${brokers[0]}" >/dev/null
  leader_id=$(ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$client_port" get \
    /eventlog/partitions/direct/0 --print-value-only | sed -n 's/.*"leader":\([0-9]*\).*/\1/p')
  run_direct "${brokers[$((leader_id - 1))]}" "${brokers[$((leader_id % 3))]}"
fi
if [[ $only == leaders ]]; then
  lag_interval=1
  run_leaders "${brokers[0]}" "${lag_https[@]}"
elif [[ $only != spread && $only != direct ]]; then
  run_routing "${brokers[0]}"
fi

echo
echo "eventlog cluster benchmark: $(nproc) cores shared by clients and brokers, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "100-byte values, keyed, batches of 1000, acks all; $records records per produce step; medians (min-max) of $runs runs"
printf '%-62s %s\n' "workload" "records/s (or ms)"
awk -F'|' '{ print $1 }' "$results" | awk '!seen[$0]++' | while read -r label; do
  printf '%-62s %s\n' "$label" "$(awk -F'|' -v l="$label" '$1 == l { print $2 }' "$results" | median)"
done
