#!/usr/bin/env bash
# Smoke test of `eventlog perf produce|consume|latency` against a real
# eventlogd ($EVENTLOGD, $EVENTLOG_CLI): tiny record counts, checks that each
# prints its final report (the figures themselves are not judged here), and
# that a bad topic fails with the server's code. Stops the server it started.
set -euo pipefail
: "${EVENTLOGD:?set EVENTLOGD to the eventlogd binary}"
: "${EVENTLOG_CLI:?set EVENTLOG_CLI to the eventlog binary}"

work=$(mktemp -d "${TMPDIR:-/tmp}/perf-smoke.XXXXXX")
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

: >"$work/server.log"
"$EVENTLOGD" --listen=127.0.0.1:0 --data_dir="$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do
  grep -q "listening on" "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
addr=$(awk '/listening on/ {print $3; exit}' "$work/server.log")
[[ -n "$addr" ]] || { echo "eventlogd did not report its address"; exit 1; }

failures=0
# expect NAME PATTERN... -- ARGS: runs `eventlog perf ARGS`, requires exit 0 and
# every PATTERN on stdout.
expect() {
  local name=$1; shift
  local patterns=()
  while [[ $1 != "--" ]]; do patterns+=("$1"); shift; done
  shift
  local out
  if ! out=$("$EVENTLOG_CLI" perf "$@" --server="$addr" 2>"$work/stderr"); then
    echo "FAIL $name: exit $?"; cat "$work/stderr"; failures=$((failures + 1)); return
  fi
  for p in "${patterns[@]}"; do
    if ! grep -qE "$p" <<<"$out"; then
      echo "FAIL $name: no /$p/ in:"; echo "$out"; failures=$((failures + 1)); return
    fi
  done
  echo "ok   $name"
}

report='^perf produce: 2500 records in [0-9.]+ s: [0-9]+ records/s, [0-9.]+ MB/s'
expect "produce raw" "$report" '^request latency: p50 [0-9.]+ ms, p99 .* max [0-9.]+ ms' -- \
  produce --topic=smoke --records=2500 --batch_size=100 --concurrency=4 --streams=2 \
  --partitions=2 --keys=on
expect "produce many connections" \
  '^perf produce: 2500 records in .*, 5 connections: each [0-9]+ - [0-9]+ records/s' -- \
  produce --topic=smoke-connections --records=2500 --batch_size=10 --concurrency=10 --streams=5 \
  --connection_per_stream
expect "produce library" "$report" -- \
  produce --topic=smoke --records=2500 --batch_size=100 --client=library --acks=leader
expect "consume subscribe" '^perf consume: 5000 records in .* records/s' -- \
  consume --topic=smoke --mode=subscribe --batch_size=300
expect "consume subscribe library" '^perf consume: 5000 records in .* client library' -- \
  consume --topic=smoke --mode=subscribe --batch_size=300 --client=library
expect "consume fan-out" \
  '^perf consume: 15000 records in .*, 3 subscribers: each [0-9]+ - [0-9]+ records/s' -- \
  consume --topic=smoke --mode=subscribe --batch_size=300 --subscribers=3
expect "consume fetch" '^perf consume: 5000 records in .* records/s' -- \
  consume --topic=smoke --mode=fetch --batch_size=300 --concurrency=3
expect "latency" '^perf latency: 300 records' '^end-to-end latency: p50 [0-9.]+ ms.*\(250 samples\)' -- \
  latency --topic=smoke-latency --rate=3000 --records=300 --warmup_records=50 --batch_size=2
expect "latency sweep" '^rate 500 records/s requested, [0-9]+ sent: end-to-end p50' \
  '^knee: (500|1000) records/s requested.*stopped: ' -- \
  latency --topic=smoke-latency --sweep --rate=500 --max_rate=1000 --step_percent=100 \
  --step_seconds=1 --p99_bound_ms=2000

# A missing topic is the server's NOT_FOUND, exit 1.
set +e
"$EVENTLOG_CLI" perf consume --topic=absent --server="$addr" >"$work/out" 2>"$work/err"
code=$?
set -e
if [[ $code -ne 1 ]] || ! grep -q NOT_FOUND "$work/err"; then
  echo "FAIL consume of a missing topic: exit $code"; cat "$work/err"; failures=$((failures + 1))
else
  echo "ok   consume of a missing topic"
fi
# A usage error is exit 2.
set +e
"$EVENTLOG_CLI" perf produce --acks=some --server="$addr" >/dev/null 2>&1
code=$?
set -e
if [[ $code -ne 2 ]]; then echo "FAIL bad --acks: exit $code"; failures=$((failures + 1)); fi

[[ $failures -eq 0 ]] || { echo "$failures failures"; exit 1; }
echo "all perf smoke checks passed"
