#!/usr/bin/env bash
# Peer benchmark: the same workloads against Redis Streams, NATS JetStream and
# eventlogd, on this machine, in one run, printed as one table (medians of
# --runs runs, with min and max, and eventlog's ratio to each peer).
#
#   scripts/bench-peers.sh [--runs N] [--records N] [--build DIR] [--jobs J]
#
# - Installs what is missing with apt (redis-server, redis-tools, nats-server,
#   libhiredis-dev, libnats-dev; needs root) and builds eventlogd + eventlog in
#   Release into --build (default build-bench) unless they are already there.
# - Compiles the small peer clients in tests/bench/peers/ with gcc/g++.
# - Starts every server on 127.0.0.1 with a free port and its data in a fresh
#   temp dir on the real disk; stops them all and removes the dir on exit,
#   failure or Ctrl-C.
# - Client and server share the machine (and its cores); the table says so.
# Not run by CI: it takes a few minutes. Run it on a quiet machine.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
runs=3
records=1000000
records_1k=300000
build="$repo/build-bench"
jobs=$(nproc 2>/dev/null || echo 2)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --records_1k) records_1k=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench-peers: unknown argument $1" >&2; exit 2 ;;
  esac
done

log() { echo "bench-peers: $*" >&2; }

# --- servers we start are tracked here and stopped on any exit -------------
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-peers.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- dependencies -----------------------------------------------------------
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-benchmark >/dev/null || need+=(redis-tools)
command -v nats-server >/dev/null || need+=(nats-server)
[[ -e /usr/include/hiredis/hiredis.h ]] || need+=(libhiredis-dev)
[[ -e /usr/include/nats/nats.h ]] || need+=(libnats-dev)
if [[ ${#need[@]} -gt 0 ]]; then
  log "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2
fi

eventlogd="$build/service/eventlogd"
eventlog="$build/clients/cpp/eventlog"
if [[ ! -x "$eventlogd" || ! -x "$eventlog" ]]; then
  log "building eventlogd and eventlog (Release) in $build"
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DEVENTLOG_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" --target eventlogd eventlog -j"$jobs" >&2
fi
gcc -O2 -o "$work/nats_js_bench" "$repo/tests/bench/peers/nats_js_bench.c" -lnats
g++ -O2 -std=c++20 -o "$work/redis_xrange_scan" "$repo/tests/bench/peers/redis_xrange_scan.cc" \
  -lhiredis

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {  # wait_port PORT: until something listens on 127.0.0.1:PORT
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "nothing listens on port $1"; return 1
}

# --- start the servers --------------------------------------------------------
mkdir -p "$work/redis" "$work/nats" "$work/eventlog"
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --save "" \
  --appendonly yes --appendfsync everysec --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
nats_port=$(free_port)
nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/nats" >"$work/nats.log" 2>&1 &
pids+=($!)
"$eventlogd" --listen=127.0.0.1:0 --data_dir="$work/eventlog" >"$work/eventlogd.log" 2>&1 &
pids+=($!)
wait_port "$redis_port"
wait_port "$nats_port"
for _ in $(seq 100); do
  grep -q "listening on" "$work/eventlogd.log" && break
  sleep 0.1
done
eventlog_addr=$(awk '/listening on/ {print $3; exit}' "$work/eventlogd.log")
[[ -n "$eventlog_addr" ]] || { log "eventlogd did not start"; cat "$work/eventlogd.log" >&2; exit 1; }
nats_url="nats://127.0.0.1:$nats_port"
rcli() { redis-cli -h 127.0.0.1 -p "$redis_port" "$@"; }

# --- workloads -----------------------------------------------------------------
results="$work/results.tsv"  # workload <TAB> system <TAB> value
value100=$(head -c 100 /dev/zero | tr '\0' x)
record() {
  printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"
  log "$1 / $2: $3 (load average $(cut -d' ' -f1 /proc/loadavg))"
}
# The number just before the word $1 in stdin ("... 123 records/s ...").
number_before() { awk -v w="$1" '{for (i = 2; i <= NF; i++) if ($i ~ "^" w) {print $(i-1); exit}}'; }
redis_xadd() {  # redis_xadd N: pipelined XADD requests/s
  rcli DEL stream >/dev/null
  redis-benchmark -h 127.0.0.1 -p "$redis_port" -P 64 -c 4 -n "$1" -q XADD stream '*' f "$value100" \
    | tr '\r' '\n' | grep 'requests per second' | tail -1 | number_before requests
}
el() { "$eventlog" perf "$@" --server="$eventlog_addr"; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
run_loads=()
for run in $(seq "$runs"); do
  run_loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  log "run $run of $runs (load average $(cut -d' ' -f1 /proc/loadavg))"
  rcli CONFIG SET appendfsync everysec >/dev/null
  record "produce 100 B, fsync ~1 s" "Redis XADD everysec" "$(redis_xadd "$records")"
  record "consume 100 B" "Redis XRANGE" \
    "$("$work/redis_xrange_scan" 127.0.0.1 "$redis_port" stream 1000 | number_before records/s)"
  rcli CONFIG SET appendfsync always >/dev/null
  record "produce 100 B, fsync per ack" "Redis XADD always" "$(redis_xadd "$records")"
  rcli DEL stream >/dev/null

  record "produce 100 B, fsync ~1 s" "NATS JetStream async publish" \
    "$("$work/nats_js_bench" "$nats_url" publish "$records" 100 | number_before records/s)"
  record "consume 100 B" "NATS JetStream ordered consumer" \
    "$("$work/nats_js_bench" "$nats_url" consume "$records" | number_before records/s)"

  record "produce 100 B, fsync ~1 s" "eventlog" \
    "$(el produce --topic="leader-$run" --records="$records" --acks=leader | number_before records/s)"
  record "produce 100 B, fsync per ack" "eventlog" \
    "$(el produce --topic="all-$run" --records="$records" --acks=all | number_before records/s)"
  record "consume 100 B" "eventlog Subscribe" \
    "$(el consume --topic="all-$run" --mode=subscribe | number_before records/s)"
  record "consume 100 B" "eventlog Fetch" \
    "$(el consume --topic="all-$run" --mode=fetch | number_before records/s)"
  record "produce 1 KiB, fsync per ack (MB/s)" "eventlog" \
    "$(el produce --topic="1k-$run" --records="$records_1k" --record_size=1024 --acks=all \
      | number_before MB/s)"
  latency=$(el latency --topic="latency-$run" --rate=10000 --records=50000 --acks=all)
  record "end-to-end p50 ms at 10,000/s" "eventlog" \
    "$(grep '^end-to-end' <<<"$latency" | awk '{print $4}')"
  record "end-to-end p99 ms at 10,000/s" "eventlog" \
    "$(grep '^end-to-end' <<<"$latency" | awk '{print $7}')"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table -------------------------------------------------------------------
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"\
     "$(uname -sr); load average at start $load_start, at end $load_end;"\
     "1-minute load at the start of each run: ${run_loads[*]}."
echo "Client and server share the machine (loopback 127.0.0.1). Medians of $runs runs [min - max]."
echo "$records records of 100 B per run ($records_1k of 1 KiB); $(redis-server --version | cut -d' ' -f1-3);"\
     "nats-server $(nats-server --version | awk '{print $NF}'); NATS client: libnats (C) $(dpkg-query -W -f '${Version}' libnats-dev 2>/dev/null)."
echo
/usr/bin/python3 - "$results" <<'EOF'
import collections, statistics, sys
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    workload, system, value = line.rstrip("\n").split("\t")
    rows.setdefault(workload, collections.OrderedDict()).setdefault(system, []).append(float(value))
def fmt(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.3g}"
def cell(vs):
    return f"{fmt(statistics.median(vs))} [{fmt(min(vs))} - {fmt(max(vs))}]"
print("| workload | system | median [min - max] | eventlog / peer |")
print("| --- | --- | --- | --- |")
for workload, systems in rows.items():
    ours = {s: v for s, v in systems.items() if s.startswith("eventlog")}
    peers = {s: v for s, v in systems.items() if not s.startswith("eventlog")}
    for system, vs in systems.items():
        ratio = ""
        if system in peers and ours:
            peer = statistics.median(vs)
            ratio = ", ".join(f"{statistics.median(v) / peer:.1f}x"
                              + (f" ({s[len('eventlog '):]})" if len(ours) > 1 else "")
                              for s, v in ours.items())
        print(f"| {workload} | {system} | {cell(vs)} | {ratio} |")
EOF
