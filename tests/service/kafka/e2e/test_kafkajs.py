"""kafkajs 2.2.4 (npm) against the real eventlogd: admin, an idempotent
gzip producer with keys and headers, a group consumer committing each
record; what it wrote is read back over gRPC."""
import json
import os
import subprocess

from conftest import unique

SCRIPT_DIR = os.environ.get("KAFKAJS_DIR", os.path.join(os.path.dirname(__file__), "kafkajs"))


def test_kafkajs_produces_consumes_as_a_group_and_commits(broker):
    topic, group = unique("kjs-topic"), unique("kjs-group")
    proc = subprocess.run(["/usr/bin/node", os.path.join(SCRIPT_DIR, "kafkajs_e2e.mjs"),
                           broker.kafka, topic, group], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    result = json.loads(proc.stdout.decode().splitlines()[-1])
    consumed = result["consumed"]
    assert sorted(r["value"] for r in consumed) == sorted(f"value-{i}" for i in range(30))
    assert all(r["key"] == f"key-{r['n']}" and r["value"] == f"value-{r['n']}" for r in consumed)
    assert result["describe"] == {"state": "Stable", "protocolType": "consumer", "members": 1}
    # gRPC sees the same records, headers included.
    out = broker.cli("consume", topic, "--format", "json").stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert sorted((r["partition"], r["offset"], r["value"]) for r in records) == sorted(
        (r["partition"], r["offset"], r["value"]) for r in consumed)
    assert all(r["headers"] == [{"key": "n", "value": r["value"].split("-")[1]}] for r in records)
    # And the group's commits: each partition's end.
    ends = {}
    for r in records:
        ends[r["partition"]] = max(ends.get(r["partition"], 0), r["offset"] + 1)
    shown = broker.cli("offsets", "show", group, topic).stdout
    assert {int(l.split()[0]): int(l.split()[1]) for l in shown.splitlines()} == ends
