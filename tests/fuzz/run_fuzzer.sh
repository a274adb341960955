#!/usr/bin/env bash
# Runs one fuzz target the way the test suite does:
#   run_fuzzer.sh FUZZER FUZZ_SOURCE_DIR RUNS CRASH_DIR
# 1. replays every input in regressions/<target>/ (past crashes) once;
# 2. fuzzes RUNS inputs from the seed corpus corpus/<target>/ (read only: new
#    inputs go to a temp corpus that is thrown away), from a fixed seed
#    ($EVENTLOG_FUZZ_SEED, default 1; 0 picks a random one), so that a test
#    run is repeatable: finding new bugs is the job of the long runs
#    (docs/FUZZING.md), not of a CI gate that would fail at random.
# Any crash, sanitizer report, leak or failed FUZZ_CHECK fails the test; the
# crashing input is kept in CRASH_DIR and named in the output.
set -euo pipefail
fuzzer=$1 src=$2 runs=$3 crash_dir=$4
seed=${EVENTLOG_FUZZ_SEED:-1}
name=$(basename "$fuzzer")

# A tmpfs makes the targets' fsyncs free; fall back to $TMPDIR.
base=${TMPDIR:-/tmp}
if [[ -d /dev/shm && -w /dev/shm ]]; then base=/dev/shm; fi
work=$(mktemp -d "$base/eventlog-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
export TMPDIR=$work/tmp

dict=()
[[ -f "$src/dict/$name.dict" ]] && dict=(-dict="$src/dict/$name.dict")

keep_crashes() {
  mkdir -p "$crash_dir"
  cp "$work"/artifacts/* "$crash_dir"/ 2>/dev/null || true
  echo "FAILED: crashing inputs kept in $crash_dir:" >&2
  ls -l "$crash_dir" >&2 || true
}

regressions=("$src/regressions/$name"/*)
if [[ -e "${regressions[0]}" ]]; then
  echo "== replaying ${#regressions[@]} regression input(s)"
  "$fuzzer" -artifact_prefix="$work/artifacts/" "${regressions[@]}" || { keep_crashes; exit 1; }
fi

echo "== fuzzing $runs inputs (seed $seed) from $src/corpus/$name"
"$fuzzer" -seed="$seed" -runs="$runs" -max_total_time=240 -timeout=30 -rss_limit_mb=4096 \
  -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "${dict[@]}" "$work/corpus" "$src/corpus/$name" \
  || { keep_crashes; exit 1; }
