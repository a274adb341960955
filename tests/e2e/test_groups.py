"""Consumer groups end to end: `eventlog consume --group` processes sharing a topic's
partitions, a killed (SIGKILL) or frozen (SIGSTOP) member's partitions moving to the
survivor, and `eventlog group list|describe` showing members and lag."""
import json
import os
import re
import signal
import subprocess
import threading

import pytest

from helpers import unique, wait_until

# Short enough that a frozen member is noticed quickly (gRPC keepalive follows it).
BROKER_ARGS = ["--group_session_timeout_ms=1000"]
MEMBER_RE = re.compile(r"^\s+(\S+) topic (\S+) partitions \[([0-9,]*)\]$")


class Follower:
    """`eventlog consume TOPIC --group G --follow --format json` running in the background."""

    def __init__(self, cli, processes, topic, group):
        self.proc = processes.popen(
            cli.argv("consume", topic, "--group", group, "--follow", "--format", "json",
                     "--reset", "earliest"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.records = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.records.append(json.loads(line))

    def values(self, prefix):
        return {(r["partition"], r["value"]) for r in self.records if r["value"].startswith(prefix)}


def members(cli, group):
    """{member_id: [partitions]} from `eventlog group describe`."""
    result = cli.run("group", "describe", group, check=False)
    if result.returncode != 0:
        return {}
    found = {}
    for line in result.stdout.splitlines():
        m = MEMBER_RE.match(line)
        if m:
            found[m.group(1)] = sorted(int(p) for p in m.group(3).split(",") if p)
    return found


def settled(cli, group, count, partitions):
    """True once the group has `count` members owning every partition once, balanced."""
    owned = members(cli, group)
    if len(owned) != count:
        return False
    every = sorted(p for ps in owned.values() for p in ps)
    sizes = [len(ps) for ps in owned.values()]
    return every == list(range(partitions)) and max(sizes) - min(sizes) <= 1


def produce_to_every(cli, topic, partitions, tag):
    for p in range(partitions):
        cli.run("produce", topic, "--partition", p, input=f"{tag}-p{p}\n")
    return {(p, f"{tag}-p{p}") for p in range(partitions)}


@pytest.fixture
def group_cli(make_broker, make_cli):
    return make_cli(make_broker(extra_args=BROKER_ARGS))


def test_members_split_the_partitions_and_a_killed_members_partitions_move(group_cli,
                                                                            processes):
    cli = group_cli
    topic, group = unique("t"), unique("g")
    cli.run("topic", "create", topic, "--partitions", 4)
    a = Follower(cli, processes, topic, group)
    b = Follower(cli, processes, topic, group)
    assert wait_until(lambda: settled(cli, group, 2, 4)), members(cli, group)

    sent = produce_to_every(cli, topic, 4, "split")
    assert wait_until(lambda: a.values("split") | b.values("split") == sent)
    # Disjoint: each record went to one member, the one owning its partition.
    assert not a.values("split") & b.values("split")
    assert {p for p, _ in a.values("split")}.isdisjoint({p for p, _ in b.values("split")})

    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait(30)
    assert wait_until(lambda: settled(cli, group, 1, 4)), members(cli, group)
    sent = produce_to_every(cli, topic, 4, "moved")
    assert wait_until(lambda: b.values("moved") == sent), b.records
    assert b.proc.poll() is None


def test_a_frozen_member_is_dropped_and_its_partitions_move(group_cli, processes):
    cli = group_cli
    topic, group = unique("t"), unique("g")
    cli.run("topic", "create", topic, "--partitions", 2)
    frozen = Follower(cli, processes, topic, group)
    alive = Follower(cli, processes, topic, group)
    assert wait_until(lambda: settled(cli, group, 2, 2)), members(cli, group)
    # Stopped, its connection stays open but no longer answers keepalive pings.
    os.kill(frozen.proc.pid, signal.SIGSTOP)
    assert wait_until(lambda: settled(cli, group, 1, 2), timeout=60), members(cli, group)
    sent = produce_to_every(cli, topic, 2, "after")
    assert wait_until(lambda: alive.values("after") == sent), alive.records


def test_group_list_and_describe_show_members_and_lag(cli, processes):
    topic, group = unique("t"), unique("g")
    cli.run("topic", "create", topic, "--partitions", 2)
    cli.run("produce", topic, "--partition", 0, input="a\nb\nc\n")
    cli.run("produce", topic, "--partition", 1, input="x\ny\n")
    member = Follower(cli, processes, topic, group)
    assert wait_until(lambda: len(member.records) == 5), member.records
    assert group in cli.run("group", "list").stdout.splitlines()
    owned = members(cli, group)
    assert list(owned.values()) == [[0, 1]]
    assert f"topic {topic}" in cli.run("group", "describe", group).stdout

    # SIGINT: the follower commits what it printed and leaves.
    member.proc.send_signal(signal.SIGINT)
    assert member.proc.wait(30) == 0, member.proc.stderr.read()
    cli.run("produce", topic, "--partition", 0, input="d\ne\n")
    described = cli.run("group", "describe", group).stdout
    assert "members: 0" in described
    rows = [line.split() for line in described.splitlines() if line.startswith(topic)]
    # TOPIC PARTITION COMMITTED_OFFSET HIGH_WATERMARK LAG
    assert [topic, "0", "3", "5", "2"] in rows
    assert [topic, "1", "2", "2", "0"] in rows
    assert group in cli.run("group", "list").stdout.splitlines()
