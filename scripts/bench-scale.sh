#!/usr/bin/env bash
# Scale curves: eventlogd next to the store-nothing reference server
# (tests/bench/null_eventlogd, the gRPC ceiling of the same proto), measured
# in one run with the real `eventlog perf`:
#   a. keyed produce over 1 / 16 / 256 / 1,024 partitions, acks all and
#      leader, library client and raw client (the broker routes each record),
#      with the reference server's 1-partition rate alongside;
#   b. batched produce (acks leader, acks all; 100 B and 1 KiB) and Subscribe,
#      eventlogd / reference;
#   c. single-record requests (batch size 1, 64 in flight), eventlogd /
#      reference;
#   d. latency vs rate: `perf latency --sweep` for acks all and leader, and
#      the reference server's knee;
#   and Redis Streams alongside where it applies (not with --quick or
#   --no-redis): XADD over 1 / 16 / 256 / 1,024 stream keys (pipelined, the
#   "keyed produce" of Redis) and single XADDs with 64 clients, with
#   appendfsync always (as acks all) and everysec (as acks leader).
# Prints markdown tables (medians of --runs runs, [min - max]), writes PNG
# plots (gnuplot) into docs/perf/, and with --write-doc replaces the section
# between <!-- bench-scale:begin --> and <!-- bench-scale:end --> of
# docs/PERFORMANCE.md.
#
#   scripts/bench-scale.sh [--runs N] [--quick] [--[no-]redis] [--build DIR] [--png-dir DIR] [--write-doc]
#                          [--only-partitions] [--partition-counts "1 1024"] [--clients "raw"]
#
# - --runs N: runs of every workload (default 3); --quick: one short run with
#   tiny record counts (a smoke test of the script, figures meaningless).
# - --build DIR: where eventlogd, eventlog and null_eventlogd are (default
#   build/; builds nothing). --png-dir DIR: where the plots go (docs/perf).
# - --only-partitions: (a) alone, without the reference server's runs;
#   --partition-counts and --clients narrow it (defaults "1 16 256 1024",
#   "library raw"). Not with --write-doc.
# - A measurement that fails (e.g. a request past the CLI's 30 s deadline)
#   is reported in its table cell with the error, and the run goes on.
# - Starts a fresh eventlogd (empty temp data dir) for every measurement of
#   (a) and every run of (b)-(d), and one reference server, on 127.0.0.1
#   ephemeral ports; stops them and removes the dirs on exit, failure or
#   Ctrl-C. Installs gnuplot-nox (and redis-server, redis-tools) with apt-get
#   when missing.
# - Client and servers share the machine's cores; the header states the load.
# Not run by CI: a full run takes ~10-15 minutes. Run it on a quiet machine.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
runs=3
quick=false
redis=true
write_doc=false
build="$repo/build"
png_dir="$repo/docs/perf"
only_partitions=false
partition_counts_arg=""
clients="library raw"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --quick) quick=true; redis=false; shift ;;
    --no-redis) redis=false; shift ;;
    --redis) redis=true; shift ;;
    --build) build=$2; shift 2 ;;
    --png-dir) png_dir=$2; shift 2 ;;
    --write-doc) write_doc=true; shift ;;
    --only-partitions) only_partitions=true; shift ;;
    --partition-counts) partition_counts_arg=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    -h|--help) sed -n '2,41p' "$0"; exit 0 ;;
    *) echo "bench-scale: unknown argument $1" >&2; exit 2 ;;
  esac
done
build=$(cd "$build" && pwd)
if $only_partitions && $write_doc; then
  echo "bench-scale: --only-partitions does not write the doc" >&2; exit 2
fi

log() { echo "bench-scale: $*" >&2; }

# --- sizes ------------------------------------------------------------------------
partition_counts=(1 16 256 1024)
keyed_records=500000       # library client, per partition count
keyed_raw_records=200000   # raw client: one request touches up to 1,000 partitions
batched_records=1000000    # 100 B
batched_1k_records=300000  # 1 KiB
single_records=30000       # batch size 1
sweep_step_seconds=2
sweep_max_rate=200000
# The sweeps go on past the 5 ms knee (reported from the steps) to draw more
# of the curve.
sweep_bound_ms=50
if $quick; then
  runs=1
  partition_counts=(1 16)
  keyed_records=20000
  keyed_raw_records=20000
  batched_records=20000
  batched_1k_records=5000
  single_records=500
  sweep_step_seconds=1
  sweep_max_rate=2000
