"""The Python client and the eventlog CLI against a three-broker cluster
(docs/CLUSTER.md), started by the C++ harness ($CLUSTER_HARNESS): a list of
bootstrap servers, any broker serving any call, a consumer group spread over
brokers, and a client that keeps working when the broker it first reached
goes away (the partitions that broker leads are unavailable meanwhile: one
copy of each partition).
"""

import asyncio
import os
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from eventlog import Admin, Consumer, Producer, Start, TopicConfig, aio
from eventlog.errors import AlreadyExistsError, FailedPreconditionError, UnavailableError

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from cluster_harness import Harness, eventually, leaders  # noqa: E402
from helpers import partition_for_key  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    harness = Harness()
    yield harness
    harness.close()


def test_the_python_client_and_the_cli_use_any_broker_through_a_server_list(cluster):
    servers = ",".join(cluster.addresses)
    with Admin(servers) as admin:
        admin.create_topic("py-orders", partitions=6)
    sent = {}
    with Producer(servers) as producer:
        futures = [(f"key-{i}", producer.send("py-orders", f"value-{i}", key=f"key-{i}")) for i in range(300)]
        for key, future in futures:
            meta = future.result(timeout=30)
            assert meta.partition == partition_for_key(key.encode(), 6)
            sent[(meta.partition, meta.offset)] = key
    # Two group members, each reaching the cluster through another broker.
    received = {}
    lock = threading.Lock()
    stop = threading.Event()

    def member(bootstrap):
        with Consumer(bootstrap, "py-orders", group="py-group", reset_to="earliest") as consumer:
            while not stop.is_set():
                record = consumer.poll(timeout=0.2)
                if record is None:
                    continue
                with lock:
                    received.setdefault((record.partition, record.offset), 0)
                    received[(record.partition, record.offset)] += 1
                try:
                    consumer.commit()
                except FailedPreconditionError:
                    pass  # a rebalance overtook the commit: the next one carries the new generation

    orders = [cluster.addresses[1:] + cluster.addresses[:1], cluster.addresses[2:] + cluster.addresses[:2]]
    threads = [threading.Thread(target=member, args=(",".join(order),)) for order in orders]
    for t in threads:
        t.start()
    try:
        assert eventually(lambda: len(received) >= len(sent))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert set(received) == set(sent)
    # The CLI, through the third broker: committed offsets cover everything.
    cli = os.environ["EVENTLOG_CLI"]
    shown = subprocess.run(
        [cli, "offsets", "show", "py-group", "py-orders", "--server", cluster.addresses[2]],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    committed = dict(zip(map(int, shown[0::2]), map(int, shown[1::2])))
    ends = {}
    for partition, offset in sent:
        ends[partition] = max(ends.get(partition, 0), offset + 1)
    assert committed == ends


def test_python_and_the_cli_create_replicated_topics_and_describe_their_replicas(cluster):
    servers = ",".join(cluster.addresses)
    brokers = {1, 2, 3}

    def fully_replicated(partitions):
        return all(
            len(p.replicas) == 3 and set(p.replicas) == brokers and set(p.isr) == brokers and p.leader in p.replicas
            for p in partitions
        )

    with Admin(servers) as admin:
        created = admin.create_topic(
            "py-replicated", partitions=3, config=TopicConfig(min_insync_replicas=2), replication_factor=3
        )
        assert created.config.min_insync_replicas == 2
        assert [len(p.replicas) for p in created.partitions] == [3, 3, 3]
        assert eventually(lambda: fully_replicated(admin.describe_topic("py-replicated").partitions))
        assert admin.describe_topic("py-replicated").config.min_insync_replicas == 2
        with pytest.raises(UnavailableError, match="needs 4 live broker"):
            admin.create_topic("py-too-many-copies", replication_factor=4)  # three brokers

    async def create_with_aio():
        async with aio.Admin(servers) as admin:
            created = await admin.create_topic("py-aio-replicated", partitions=2, replication_factor=3)
            assert [len(p.replicas) for p in created.partitions] == [3, 3]

    asyncio.run(create_with_aio())
    with Admin(servers) as admin:
        assert eventually(lambda: fully_replicated(admin.describe_topic("py-aio-replicated").partitions))

    # The CLI: --replication_factor on create; describe adds LEADER,
    # LEADER_EPOCH, REPLICAS and ISR after the columns it always printed.
    cli = os.environ["EVENTLOG_CLI"]
    subprocess.run(
        [cli, "topic", "create", "cli-replicated", "--partitions", "2", "--replication_factor", "3",
         "--min_insync_replicas", "2", "--server", servers],
        capture_output=True, text=True, check=True,
    )

    def cli_rows():
        described = subprocess.run(
            [cli, "topic", "describe", "cli-replicated", "--server", cluster.addresses[1]],
            capture_output=True, text=True, check=True,
        ).stdout
        assert "min_insync_replicas: 2" in described
        assert "unclean_leader_election_enable: false" in described
        header = next(line.split() for line in described.splitlines() if line.startswith("PARTITION"))
        assert header[5:] == ["LEADER", "LEADER_EPOCH", "REPLICAS", "ISR"]
        return [line.split() for line in described.splitlines() if line[:1].isdigit()]

    def cli_fully_replicated():
        rows = cli_rows()
        return len(rows) == 2 and all(
            {int(b) for b in r[7].split(",")} == brokers
            and {int(b) for b in r[8].split(",")} == brokers
            and int(r[5]) in brokers
            for r in rows
        )

    assert eventually(cli_fully_replicated)
    too_many = subprocess.run(
        [cli, "topic", "create", "cli-too-many-copies", "--replication_factor", "4", "--server", servers],
        capture_output=True, text=True,
    )
    assert too_many.returncode == 1
    assert "UNAVAILABLE" in too_many.stderr and "needs 4 live broker" in too_many.stderr


def create_topic_once_a_controller_is_up(servers, name, partitions):
    """Creates a topic, retrying while the cluster has no controller: after an earlier test
    killed and restarted a broker, the controller key may still name its old incarnation until
    that lease expires, and CreateTopic answers UNAVAILABLE ("retry in a few seconds")."""
    attempts = []

    def created():
        attempts.append(name)
        try:
            with Admin(servers) as admin:
                admin.create_topic(name, partitions=partitions)
            return True
        except AlreadyExistsError:
            return len(attempts) > 1  # an earlier attempt's answer was lost, not its effect
        except UnavailableError:
            return False

    assert eventually(created), f"no controller to create {name}"


def test_a_client_keeps_working_when_the_broker_it_first_reached_goes_away(cluster):
    servers = ",".join(cluster.addresses)
    create_topic_once_a_controller_is_up(servers, "py-failover", 6)
    lead = leaders(cluster.addresses[1], "py-failover")
    first = 1  # broker id of cluster.addresses[0], the one the client reaches first
    surviving = [p for p, leader in lead.items() if leader != first]
    assert surviving and len(surviving) < 6
    keys = {}
    i = 0
    while len(keys) < len(surviving) * 10:
        key = f"k{i}"
        i += 1
        if partition_for_key(key.encode(), 6) in surviving:
            keys[key] = partition_for_key(key.encode(), 6)

    received = {}  # (partition, offset) -> times delivered
    values = []

    def read(consumer, count):
        deadline = time.monotonic() + 60
        while count > 0 and time.monotonic() < deadline:
            record = consumer.poll(timeout=1)
            if record is None:
                continue
            received[(record.partition, record.offset)] = received.get((record.partition, record.offset), 0) + 1
            values.append(record.value.decode())
            count -= 1
        assert count == 0, f"{count} records missing after {len(values)}"

    # The same producer and consumer, both opened through broker 0 before it
    # is killed, keep working through the next broker of the list.
    with Producer(servers) as producer, Consumer(
        servers, "py-failover", partitions=surviving, start=Start.EARLIEST
    ) as consumer:
        for key in list(keys)[: len(keys) // 2]:
            producer.send("py-failover", "before", key=key).result(timeout=30)
        read(consumer, 1)  # the subscription is live
        cluster.command("kill 0")
        # Failover to another broker of the list; a send may fail while
        # the connection moves (UNAVAILABLE), never after.
        def sends():
            try:
                producer.send("py-failover", "probe", key=list(keys)[0]).result(timeout=30)
                return True
            except Exception:  # noqa: BLE001 - UNAVAILABLE while moving
                return False

        assert eventually(sends)
        for key in list(keys)[len(keys) // 2 :]:
            producer.send("py-failover", "after", key=key).result(timeout=30)
        producer.flush()
        with Admin(servers) as admin:
            total = sum(admin.list_offsets("py-failover", "latest", surviving).values())
        read(consumer, total - 1)
    # Every record of the surviving partitions exactly once.
    assert all(times == 1 for times in received.values()), received
    assert values.count("before") == len(keys) // 2
    assert values.count("after") == len(keys) - len(keys) // 2
    assert values.count("probe") >= 1
    cluster.command("start 0")
    cluster.command("wait")
    assert eventually(lambda: leaders(cluster.addresses[0], "py-failover") == lead)


def test_a_following_cli_consumer_keeps_reading_when_the_broker_it_reached_goes_away(cluster):
    servers = ",".join(cluster.addresses)
    create_topic_once_a_controller_is_up(servers, "cli-failover", 6)
    lead = leaders(cluster.addresses[1], "cli-failover")
    surviving = [p for p, leader in lead.items() if leader != 1]  # broker id 1: addresses[0]
    assert surviving and len(surviving) < 6
    before = [f"before-{i}" for i in range(len(surviving) * 5)]
    after = [f"after-{i}" for i in range(len(surviving) * 5)]
    with Producer(servers) as producer:
        for i, value in enumerate(before):
            producer.send("cli-failover", value, partition=surviving[i % len(surviving)]).result(timeout=30)

    cli = os.environ["EVENTLOG_CLI"]
    partitions = [arg for p in surviving for arg in ("--partition", str(p))]
    follower = subprocess.Popen(
        [cli, "consume", "cli-failover", "--follow", "--from", "earliest", "--server", servers, *partitions],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(line.rstrip("\n") for line in follower.stdout), daemon=True)
    reader.start()
    try:
        assert eventually(lambda: len(lines) >= len(before)), f"{len(lines)} lines before the kill"
        cluster.command("kill 0")  # the broker the CLI's subscription went through
        with Producer(servers) as producer:
            def sends():
                try:
                    producer.send("cli-failover", after[0], partition=surviving[0]).result(timeout=30)
                    return True
                except Exception:  # noqa: BLE001 - UNAVAILABLE while the connection moves
                    return False

            assert eventually(sends)
            for i, value in enumerate(after[1:], start=1):
                producer.send("cli-failover", value, partition=surviving[i % len(surviving)]).result(timeout=30)
        assert eventually(lambda: set(after) <= set(lines)), f"{len(lines)} lines; stderr: {follower.stderr}"
        assert follower.poll() is None  # still following
    finally:
        follower.terminate()
        follower.wait(timeout=30)
    # Each record once: the CLI resumed after the last line it printed.
    assert sorted(line for line in lines if line.startswith("before")) == sorted(before)
    assert lines.count(after[0]) >= 1
    assert sorted(line for line in lines if line.startswith("after") and line != after[0]) == sorted(after[1:])
    cluster.command("start 0")
    cluster.command("wait")


def coordinator_index(harness, group):
    """0-based index of the broker coordinating `group` (which has a commit):
    the one whose /metrics reports the group's committed offsets."""
    for i in range(len(harness.addresses)):
        address = harness.command(f"http {i}").strip()
        with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as response:
            if f'eventlog_group_committed_offset{{group="{group}"' in response.read().decode():
                return i
    return None


def test_a_following_cli_group_consumer_survives_commits_failing_while_a_follower_is_down():
    # __consumer_offsets has three copies: while a follower of the group's
    # offsets partition is down and still registered (its lease, 15 s here,
    # has not run out: a hung or cut-off broker not noticed yet), commits
    # fail with UNAVAILABLE until its leader drops it from the ISR
    # (--replica_lag_time_max_ms, 10 s). Those commits are retried later,
    # not the end of the consumer. (Once the lease expires the controller
    # takes it out of every ISR at once.) A cluster of its own, to find the
    # coordinator through /metrics.
    cluster = Harness(flags=("--http_listen=127.0.0.1:0", "--cluster_lease_ttl_seconds=15"))
    try:
        run_group_consumer_through_a_follower_kill(cluster)
    finally:
        cluster.close()


def run_group_consumer_through_a_follower_kill(cluster):
    servers = cluster.addresses
    cli = os.environ["EVENTLOG_CLI"]
    group, topic = "cli-commits-group", "cli-commits"
    with Admin(",".join(servers)) as admin:
        admin.create_topic(topic, partitions=1, replication_factor=3)
    assert eventually(lambda: leaders(servers[0], topic)[0] > 0)
    subprocess.run([cli, "offsets", "commit", group, topic, "0", "0", "--server", ",".join(servers)],
                   capture_output=True, text=True, check=True)
    coordinator = coordinator_index(cluster, group)
    assert coordinator is not None
    # The CLI reaches the topic's leader first; the victim is neither that
    # broker nor the group's coordinator: a follower of both partitions.
    reached = leaders(servers[0], topic)[0] - 1
    victim = next(i for i in range(3) if i not in (reached, coordinator))
    order = ",".join([servers[reached]] + [s for i, s in enumerate(servers) if i != reached])
    before = [f"before-{i}" for i in range(20)]
    after = [f"after-{i}" for i in range(20)]
    with Producer(order) as producer:
        for value in before:
            producer.send(topic, value, partition=0).result(timeout=30)

    consumer = subprocess.Popen(
        [cli, "consume", topic, "--group", group, "--follow", "--server", order],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines, errors = [], []
    threading.Thread(target=lambda: lines.extend(l.rstrip("\n") for l in consumer.stdout), daemon=True).start()
    threading.Thread(target=lambda: errors.extend(l.rstrip("\n") for l in consumer.stderr), daemon=True).start()
    try:
        assert eventually(lambda: len(lines) >= len(before)), f"{len(lines)} lines; stderr: {errors}"
        cluster.command(f"kill {victim}")
        # The next periodic commit (every 5 s) fails, only a warning now.
        assert eventually(lambda: any("warning: commit: UNAVAILABLE" in e for e in errors), timeout=30), (
            f"stderr: {errors}; exit status {consumer.poll()}"
        )
        assert consumer.poll() is None, f"stderr: {errors}"
        # Meanwhile a consumer that stops once caught up: its commit at exit
        # fails too and is retried (a group of the same coordinator).
        other = next(g for g in (f"{group}-{i}" for i in range(1000))
                     if partition_for_key(g.encode(), 12) == partition_for_key(group.encode(), 12))
        bounded = subprocess.Popen(
            [cli, "consume", topic, "--group", other, "--reset", "earliest", "--server", order],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        with Producer(order) as producer:
            def sends(value):
                try:
                    producer.send(topic, value, partition=0).result(timeout=30)
                    return True
                except Exception:  # noqa: BLE001 - UNAVAILABLE until the ISR shrinks
                    return False

            for value in after:
                assert eventually(lambda: sends(value))
        assert eventually(lambda: set(after) <= set(lines)), f"{len(lines)} lines; stderr: {errors}"
        assert consumer.poll() is None, f"stderr: {errors}"  # still following
    finally:
        consumer.terminate()
        status = consumer.wait(timeout=60)
    bounded_out, bounded_err = bounded.communicate(timeout=60)
    assert "warning: commit: UNAVAILABLE" in bounded_err and "; retrying in " in bounded_err, bounded_err
    if bounded.returncode == 0:  # a retry got through: all it printed is committed
        shown = subprocess.run([cli, "offsets", "show", other, topic, "--server", order],
                               capture_output=True, text=True, check=True).stdout.split()
        assert shown == ["0", str(len(bounded_out.splitlines()))], f"{shown}; stderr: {bounded_err}"
    else:  # the retries ran out (after about 10 s): the error is reported
        assert bounded.returncode == 1 and bounded_err.splitlines()[-1].startswith(
            "eventlog: commit: UNAVAILABLE"), bounded_err
    # The final commit (retried if need be) stored everything printed.
    assert status == 0, f"stderr: {errors}"
    assert sorted(lines) == sorted(before + after)
    shown = subprocess.run([cli, "offsets", "show", group, topic, "--server", order],
                           capture_output=True, text=True, check=True).stdout.split()
    assert shown == ["0", str(len(lines))], f"{shown}; stderr: {errors}"
