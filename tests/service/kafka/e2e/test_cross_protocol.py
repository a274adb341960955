"""One log, two protocols: records produced over Kafka are read over gRPC
(the eventlog Python client) and the other way round, byte for byte with
headers and timestamps; commits made on either side are seen by the other;
a Kafka group shows in gRPC DescribeGroup; a group is served by one protocol
at a time."""
import os
import subprocess
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from conftest import unique, wait_until
from eventlog import Admin, Consumer as EventlogConsumer, Producer as EventlogProducer, Start
from eventlog.errors import FailedPreconditionError

KCAT = "/usr/bin/kcat"


def binary_records(n):
    """Keys, values and header values that are not UTF-8, with explicit times."""
    now = int(time.time() * 1000)
    out = []
    for i in range(n):
        key = bytes([0xFF, 0x00, i % 256]) + os.urandom(8)
        value = os.urandom(1 + (i * 37) % 500) + b"\x00\xfe"
        headers = [("bin", bytes([0x80, i % 256])), ("dup", b"1"), ("dup", b"")]
        out.append((key, value, headers, now - 1000 * (n - i)))
    return out


def grpc_read(broker, topic, partitions, count):
    got = []
    with EventlogConsumer(broker.address, topic, partitions="all", start=Start.EARLIEST) as c:
        deadline = time.monotonic() + 30
        while len(got) < count and time.monotonic() < deadline:
            record = c.poll(1.0)
            if record is not None:
                got.append(record)
    assert len(got) == count
    return got


def kafka_read(broker, topic, partitions, count):
    consumer = Consumer({"bootstrap.servers": broker.kafka, "group.id": unique("x"),
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got = []
    deadline = time.monotonic() + 30
    while len(got) < count and time.monotonic() < deadline:
        msg = consumer.poll(1)
        if msg is None:
            continue
        if msg.error():
            raise KafkaException(msg.error())
        got.append(msg)
    consumer.close()
    assert len(got) == count
    return got


def test_kafka_records_read_over_grpc_byte_for_byte(broker):
    topic = unique("x-k2g")
    with Admin(broker.address) as admin:
        admin.create_topic(topic, partitions=2)
    records = binary_records(200)
    producer = Producer({"bootstrap.servers": broker.kafka, "enable.idempotence": True,
                         "compression.type": "lz4", "partitioner": "murmur2_random"})
    for key, value, headers, ts in records:
        producer.produce(topic, key=key, value=value, headers=headers, timestamp=ts)
    assert producer.flush(30) == 0
    got = grpc_read(broker, topic, 2, len(records))
    assert sorted((r.key, r.value, r.headers, r.timestamp_ms) for r in got) == sorted(
        (k, v, h, t) for k, v, h, t in records)
    # Keyed routing agrees: the Python client's murmur2 picks the partitions
    # librdkafka's murmur2_random picked.
    from eventlog.murmur2 import partition_for_key
    assert all(r.partition == partition_for_key(r.key, 2) for r in got)


def test_grpc_records_read_over_kafka_byte_for_byte(broker):
    topic = unique("x-g2k")
    with Admin(broker.address) as admin:
        admin.create_topic(topic, partitions=3)
    records = binary_records(150)
    with EventlogProducer(broker.address) as producer:
        futures = [producer.send(topic, v, key=k, headers=h, timestamp_ms=t)
                   for k, v, h, t in records]
        placed = [f.result(30) for f in futures]
    got = kafka_read(broker, topic, 3, len(records))
    assert sorted((m.key(), m.value(), [(k, v) for k, v in (m.headers() or [])],
                   m.timestamp()[1]) for m in got) == sorted(records)
    assert sorted((m.partition(), m.offset()) for m in got) == sorted(
        (p.partition, p.offset) for p in placed)


def test_kcat_and_the_python_client_read_each_others_records(broker):
    topic = unique("x-kcat")
    broker.cli("topic", "create", topic)
    subprocess.run([KCAT, "-b", broker.kafka, "-P", "-t", topic, "-K", ":", "-H", "via=kcat"],
                   input=b"a:alpha\nb:beta\n", check=True, timeout=60)
    with EventlogProducer(broker.address) as producer:
        producer.send(topic, "gamma", key="c", headers={"via": "grpc"}).result(30)
    got = grpc_read(broker, topic, 1, 3)
    assert [(r.key, r.value, r.headers) for r in got] == [
        (b"a", b"alpha", [("via", b"kcat")]), (b"b", b"beta", [("via", b"kcat")]),
        (b"c", b"gamma", [("via", b"grpc")])]
    out = subprocess.run([KCAT, "-b", broker.kafka, "-C", "-t", topic, "-e", "-f",
                          "%k=%s %h\\n"], capture_output=True, check=True, timeout=60)
    assert out.stdout.decode().splitlines() == ["a=alpha via=kcat", "b=beta via=kcat",
                                                "c=gamma via=grpc"]


def test_commits_from_either_side_are_seen_by_the_other(broker):
    topic, group = unique("x-commit"), unique("x-cg")
    with Admin(broker.address) as admin:
        admin.create_topic(topic, partitions=2)
    with EventlogProducer(broker.address) as producer:
        for i in range(20):
            producer.send(topic, f"v{i}", partition=i % 2)
    # Committed over gRPC (a consumer outside any group)...
    with EventlogConsumer(broker.address, topic, group=group, partitions="all",
                          start=Start.EARLIEST) as c:
        c.commit({0: 4, 1: 7})
    # ... a Kafka group member starts there, reads the rest and commits.
    consumer = Consumer({"bootstrap.servers": broker.kafka, "group.id": group,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    assert {tp.partition: tp.offset for tp in consumer.committed(
        [TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)} == {0: 4, 1: 7}
    consumer.subscribe([topic])
    first, seen = {}, 0
    while seen < 9:
        msg = consumer.poll(1)
        if msg is None or msg.error():
            continue
        first.setdefault(msg.partition(), msg.offset())
        seen += 1
        if seen == 9:
            # While the member is there, gRPC shows the Kafka group and its member.
            with Admin(broker.address) as admin:
                described = admin.describe_group(group)
            assert len(described.members) == 1
            assert described.members[0].topic == topic
            assert sorted(described.members[0].partitions) == [0, 1]
            assert described.generation > 0
            # An eventlog member cannot join a group with Kafka members.
            with pytest.raises(FailedPreconditionError):
                with EventlogConsumer(broker.address, topic, group=group) as intruder:
                    intruder.poll(5)
    assert first == {0: 4, 1: 7}
    consumer.commit(asynchronous=False)
    consumer.close()
    with Admin(broker.address) as admin:
        committed = admin.fetch_committed_offsets(group, topic)
    assert {p: c.offset for p, c in committed.items()} == {0: 10, 1: 10}


def test_a_kafka_consumer_cannot_join_a_group_with_eventlog_members(broker):
    topic, group = unique("x-mix"), unique("x-mg")
    with Admin(broker.address) as admin:
        admin.create_topic(topic)
    with EventlogConsumer(broker.address, topic, group=group) as member:
        member.poll(0.5)
        wait_until(lambda: Admin(broker.address).describe_group(group).members,
                   what="the eventlog member to join")
        errors = []
        consumer = Consumer({"bootstrap.servers": broker.kafka, "group.id": group,
                             "error_cb": lambda e: errors.append(e)})
        consumer.subscribe([topic])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not errors:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error():
                errors.append(msg.error())
        consumer.close()
        assert any(e.code() == KafkaError.INCONSISTENT_GROUP_PROTOCOL for e in errors), errors
