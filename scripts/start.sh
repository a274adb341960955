#!/usr/bin/env bash
# One command for a new user: install what is missing, build, and run the
# broker on 127.0.0.1:7070 with its data in ./data. Extra arguments go to
# eventlogd (e.g. --listen=0.0.0.0:7070).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
scripts/build.sh -DEVENTLOG_BUILD_TESTS=OFF
exec build/service/eventlogd --listen=127.0.0.1:7070 --data_dir=./data "$@"
