"""The Python producers (threaded and asyncio) route by metadata
(docs/CLUSTER.md, "Forward or redirect"): given one bootstrap broker of
three, they send each partition's batches straight to its leader, which the
brokers' eventlog_produce_forwarded_records_total shows (it stays put; a
producer with route_to_leaders=False moves it, so the check can fail). When
a leader goes away and comes back, the producer refreshes its metadata and
carries on, and every acknowledged record is stored exactly once.
Brokers come from the C++ harness ($CLUSTER_HARNESS), with /metrics on.
"""

import asyncio
import os
import sys
import threading
import time
import urllib.request

import pytest

import eventlog.aio
from eventlog import Admin, Consumer, Producer, Start

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Harness, eventually, leaders  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from helpers import partition_for_key  # noqa: E402

PARTITIONS = 12


@pytest.fixture(scope="module")
def cluster():
    harness = Harness(flags=["--http_listen=127.0.0.1:0"])
    yield harness
    harness.close()


def forwarded(cluster):
    """eventlog_produce_forwarded_records_total summed over the running brokers."""
    total = 0
    for i in range(len(cluster.addresses)):
        try:
            http = cluster.command(f"http {i}").strip()
        except AssertionError:
            continue  # not running
        page = urllib.request.urlopen(f"http://{http}/metrics", timeout=10).read().decode()
        for line in page.splitlines():
            if line.startswith("eventlog_produce_forwarded_records_total "):
                total += int(float(line.split()[1]))
    return total


def read_all(cluster, topic, expected):
    """Every record of the topic (at least `expected`; then until none
    comes for 2 s), as (partition, offset) -> value."""
    seen = {}
    with Consumer(",".join(cluster.addresses), topic, start=Start.EARLIEST) as consumer:
        while True:
            record = consumer.poll(timeout=20 if len(seen) < expected else 2)
            if record is None:
                assert len(seen) >= expected, f"only {len(seen)} of {expected} records"
                return seen
            seen[(record.partition, record.offset)] = record.value.decode()


def test_the_threaded_producer_sends_to_leaders_directly(cluster):
    with Admin(cluster.addresses[0]) as admin:
        admin.create_topic("py-route", partitions=PARTITIONS)
    before = forwarded(cluster)
    with Producer(cluster.addresses[0]) as producer:
        futures = [(f"k{i}", producer.send("py-route", f"v{i}", key=f"k{i}")) for i in range(1200)]
        for key, future in futures:
            assert future.result(timeout=30).partition == partition_for_key(key.encode(), PARTITIONS)
    assert forwarded(cluster) == before
    # The control: the same producer told not to route is forwarded.
    with Producer(cluster.addresses[0], route_to_leaders=False) as producer:
        for i in range(120):
            producer.send("py-route", f"w{i}", key=f"k{i}")
    lead = leaders(cluster.addresses[0], "py-route")
    elsewhere = sum(1 for i in range(120) if lead[partition_for_key(f"k{i}".encode(), PARTITIONS)] != 1)
    assert elsewhere > 0 and forwarded(cluster) == before + elsewhere
    assert sorted(read_all(cluster, "py-route", 1320).values()) == sorted(
        [f"v{i}" for i in range(1200)] + [f"w{i}" for i in range(120)]
    )


def test_the_asyncio_producer_sends_to_leaders_directly(cluster):
    with Admin(cluster.addresses[0]) as admin:
        admin.create_topic("py-route-aio", partitions=PARTITIONS)
    before = forwarded(cluster)

    async def produce():
        async with eventlog.aio.Producer(cluster.addresses[0]) as producer:
            futures = [await producer.send("py-route-aio", f"v{i}", key=f"k{i}") for i in range(600)]
            return [await f for f in futures]

    stored = asyncio.run(produce())
    assert [m.partition for m in stored] == [partition_for_key(f"k{i}".encode(), PARTITIONS) for i in range(600)]
    assert forwarded(cluster) == before
    assert len(read_all(cluster, "py-route-aio", 600)) == 600


def test_a_producer_follows_a_leader_that_goes_away_and_comes_back(cluster):
    with Admin(cluster.addresses[0]) as admin:
        admin.create_topic("py-route-move", partitions=PARTITIONS)
    lead = leaders(cluster.addresses[0], "py-route-move")
    victim = 1  # index of broker id 2; the producer's bootstrap is index 0
    moved = [p for p, leader in lead.items() if leader == victim + 1]
    assert moved
    acked = {}
    lock = threading.Lock()
    stop = threading.Event()

    def produce(producer):
        i = 0
        while not stop.is_set():
            batch = [(f"m{i + j}", producer.send("py-route-move", f"m{i + j}", key=f"m{i + j}")) for j in range(50)]
            i += 50
            for value, future in batch:
                try:
                    meta = future.result(timeout=30)
                except Exception:  # noqa: BLE001 - its leader is down: not acknowledged
                    continue
                with lock:
                    acked[value] = (meta.partition, meta.offset)

    def acked_on(partitions):
        with lock:
            return sum(1 for p, _ in acked.values() if p in partitions)

    with Producer(cluster.addresses[0]) as producer:
        thread = threading.Thread(target=produce, args=(producer,))
        thread.start()
        try:
            assert eventually(lambda: acked_on(moved) > 100, 20)
            cluster.command(f"kill {victim}")
            cluster.command(f"start {victim}")
            cluster.command("wait")
            assert eventually(lambda: leaders(cluster.addresses[0], "py-route-move") == lead, 20)
            # Back at its leader: the producer found it again.
            count = acked_on(moved)
            assert eventually(lambda: acked_on(moved) > count + 100, 20)
            # And it sends there directly again once the failed address's
            # pause is over (the restarted broker's counter starts at 0):
            # nothing is forwarded while 100 more records reach it.
            def direct():
                settled = forwarded(cluster)
                count = acked_on(moved)
                assert eventually(lambda: acked_on(moved) > count + 100, 20)
                return forwarded(cluster) == settled

            assert eventually(direct, 15)
        finally:
            stop.set()
            thread.join(60)
    seen = read_all(cluster, "py-route-move", len(acked))
    values = list(seen.values())
    assert len(values) == len(set(values)), "a record was stored twice"
    for value, where in acked.items():
        assert seen.get(where) == value
