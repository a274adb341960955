#!/usr/bin/env bash
# Prepares the Kafka front door's end-to-end tests in WORK_DIR (a ctest
# fixture, run once before them): a venv with the eventlog Python client
# (from clients/python, on Debian's python3 with its confluent-kafka and
# kafka-python) and kafkajs installed from npm (locked) next to its script.
# Usage: setup_e2e.sh WORK_DIR
set -euo pipefail
source "$(dirname "$0")/../../../clients/lib.sh"
work="${1:?usage: $0 WORK_DIR}"
mkdir -p "$work"
setup_python_venv "$work"
"$venv_python" -c 'import confluent_kafka, kafka' 2>/dev/null ||
  fail "Kafka clients are missing (apt-get install python3-confluent-kafka python3-kafka kcat)"
command -v kcat >/dev/null || fail "kcat is missing (apt-get install kcat)"
command -v node >/dev/null || fail "node is missing (Node.js 20 or newer is needed)"
rm -rf "$work/kafkajs"
mkdir -p "$work/kafkajs"
cp "$repo/tests/service/kafka/e2e/kafkajs/"{package.json,package-lock.json,kafkajs_e2e.mjs} "$work/kafkajs/"
(cd "$work/kafkajs" && npm ci --no-audit --no-fund --loglevel=error)
