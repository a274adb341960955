#!/usr/bin/env bash
# One command for every test: install what is missing, build with -Werror,
# and run the whole suite (unit, service, end-to-end) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
scripts/build.sh -DEVENTLOG_WERROR=ON -DEVENTLOG_BUILD_TESTS=ON
cd build
ctest --output-on-failure -j2 --timeout 600
