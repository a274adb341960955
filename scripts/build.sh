#!/usr/bin/env bash
# Configures and builds eventlog into build/ (Release).
# Extra arguments are passed to cmake's configure step, e.g. -DEVENTLOG_WERROR=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$jobs"
