"""Cross-language agreement: the Python client produces keyed records with
headers, the Node client consumes them and commits, and the C++ CLI reads the
records and the committed offsets. All must agree on partitions (Kafka
murmur2), offsets, keys, values and headers.

Needs $EVENTLOGD, $EVENTLOG_CLI (the `eventlog` binary) and clients/node's
node_modules (run_cross_language_test.sh prepares everything)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "clients" / "python" / "tests"))

from broker import Broker, binary_from_env  # noqa: E402

from eventlog import Admin, Producer, partition_for_key  # noqa: E402

PARTITIONS = 4
COUNT = 24


def executable(var: str) -> str:
    path = os.environ.get(var, "")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"{var}={path!r} is not an executable", pytrace=False)
    return path


@pytest.fixture
def broker(tmp_path):
    b = Broker(binary_from_env(), tmp_path / "data")
    b.start()
    yield b
    b.stop()


def produce_with_python(target: str, topic: str):
    """Returns {(partition, offset): (key, value, headers)} as stored."""
    sent = {}
    with Producer(target) as producer:
        futures = []
        for i in range(COUNT):
            key = f"user-{i % 7}"
            value = f"event {i} \u00e9"  # non-ASCII survives every client
            headers = [("trace", f"t{i}"), ("lang", "python"), ("trace", "dup")]
            futures.append((producer.send(topic, value, key=key, headers=headers), key, value, headers))
        for future, key, value, headers in futures:
            meta = future.result(timeout=30)
            assert meta.partition == partition_for_key(key.encode(), PARTITIONS)
            sent[(meta.partition, meta.offset)] = (key, value, headers)
    return sent


def consume_with_node(target: str, topic: str, group: str, mode: str):
    script = Path(__file__).with_name("node_consume.mjs")
    result = subprocess.run(
        ["node", str(script), target, topic, group, str(COUNT), mode],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    got = {}
    for line in result.stdout.splitlines():
        r = json.loads(line)
        got[(r["partition"], int(r["offset"]))] = (r["key"], r["value"], [tuple(h) for h in r["headers"]])
    return got


def cli(*args: str, target: str) -> str:
    result = subprocess.run(
        [executable("EVENTLOG_CLI"), *args, f"--server={target}"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def check_agreement(broker: Broker, mode: str) -> None:
    topic, group = f"cross-{mode}", f"cross-{mode}-group"
    with Admin(broker.target) as admin:
        admin.create_topic(topic, partitions=PARTITIONS)
    sent = produce_with_python(broker.target, topic)
    assert len(sent) == COUNT

    assert consume_with_node(broker.target, topic, group, mode) == sent

    read_by_cli = {}
    out = cli("consume", topic, "--from", "earliest", "--max", str(COUNT), "--format", "json", target=broker.target)
    for line in out.splitlines():
        r = json.loads(line)
        headers = [(h["key"], h["value"]) for h in r["headers"]]
        read_by_cli[(r["partition"], r["offset"])] = (r["key"], r["value"], headers)
    assert read_by_cli == sent

    committed = {}
    for line in cli("offsets", "show", group, topic, target=broker.target).splitlines():
        partition, offset = line.split()[:2]
        committed[int(partition)] = int(offset)
    last = {}
    for partition, offset in sent:
        last[partition] = max(last.get(partition, -1), offset)
    assert committed == {p: o + 1 for p, o in last.items()}


def test_python_produces_node_consumes_cli_reads(broker):
    check_agreement(broker, "explicit")


def test_python_produces_node_group_consumes_cli_reads(broker):
    check_agreement(broker, "group")


def test_rebalance_callbacks_agree_between_python_and_node_members(broker):
    """A Python member owns every partition; a Node member joins (Python's
    on_revoke and Node's onAssign name the same partitions), reads them,
    commits and leaves (Node's onRevoke, then Python's on_assign get them
    back). The CLI sees every partition committed at its end."""
    from eventlog import Consumer

    topic, group = "cross-rebalance", "cross-rebalance-group"
    with Admin(broker.target) as admin:
        admin.create_topic(topic, partitions=PARTITIONS)
    produce_with_python(broker.target, topic)
    events = []
    member = Consumer(
        broker.target,
        topic,
        group=group,
        reset_to="earliest",
        on_assign=lambda c, p: events.append(("assign", sorted(p))),
        on_revoke=lambda c, p: events.append(("revoke", sorted(p))),
    )
    try:
        while events != [("assign", list(range(PARTITIONS)))]:
            member.poll(0.1)
        node = subprocess.Popen(
            ["node", str(Path(__file__).with_name("node_group_member.mjs")), broker.target, topic, group],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        while node.poll() is None:
            member.poll(0.1)  # keeps applying assignments while Node works
        out, err = node.communicate(timeout=60)
        assert node.returncode == 0, err
        node_events = [json.loads(line) for line in out.splitlines()]
        taken = node_events[0]["partitions"]
        assert node_events == [{"event": "assign", "partitions": taken}, {"event": "revoke", "partitions": taken}]
        assert events[1:3] == [("revoke", taken), ("assign", [])]
        while len(events) < 4:
            member.poll(0.1)
        assert events[3] == ("assign", taken)
        while sum(1 for _ in iter(lambda: member.poll(0.5), None)):
            pass  # reads what is left of its own partitions
        member.commit()
    finally:
        member.close()

    committed = {}
    for line in cli("offsets", "show", group, topic, target=broker.target).splitlines():
        partition, offset = line.split()[:2]
        committed[int(partition)] = int(offset)
    with Admin(broker.target) as admin:
        ends = admin.list_offsets(topic, "latest")
    assert committed == {p: end for p, end in ends.items() if end > 0}
