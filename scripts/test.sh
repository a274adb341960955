#!/usr/bin/env bash
# One command for every test: install what is missing, build with -Werror,
# and run the whole suite (unit, service, end-to-end) through ctest; then the
# sanitizer pass: the suite built with clang, ASan + UBSan and the libFuzzer
# targets (build-asan/), run again, fuzzers included.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test

# The container test builds its own image from the sources and needs nothing
# from build/: it starts now, beside the builds and the other tests (its
# debootstrap and package downloads leave the cores mostly idle), and is
# waited for at the end. timeout(1) runs it in its own process group, so
# that an early exit of this script stops all of it (its traps remove the
# podman state it made).
container_log=$(mktemp)
reports=$(mktemp -d)
timeout -s TERM 1200 tests/docker/run_container_test.sh >"$container_log" 2>&1 &
container_pid=$!
cleanup() {
  kill -TERM -- "-$container_pid" 2>/dev/null || true
  wait "$container_pid" 2>/dev/null || true
  rm -rf "$reports" "$container_log"
}
trap cleanup EXIT

# Unity builds (each target's sources compiled in batches) parse the heavy
# gRPC, protobuf and gtest headers once per batch instead of once per file:
# they cut a cold build's time several-fold on two cores. Ordinary builds
# (scripts/build.sh) compile file by file, so both ways stay correct.
unity=-DCMAKE_UNITY_BUILD=ON
scripts/build.sh -DEVENTLOG_WERROR=ON -DEVENTLOG_BUILD_TESTS=ON "$unity"
(cd build && ctest --output-on-failure -j2 --timeout 600 -LE container)

# Sanitizer pass. Every report fails it: the test that hit it exits non-zero,
# and reports of processes whose exit status nobody checks (eventlogd under
# the e2e and client tests) land in $reports, which must stay empty.
# Excluded: the container test (its image has no sanitizers), the benchmarks
# (not tests), and the suites whose own code is not C++ (the Python and Node
# clients, the console's JavaScript in Chromium): the server paths they drive
# are the ones the C++ client, CLI, e2e and Kafka tests drive here too.
# The crash loop runs 8 rounds instead of 30: each kill -9 and restart of a
# sanitized broker is several times slower, and the first pass ran all 30.
echo "== sanitizer pass (ASan + UBSan, fuzzers) in build-asan/"
start=$SECONDS
jobs=$(nproc 2>/dev/null || echo 2)
CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DEVENTLOG_WERROR=ON \
  -DEVENTLOG_BUILD_TESTS=ON -DEVENTLOG_BUILD_BENCHMARKS=OFF -DEVENTLOG_SANITIZE=ON \
  -DEVENTLOG_FUZZ=ON "$unity" >/dev/null
cmake --build build-asan -j"$jobs"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
status=0
not_cpp='^(clients_node|clients_python|clients_cross_language|clients_routing_node|clients_cluster_node|ops_console)$'
(cd build-asan && EVENTLOG_CRASH_ROUNDS=8 ctest --output-on-failure -j2 --timeout 600 \
  -LE container -E "$not_cpp") || status=$?
if compgen -G "$reports/*" >/dev/null; then
  echo "sanitizer reports:" >&2
  for f in "$reports"/*; do
    echo "---- $f" >&2
    cat "$f" >&2
  done
  status=1
fi
echo "== sanitizer pass: $((SECONDS - start)) s"

echo "== container test (started with the build)"
container_status=0
wait "$container_pid" || container_status=$?
if ((container_status == 0)); then
  grep -E '^\[container test\]|passed|failed' "$container_log" || true
else
  cat "$container_log" >&2
  echo "container test failed (exit $container_status)" >&2
  status=1
fi
exit $status
