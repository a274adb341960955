"""confluent-kafka (Debian's python3-confluent-kafka on librdkafka 2.0.2)
against the real eventlogd: the idempotent producer in every codec
(exactly-once appends, batches stored compressed), a group of three
consumers that rebalances when one leaves, and commits that survive a
broker restart, with a producer that goes on across it."""
import tempfile
import threading
import time

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import start_broker, unique, wait_until

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def create_topic(broker, name, partitions):
    admin = AdminClient({"bootstrap.servers": broker.kafka})
    for future in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        future.result(30)


def produce(broker, topic, values, codec="none", keys=None, producer=None):
    own = producer is None
    producer = producer or Producer({"bootstrap.servers": broker.kafka, "enable.idempotence": True,
                                     "compression.type": codec, "linger.ms": 5,
                                     "partitioner": "murmur2_random"})
    errors = []
    for i, value in enumerate(values):
        producer.produce(topic, value=value, key=keys[i] if keys else None,
                         headers=[("i", str(i).encode())],
                         on_delivery=lambda err, msg: errors.append(err) if err else None)
        producer.poll(0)
    assert producer.flush(30) == 0
    assert errors == []
    if own:
        del producer


def read_all(broker, topic, partitions):
    """Every record of the topic as (partition, offset, key, value, headers)."""
    consumer = Consumer({"bootstrap.servers": broker.kafka, "group.id": unique("reader"),
                         "enable.auto.commit": False, "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    records, at_end = [], set()
    deadline = time.monotonic() + 30
    while len(at_end) < partitions and time.monotonic() < deadline:
        msg = consumer.poll(1)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == -191:  # _PARTITION_EOF
                at_end.add(msg.partition())
                continue
            raise KafkaException(msg.error())
        records.append((msg.partition(), msg.offset(), msg.key(), msg.value(), msg.headers()))
    consumer.close()
    assert len(at_end) == partitions, "did not reach the end of every partition"
    return records


@pytest.mark.parametrize("codec", CODECS)
def test_idempotent_producer_appends_every_record_once_in_every_codec(broker, codec):
    topic = unique(f"cfk-{codec}")
    create_topic(broker, topic, 3)
    values = [f"{codec} record {i} ".encode() * 8 for i in range(3000)]
    keys = [f"key-{i % 50}".encode() for i in range(3000)]
    produce(broker, topic, values, codec=codec, keys=keys)
    records = read_all(broker, topic, 3)
    assert sorted(r[3] for r in records) == sorted(values)
    for partition in range(3):
        offsets = [r[1] for r in records if r[0] == partition]
        assert offsets == list(range(len(offsets)))  # no gap, no duplicate
        # Per key, in the order produced.
        indexes = [int(dict(r[4])["i"]) for r in records if r[0] == partition]
        assert indexes == sorted(indexes)
    # Compressed batches are stored as they came.
    size = sum(p["size_bytes"] for p in describe(broker, topic))
    raw = sum(len(v) for v in values)
    if codec == "none":
        assert size > raw
    else:
        assert size < raw / 2, f"{codec}: {size} bytes stored for {raw} bytes of values"


def describe(broker, topic):
    out = broker.cli("topic", "describe", topic).stdout
    partitions = []
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0].isdigit():
            partitions.append({"size_bytes": int(fields[3])})
    assert partitions, out
    return partitions


class Member:
    """One group consumer polling on its own thread, recording its assignment."""

    def __init__(self, broker, group, topic, assignor):
        self.assigned = set()
        self.values = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.consumer = Consumer({"bootstrap.servers": broker.kafka, "group.id": group,
                                  "auto.offset.reset": "earliest", "enable.auto.commit": False,
                                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
                                  "partition.assignment.strategy": assignor})
        self.consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    # Eager assignors revoke everything and assign the new set; the
    # cooperative one only adds and revokes the partitions that move.
    def _on_assign(self, consumer, partitions):
        with self.lock:
            self.assigned |= {p.partition for p in partitions}

    def _on_revoke(self, consumer, partitions):
        with self.lock:
            self.assigned -= {p.partition for p in partitions}

    def _run(self):
        while not self.stop.is_set():
            msg = self.consumer.poll(0.2)
            if msg is not None and not msg.error():
                with self.lock:
                    self.values.append(msg.value())
                self.consumer.commit(message=msg, asynchronous=False)

    def partitions(self):
        with self.lock:
            return set(self.assigned)

    def close(self):
        self.stop.set()
        self.thread.join(10)
        self.consumer.close()  # leaves the group


# The broker only relays the assignment the client leader computed (the
# classic protocol), so every assignor librdkafka offers works unchanged.
@pytest.mark.parametrize("assignor", ["range", "roundrobin", "cooperative-sticky"])
def test_a_group_of_three_splits_the_partitions_and_rebalances_when_one_leaves(broker, assignor):
    topic, group = unique("cfk-group"), unique("cfk-g")
    create_topic(broker, topic, 6)
    members = [Member(broker, group, topic, assignor) for _ in range(3)]
    try:
        def split(ms, count):
            parts = [m.partitions() for m in ms]
            return (sum(len(p) for p in parts) == 6 and set().union(*parts) == set(range(6))
                    and all(len(p) == count for p in parts))
        wait_until(lambda: split(members, 2), timeout=60, what="3 members with 2 partitions each")
        produce(broker, topic, [f"before {i}".encode() for i in range(60)])
        wait_until(lambda: sum(len(m.values) for m in members) == 60, what="60 records consumed")
        # The group shows up in gRPC DescribeGroup with every member.
        described = broker.cli("group", "describe", group).stdout
        assert "members: 3" in described, described
        leaving = members.pop()
        leaving.close()
        wait_until(lambda: split(members, 3), timeout=60, what="2 members with 3 partitions each")
        produce(broker, topic, [f"after {i}".encode() for i in range(60)])
        wait_until(lambda: sum(len(m.values) for m in members) + len(leaving.values) == 120,
                   what="60 more records consumed")
        consumed = [v for m in members + [leaving] for v in m.values]
        assert sorted(consumed) == sorted([f"before {i}".encode() for i in range(60)]
                                          + [f"after {i}".encode() for i in range(60)])
    finally:
        for m in members:
            m.close()
    # Everything was committed: the CLI sees no lag.
    described = broker.cli("group", "describe", group).stdout
    lags = [int(line.split()[-1]) for line in described.splitlines() if line.startswith(topic)]
    assert lags == [0] * 6, described


def test_commits_and_producer_state_survive_a_broker_restart():
    with tempfile.TemporaryDirectory(prefix="eventlog-kafka-restart-") as tmp:
        broker = start_broker(tmp)
        try:
            topic, group = unique("cfk-restart"), unique("cfk-rg")
            create_topic(broker, topic, 2)
            producer = Producer({"bootstrap.servers": broker.kafka, "enable.idempotence": True,
                                 "linger.ms": 2, "partitioner": "murmur2_random"})
            produce(broker, topic, [f"v{i}".encode() for i in range(100)],
                    keys=[f"k{i}".encode() for i in range(100)], producer=producer)
            consumer = Consumer({"bootstrap.servers": broker.kafka, "group.id": group,
                                 "auto.offset.reset": "earliest", "enable.auto.commit": False})
            consumer.subscribe([topic])
            seen = []
            while len(seen) < 60:
                msg = consumer.poll(1)
                if msg is not None and not msg.error():
                    seen.append(msg.value())
            consumer.commit(asynchronous=False)
            committed = {tp.partition: tp.offset for tp in
                         consumer.committed([TopicPartition(topic, p) for p in range(2)])}
            consumer.close()
            broker.restart()
            # The producer goes on with its id and sequence numbers: the
            # restarted broker knows them (nothing refused, nothing twice).
            produce(broker, topic, [f"w{i}".encode() for i in range(50)],
                    keys=[f"k{i}".encode() for i in range(50)], producer=producer)
            consumer = Consumer({"bootstrap.servers": broker.kafka, "group.id": group,
                                 "auto.offset.reset": "earliest", "enable.auto.commit": False})
            consumer.subscribe([topic])
            first, rest = {}, []
            deadline = time.monotonic() + 30
            while len(seen) + len(rest) < 150 and time.monotonic() < deadline:
                msg = consumer.poll(1)
                if msg is None or msg.error():
                    continue
                first.setdefault(msg.partition(), msg.offset())
                rest.append(msg.value())
            consumer.close()
            # Resumed exactly at the committed offsets; a partition the first
            # consumer read nothing of (it may get its 60 records from one
            # partition) has no commit (-1001) and starts at the earliest.
            assert any(offset >= 0 for offset in committed.values()), committed
            assert first == {p: offset if offset >= 0 else 0 for p, offset in committed.items()}
            assert sorted(seen + rest) == sorted([f"v{i}".encode() for i in range(100)]
                                                 + [f"w{i}".encode() for i in range(50)])
        finally:
            broker.kill()
