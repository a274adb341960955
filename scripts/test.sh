#!/usr/bin/env bash
# One command for every test: install what is missing, build with -Werror,
# and run the whole suite (unit, service, end-to-end) through ctest; then the
# sanitizer pass: the same suite built with clang, ASan + UBSan and the
# libFuzzer targets (build-asan/), run again, fuzzers included.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
# Unity builds (each target's sources compiled in batches) parse the heavy
# gRPC, protobuf and gtest headers once per batch instead of once per file:
# they cut a cold build's time several-fold on two cores. Ordinary builds
# (scripts/build.sh) compile file by file, so both ways stay correct.
unity=-DCMAKE_UNITY_BUILD=ON
scripts/build.sh -DEVENTLOG_WERROR=ON -DEVENTLOG_BUILD_TESTS=ON "$unity"
(cd build && ctest --output-on-failure -j2 --timeout 600)

# Sanitizer pass. Every report fails it: the test that hit it exits non-zero,
# and reports of processes whose exit status nobody checks (eventlogd under
# the e2e and client tests) land in $reports, which must stay empty.
# Excluded: the container test (it builds its own image from the sources,
# without sanitizers; the first pass ran it) and the benchmarks (not tests).
# The crash loop runs 8 rounds instead of 30: each kill -9 and restart of a
# sanitized broker is several times slower, and the first pass ran all 30.
echo "== sanitizer pass (ASan + UBSan, fuzzers) in build-asan/"
start=$SECONDS
jobs=$(nproc 2>/dev/null || echo 2)
CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DEVENTLOG_WERROR=ON \
  -DEVENTLOG_BUILD_TESTS=ON -DEVENTLOG_BUILD_BENCHMARKS=OFF -DEVENTLOG_SANITIZE=ON \
  -DEVENTLOG_FUZZ=ON "$unity" >/dev/null
cmake --build build-asan -j"$jobs"
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
status=0
(cd build-asan && EVENTLOG_CRASH_ROUNDS=8 ctest --output-on-failure -j2 --timeout 600 -LE container) || status=$?
if compgen -G "$reports/*" >/dev/null; then
  echo "sanitizer reports:" >&2
  for f in "$reports"/*; do
    echo "---- $f" >&2
    cat "$f" >&2
  done
  status=1
fi
echo "== sanitizer pass: $((SECONDS - start)) s"
exit $status
