#!/usr/bin/env bash
# scripts/bench-scale.sh --quick (~10-20 s): the script still parses, starts
# and stops its servers, measures every curve with the current `eventlog
# perf` output and draws both plots. Plots go to a temp dir, never docs/.
# Figures are not judged. Skipped (77) without gnuplot: the script would
# install it with apt, which a test must not do.
set -euo pipefail
: "${BUILD_DIR:?set BUILD_DIR to the build directory}"
repo=$(cd "$(dirname "$0")/../.." && pwd)
bash -n "$repo/scripts/bench-scale.sh"
command -v gnuplot >/dev/null || { echo "gnuplot-nox is not installed: skipped"; exit 77; }

out=$(mktemp -d "${TMPDIR:-/tmp}/bench-scale-quick.XXXXXX")
trap 'rm -rf "$out"' EXIT
"$repo/scripts/bench-scale.sh" --quick --build "$BUILD_DIR" --png-dir "$out" >"$out/tables.md" \
  2>"$out/stderr" || { cat "$out/stderr"; exit 1; }

failures=0
for pattern in '^\| library acks all \| [0-9,]+ \| [0-9,]+ \|' '^\| raw reference \| [0-9,]+ \|' \
    '^\| produce 100 B, acks all \(records/s\) \| [0-9,]+ \| [0-9,]+ \| [0-9]+% \|' \
    '^\| Subscribe 100 B \(records/s\) \| [0-9,]+ \| [0-9,]+ \| [0-9]+% \|' \
    '^\| 1-record requests, acks leader \(requests/s\) \| [0-9,]+ \| [0-9,]+ \|' \
    '^\| eventlogd acks all \| 1,000 \| [0-9,]+ \| [0-9.]+ \| [0-9.,]+ \| 1 \|' \
    '^\| reference server \| 1,000 \|'; do
  grep -qE "$pattern" "$out/tables.md" || { echo "FAIL: no /$pattern/"; failures=$((failures + 1)); }
done
for png in scale-partitions.png scale-latency.png; do
  [[ -s "$out/$png" ]] || { echo "FAIL: no $png"; failures=$((failures + 1)); }
done
if [[ $failures -gt 0 ]]; then cat "$out/tables.md" "$out/stderr"; exit 1; fi
echo "all passed"
