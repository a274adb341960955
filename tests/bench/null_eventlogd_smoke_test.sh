#!/usr/bin/env bash
# Smoke test of the store-nothing reference server ($NULL_EVENTLOGD) with the
# real `eventlog perf` ($EVENTLOG_CLI), so that the tool scripts/bench-scale.sh
# measures against cannot rot: produce (raw keyed over partitions, library),
# consume (raw, library) of exactly what was produced, a short latency run
# (a tailing subscriber gets the produced records), UNIMPLEMENTED for an RPC
# it does not serve, and exit 0 on SIGTERM. Figures are not judged.
set -euo pipefail
: "${NULL_EVENTLOGD:?set NULL_EVENTLOGD to the null_eventlogd binary}"
: "${EVENTLOG_CLI:?set EVENTLOG_CLI to the eventlog binary}"

work=$(mktemp -d "${TMPDIR:-/tmp}/null-smoke.XXXXXX")
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$NULL_EVENTLOGD" --listen=127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
addr=$(awk '/listening on/ {print $3; exit}' "$work/server.log")
[[ "$addr" =~ ^127\.0\.0\.1:[0-9]+$ ]] || { echo "no 'listening on HOST:PORT'"; exit 1; }

failures=0
# expect NAME PATTERN... -- ARGS: `eventlog ARGS` exits 0 and prints every PATTERN.
expect() {
  local name=$1; shift
  local patterns=()
  while [[ $1 != "--" ]]; do patterns+=("$1"); shift; done
  shift
  local out
  if ! out=$("$EVENTLOG_CLI" "$@" --server="$addr" 2>"$work/stderr"); then
    echo "FAIL $name: exit $?"; cat "$work/stderr"; failures=$((failures + 1)); return
  fi
  for p in "${patterns[@]}"; do
    if ! grep -qE "$p" <<<"$out"; then
      echo "FAIL $name: no /$p/ in:"; echo "$out"; failures=$((failures + 1)); return
    fi
  done
  echo "ok   $name"
}

expect "produce raw keyed" '^perf produce: 3000 records in .*keys on.* 4 partitions\)' -- \
  perf produce --topic=smoke --records=3000 --batch_size=100 --concurrency=4 --streams=2 \
  --partitions=4 --keys=on --record_size=200
expect "produce library" '^perf produce: 2000 records in .*client library, 4 partitions\)' -- \
  perf produce --topic=smoke --records=2000 --batch_size=100 --client=library --acks=leader \
  --keys=on --record_size=200
expect "consume raw" '^perf consume: 5000 records in ' -- \
  perf consume --topic=smoke --batch_size=300
expect "consume library" '^perf consume: 5000 records in .*client library' -- \
  perf consume --topic=smoke --client=library --batch_size=300
expect "single-record requests" '^perf produce: 500 records in .*batches of 1,' -- \
  perf produce --topic=small --records=500 --batch_size=1 --concurrency=16
expect "latency" '^perf latency: 1000 records' '^end-to-end latency: p50 [0-9.]+ ms' -- \
  perf latency --topic=lat --rate=1000 --records=1000
# The high watermarks count what was produced (3000 + 2000).
hw_sum=$("$EVENTLOG_CLI" topic describe smoke --server="$addr" |
  awk '/^PARTITION/ {t = 1; next} t && NF >= 3 {s += $3} END {print s + 0}')
if [[ "$hw_sum" == 5000 ]]; then echo "ok   high watermarks"; else
  echo "FAIL high watermarks sum to $hw_sum, not 5000"; failures=$((failures + 1)); fi

# Fetch is not served: the CLI reports the server's UNIMPLEMENTED.
if "$EVENTLOG_CLI" perf consume --topic=smoke --mode=fetch --server="$addr" \
    >"$work/fetch.out" 2>&1; then
  echo "FAIL fetch: exit 0 from an RPC the reference server does not serve"; failures=$((failures + 1))
elif ! grep -qi "unimplemented" "$work/fetch.out"; then
  echo "FAIL fetch: no UNIMPLEMENTED in:"; cat "$work/fetch.out"; failures=$((failures + 1))
else
  echo "ok   fetch is UNIMPLEMENTED"
fi

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
if [[ $status -ne 0 ]]; then echo "FAIL SIGTERM: exit $status"; failures=$((failures + 1)); fi

[[ $failures -eq 0 ]] || { echo "$failures failure(s)"; cat "$work/server.log"; exit 1; }
echo "all passed"