fi
if [[ -n "$partition_counts_arg" ]]; then
  read -r -a partition_counts <<<"$partition_counts_arg"
fi

eventlogd="$build/service/eventlogd"
eventlog="$build/clients/cpp/eventlog"
null_eventlogd="$build/tests/bench/null_eventlogd"
for binary in "$eventlogd" "$eventlog" "$null_eventlogd"; do
  [[ -x "$binary" ]] || { log "missing $binary: build it first (cmake --build $build)"; exit 1; }
done
need=()
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
if $redis; then
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v redis-benchmark >/dev/null || need+=(redis-tools)
fi
if [[ ${#need[@]} -gt 0 ]]; then
  log "installing ${need[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >&2
fi

# --- the servers we start are stopped on any exit --------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-scale.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server() {  # start_server NAME COMMAND...: writes its address to $work/NAME.addr
  local name=$1; shift
  local attempt pid addr=""
  # Two attempts: at nice 19 on a busy machine a start can be slow.
  for attempt in 1 2; do
    "$@" >"$work/$name.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 600); do
      grep -q "listening on" "$work/$name.log" && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    addr=$(awk '/listening on/ {print $3; exit}' "$work/$name.log")
    [[ -n "$addr" ]] && break
    log "$name did not start (attempt $attempt; alive: $(kill -0 "$pid" 2>/dev/null && echo yes || echo no)):"
    cat "$work/$name.log" >&2
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset 'pids[-1]'
  done
  [[ -n "$addr" ]] || exit 1
  echo "$addr" >"$work/$name.addr"
}
# A fresh eventlogd on an empty data dir for each measurement of (a) and
# each run of (b)-(d): deleting topics is no way to reset it (creating a topic
# after big deletes scans LevelDB tombstones on a gRPC thread for minutes, and
# the broker stops accepting connections meanwhile).
eventlogd_pid=""
eventlogd_addr=""
eventlogd_dirs=0
start_eventlogd() {
  eventlogd_dirs=$((eventlogd_dirs + 1))
  start_server eventlogd "$eventlogd" --listen=127.0.0.1:0 --data_dir="$work/data-$eventlogd_dirs"
  eventlogd_pid=${pids[-1]}
  eventlogd_addr=$(cat "$work/eventlogd.addr")
}
stop_eventlogd() {
  kill "$eventlogd_pid" 2>/dev/null || true
  wait "$eventlogd_pid" 2>/dev/null || true
  # Not killed again on exit (the pid may be reused by then).
  local kept=() pid
  for pid in "${pids[@]}"; do [[ $pid == "$eventlogd_pid" ]] || kept+=("$pid"); done
  pids=("${kept[@]}")
  rm -rf "$work/data-$eventlogd_dirs"
}
# Not in $(...): the pids must be recorded in this shell for cleanup.
start_server reference "$null_eventlogd" --listen=127.0.0.1:0
reference_addr=$(cat "$work/reference.addr")
log "reference server on $reference_addr"
if $redis; then
  redis_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$work/redis"
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --save "" \
    --appendonly yes --appendfsync everysec --daemonize no >"$work/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    redis-cli -h 127.0.0.1 -p "$redis_port" PING >/dev/null 2>&1 && break
    sleep 0.1
  done
  log "redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:$redis_port"
fi

# --- workloads -----------------------------------------------------------------------
results="$work/results.tsv"  # section <TAB> workload <TAB> system <TAB> run <TAB> value
sweeps="$work/sweeps.tsv"    # curve <TAB> run <TAB> rate <TAB> sent <TAB> p50 <TAB> p99
knees="$work/knees.tsv"      # curve <TAB> run <TAB> knee rate (0: none)
: >"$results"; : >"$sweeps"; : >"$knees"
run=0
record() {  # record SECTION WORKLOAD SYSTEM VALUE (empty: failed, the error is perf's last line)
  local value=$4
  if [[ -z "$value" ]]; then
    # "eventlog: perf produce to 'T': UNAVAILABLE: ...": the first code is perf's.
    local error
    error=$(grep -a '^eventlog:' "$work/last.stderr" | tail -1)
    log "run $run: $2 / $3 failed: $error"
    value="failed: $(grep -oE ': [A-Z_]{4,}: ' <<<"$error" | head -1 | tr -d ': ')"
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$run" "$value" >>"$results"
  log "run $run: $2 / $3: $value (load $(cut -d' ' -f1 /proc/loadavg))"
}
# The number just before the word $1 in stdin ("... 123 records/s ...").
number_before() { awk -v w="$1" '{for (i = 2; i <= NF; i++) if ($i ~ "^" w) {print $(i-1); exit}}'; }
perf() {  # perf ADDR ARGS...: `eventlog perf ARGS` at the lowest priority (never fails)
  local addr=$1; shift
  nice -n 19 "$eventlog" perf "$@" --server="$addr" 2>"$work/last.stderr" || true
  cat "$work/last.stderr" >>"$work/perf.stderr"
}
produce_rate() {  # produce_rate ADDR TOPIC ARGS...: records/s
  local addr=$1 topic=$2; shift 2
  perf "$addr" produce --topic="$topic" "$@" | number_before records/s
}

rcli() { redis-cli -h 127.0.0.1 -p "$redis_port" "$@"; }
value100=$(head -c 100 /dev/zero | tr '\0' x)
# redis_xadd FSYNC KEYS PIPELINE CLIENTS N: XADDs/s of 100 B values spread
# over KEYS stream keys, with appendfsync FSYNC (always | everysec).
redis_xadd() {
  local fsync=$1 keys=$2 pipeline=$3 clients=$4 n=$5
  rcli CONFIG SET appendfsync "$fsync" >/dev/null
  rcli FLUSHALL >/dev/null
  nice -n 19 redis-benchmark -h 127.0.0.1 -p "$redis_port" -P "$pipeline" -c "$clients" \
    -n "$n" -r "$keys" -q XADD 'stream:__rand_int__' '*' f "$value100" 2>/dev/null \
    | tr '\r' '\n' | grep 'requests per second' | tail -1 | number_before requests || true
}

sweep() {  # sweep CURVE TOPIC ADDR ACKS
  local curve=$1 topic=$2 addr=$3 acks=$4 out
  out=$(perf "$addr" latency --topic="$topic" --sweep --acks="$acks" --rate=1000 \
    --step_percent=50 --p99_bound_ms="$sweep_bound_ms" --step_seconds="$sweep_step_seconds" \
    --max_rate="$sweep_max_rate")
  # "rate 1000 records/s requested, 998 sent: end-to-end p50 0.25 ms, p99 1.3 ms, ..."
  awk -v c="$curve" -v r="$run" '/^rate [0-9]+ records\/s requested/ {
      p50 = ""; p99 = "";
      for (i = 1; i <= NF; i++) { if ($i == "p50") p50 = $(i+1); if ($i == "p99" && p99 == "") p99 = $(i+1) }
      sent = $5; sub(/:$/, "", sent);
      printf "%s\t%s\t%s\t%s\t%s\t%s\n", c, r, $2, sent, p50, p99 }' <<<"$out" >>"$sweeps"
  local knee
  knee=$(awk '/^knee:/ { if ($2 == "none,") print 0; else print $2; exit }' <<<"$out")
  printf '%s\t%s\t%s\n' "$curve" "$run" "${knee:-0}" >>"$knees"
  log "run $run: sweep $curve: knee ${knee:-none} records/s"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
run_loads=()
for run in $(seq "$runs"); do
  run_loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  log "run $run of $runs (load average $(cut -d' ' -f1 /proc/loadavg))"

  # a. keyed produce over partitions.
  for client in $clients; do
    records=$keyed_records
    [[ $client == raw ]] && records=$keyed_raw_records
    for acks in all leader; do
      for p in "${partition_counts[@]}"; do
        topic="keyed-$client-$acks-$p-$run"
        start_eventlogd
        record partitions "$client acks $acks" "$p" "$(produce_rate "$eventlogd_addr" "$topic" \
          --client="$client" --keys=on --partitions="$p" --acks="$acks" --records="$records")"
        stop_eventlogd
      done
    done
    $only_partitions && continue
    record partitions "$client reference" 1 "$(produce_rate "$reference_addr" \
      "keyed-$client-$run" --client="$client" --keys=on --records="$records")"
  done
  if $redis; then
    for fsync in always everysec; do
      for p in "${partition_counts[@]}"; do
        record partitions "Redis XADD appendfsync $fsync" "$p" \
          "$(redis_xadd "$fsync" "$p" 64 8 "$keyed_records")"
      done
    done
  fi
  $only_partitions && continue

  # b. batched produce and Subscribe, eventlogd / reference.
  start_eventlogd
  for server in eventlogd reference; do
    addr=$eventlogd_addr
    [[ $server == reference ]] && addr=$reference_addr
    for acks in leader all; do
      record batched "produce 100 B, acks $acks (records/s)" "$server" "$(produce_rate "$addr" \
        "batched-$acks-$run" --acks="$acks" --records="$batched_records")"
    done
    record batched "Subscribe 100 B (records/s)" "$server" \
      "$(perf "$addr" consume --topic="batched-all-$run" | number_before records/s)"
    for acks in leader all; do
      record batched "produce 1 KiB, acks $acks (MB/s)" "$server" \
        "$(perf "$addr" produce --topic="batched-1k-$acks-$run" --acks="$acks" \
          --record_size=1024 --records="$batched_1k_records" | number_before MB/s)"
    done
    record batched "Subscribe 1 KiB (MB/s)" "$server" \
      "$(perf "$addr" consume --topic="batched-1k-all-$run" | number_before MB/s)"
  done

  # c. single-record requests.
  for server in eventlogd reference; do
    addr=$eventlogd_addr
    [[ $server == reference ]] && addr=$reference_addr
    for acks in leader all; do
      record small "1-record requests, acks $acks (requests/s)" "$server" \
        "$(produce_rate "$addr" "small-$acks-$run" --acks="$acks" --batch_size=1 \
          --concurrency=64 --records="$single_records")"
    done
  done
  if $redis; then
    record small "1-record requests, acks all (requests/s)" redis \
      "$(redis_xadd always 1 1 64 "$single_records")"
    record small "1-record requests, acks leader (requests/s)" redis \
      "$(redis_xadd everysec 1 1 64 "$single_records")"
  fi

  # d. latency vs rate.
  sweep "eventlogd acks all" "sweep-all-$run" "$eventlogd_addr" all
  sweep "eventlogd acks leader" "sweep-leader-$run" "$eventlogd_addr" leader
  sweep "reference server" "sweep-reference-$run" "$reference_addr" all
  stop_eventlogd
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- tables, plots, the doc ---------------------------------------------------------------
mkdir -p "$png_dir"
header="Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"
header+=" $(uname -sr); load average at start $load_start, at end $load_end;"
header+=" 1-minute load at the start of each run: ${run_loads[*]}."
header+=" Client, eventlogd and the reference server share the cores (loopback)"
header+=" and run at the priority the script was started with ($(nice))."
header+=" Medians of $runs runs [min - max]."
$quick && header+=" **--quick: tiny record counts, figures meaningless.**"
tables="$work/tables.md"
/usr/bin/python3 "$repo/scripts/bench_scale_report.py" --results "$results" --sweeps "$sweeps" \
  --knees "$knees" --bound-ms "$sweep_bound_ms" --header "$header" --plot-dir "$work/plot" --png-dir "$png_dir" \
  >"$tables"
echo
cat "$tables"
if $write_doc; then
  /usr/bin/python3 "$repo/scripts/bench_scale_report.py" --splice "$repo/docs/PERFORMANCE.md" \
    --tables "$tables"
  log "replaced the bench-scale section of docs/PERFORMANCE.md"
fi
