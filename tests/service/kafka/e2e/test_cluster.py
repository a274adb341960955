"""Kafka clients against a three-broker eventlog cluster (docs/CLUSTER.md,
"What Kafka clients see"), started by the C++ harness ($CLUSTER_HARNESS)
with a Kafka listener on every broker. Kafka clients route by themselves:
the metadata of any broker lists every broker's Kafka address and each
partition's leader, a partition's requests are served by its leader only
(NOT_LEADER_OR_FOLLOWER elsewhere), a group's calls by its coordinator,
CreateTopics and DeleteTopics by the controller.
One copy of each partition (RF=1): a killed broker's partitions have no
leader until it returns.
"""
import os
import socket
import struct
import sys
import threading
import time

import grpc
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import unique, wait_until
from eventlog.v1 import eventlog_pb2 as pb
from eventlog.v1 import eventlog_pb2_grpc as pb_grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "clients"))
from cluster_harness import Harness, leaders  # noqa: E402

PARTITIONS = 6
NOT_LEADER_OR_FOLLOWER = 6
NOT_CONTROLLER = 41


@pytest.fixture(scope="module")
def cluster():
    harness = Harness(flags=[
        "--kafka_listen=127.0.0.1:0",
        "--kafka_group_initial_rebalance_delay_ms=200",
        # __consumer_offsets has three copies: while a broker is down,
        # commits wait until its leader drops it from the ISR.
        "--replica_lag_time_max_ms=3000"])
    yield harness
    harness.close()


# Each partition's leader as the cluster's own (gRPC) metadata says.
grpc_leaders = leaders


def kafka_metadata(bootstrap, topic):
    """(brokers {id: "host:port"}, leaders {partition: id or -1}) from one broker."""
    metadata = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=10)
    brokers = {b.id: f"{b.host}:{b.port}" for b in metadata.brokers.values()}
    leaders = {p.id: p.leader for p in metadata.topics[topic].partitions.values()}
    return brokers, leaders


def list_offsets_error(kafka_address, topic, partition):
    """A raw ListOffsets v1 (latest) to one broker: the partition's error code.
    Kafka clients never send a partition's request to a non-leader, so the
    refusal itself is checked on the wire."""
    client = b"eventlog-test"
    body = struct.pack(">hhih", 2, 1, 7, len(client)) + client
    body += struct.pack(">ii", -1, 1) + struct.pack(">h", len(topic)) + topic.encode()
    body += struct.pack(">iiq", 1, partition, -1)
    host, port = kafka_address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(struct.pack(">i", len(body)) + body)
        size = struct.unpack(">i", recv_exactly(s, 4))[0]
        response = recv_exactly(s, size)
    # correlation id, topics[1], topic name, partitions[1], partition, error
    name_len = struct.unpack_from(">h", response, 8)[0]
    at = 10 + name_len + 4
    got_partition, error = struct.unpack_from(">ih", response, at)
    assert got_partition == partition
    return error


def create_topics_error(kafka_address, topic):
    """A raw CreateTopics v0 (1 partition, RF 1) to one broker: the topic's
    error code. (Admin clients send it to the controller only.)"""
    client = b"eventlog-test"
    body = struct.pack(">hhih", 19, 0, 9, len(client)) + client
    body += struct.pack(">i", 1) + struct.pack(">h", len(topic)) + topic.encode()
    body += struct.pack(">ihii", 1, 1, 0, 0) + struct.pack(">i", 10000)
    host, port = kafka_address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(struct.pack(">i", len(body)) + body)
        size = struct.unpack(">i", recv_exactly(s, 4))[0]
        response = recv_exactly(s, size)
    # correlation id, topics[1], topic name, error
    name_len = struct.unpack_from(">h", response, 8)[0]
    return struct.unpack_from(">h", response, 10 + name_len)[0]


def grpc_controller(address):
    with grpc.insecure_channel(address) as channel:
        return pb_grpc.EventLogStub(channel).GetMetadata(
            pb.GetMetadataRequest(), timeout=10).controller


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        assert chunk, "the broker closed the connection"
        data += chunk
    return data


def produce_everywhere(bootstrap, topic, tag):
    """One record per partition through one bootstrap broker; every delivery
    must succeed (librdkafka sends each to its partition's leader)."""
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                         "linger.ms": 5, "message.timeout.ms": 30000})
    errors = []
    for p in range(PARTITIONS):
        producer.produce(topic, value=f"{tag}-{p}".encode(), key=str(p).encode(), partition=p,
                         on_delivery=lambda err, msg: errors.append(err) if err else None)
    assert producer.flush(40) == 0
    assert errors == []


def consume_group(bootstrap, topic, group, expected):
    """A group member reads until it has `expected` values, commits, closes."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    seen = []
    try:
        def read():
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                seen.append(msg.value().decode())
            return len(seen) >= expected
        wait_until(read, timeout=90, interval=0, what=f"{expected} records of {topic}")
        consumer.commit(asynchronous=False)
        committed = consumer.committed(
            [TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)
    finally:
        consumer.close()
    return sorted(seen), {tp.partition: tp.offset for tp in committed}


def test_kafka_clients_route_themselves_and_survive_a_broker_death(cluster):
    topic = unique("kcluster")
    group = unique("kcluster-group")
    kafka = [cluster.kafka(i) for i in range(3)]
    # librdkafka's admin client sends CreateTopics to the controller.
    admin = AdminClient({"bootstrap.servers": kafka[0]})
    for future in admin.create_topics([NewTopic(topic, PARTITIONS, 1)]).values():
        future.result(30)
    lead = grpc_leaders(cluster.addresses[0], topic)
    assert set(lead.values()) == {1, 2, 3}, lead  # placement spreads six partitions

    # Every broker tells the same story: all three Kafka listeners, and the
    # cluster's leaders.
    for address in kafka:
        wait_until(lambda: kafka_metadata(address, topic)[1] == lead,
                   what=f"{address} to know the leaders")
        assert kafka_metadata(address, topic)[0] == {1: kafka[0], 2: kafka[1], 3: kafka[2]}
    # Served by the leader only.
    for p, leader in lead.items():
        for index, address in enumerate(kafka):
            error = list_offsets_error(address, topic, p)
            assert error == (0 if index + 1 == leader else NOT_LEADER_OR_FOLLOWER), (p, index)

    # Produce through broker 1 alone lands on every leader; a group reads it
    # all through broker 2 and commits at the coordinator.
    produce_everywhere(kafka[0], topic, "a")
    values, committed = consume_group(kafka[1], topic, group, PARTITIONS)
    assert values == sorted(f"a-{p}" for p in range(PARTITIONS))
    assert committed == {p: 1 for p in range(PARTITIONS)}

    # Broker 3 dies: its partitions have no leader (RF=1), the rest stay.
    cluster.command("kill 2")
    dead = {p for p, leader in lead.items() if leader == 3}
    wait_until(lambda: {p for p, l in kafka_metadata(kafka[0], topic)[1].items() if l == -1}
               == dead, what="broker 3's partitions to lose their leader")
    brokers, _ = kafka_metadata(kafka[0], topic)
    assert set(brokers) == {1, 2}

    # It returns (on a new Kafka port): its partitions are back, clients
    # follow, and the group resumes from its committed offsets.
    cluster.command("start 2")
    cluster.command("wait")
    kafka[2] = cluster.kafka(2)
    wait_until(lambda: kafka_metadata(kafka[0], topic)[1] == lead,
               what="broker 3's partitions to be led again")
    assert kafka_metadata(kafka[0], topic)[0] == {1: kafka[0], 2: kafka[1], 3: kafka[2]}
    produce_everywhere(kafka[0], topic, "b")
    values, committed = consume_group(kafka[2], topic, group, PARTITIONS)
    assert values == sorted(f"b-{p}" for p in range(PARTITIONS))
    assert committed == {p: 2 for p in range(PARTITIONS)}

    # Only the controller takes topic administration; it creates for the
    # whole cluster.
    controller = grpc_controller(cluster.addresses[0])
    assert controller in (1, 2, 3)
    other = unique("kcluster-other")
    for index, address in enumerate(kafka):
        if index + 1 != controller:
            assert create_topics_error(address, other) == NOT_CONTROLLER, index
    assert create_topics_error(kafka[controller - 1], other) == 0
    assert set(grpc_leaders(cluster.addresses[(controller) % 3], other)) == {0}

    # DeleteTopics goes to the controller too; the topic is gone everywhere.
    admin = AdminClient({"bootstrap.servers": kafka[1]})
    for future in admin.delete_topics([topic]).values():
        future.result(30)
    with grpc.insecure_channel(cluster.addresses[2]) as channel:
        names = [t.name for t in pb_grpc.EventLogStub(channel).ListTopics(
            pb.ListTopicsRequest(), timeout=10).topics]
    assert topic not in names


def test_a_replicated_topic_lists_its_replicas_and_in_sync_replicas(cluster):
    """CreateTopics with replication factor 3 makes three copies; Metadata
    lists them, and the in-sync ones, for every partition."""
    topic = unique("kcluster-rf3")
    kafka = [cluster.kafka(i) for i in range(3)]
    admin = AdminClient({"bootstrap.servers": kafka[0]})
    for future in admin.create_topics([NewTopic(topic, 2, 3)]).values():
        future.result(30)

    def replicas():
        metadata = AdminClient({"bootstrap.servers": kafka[1]}).list_topics(topic, timeout=10)
        partitions = metadata.topics[topic].partitions.values()
        return {p.id: (sorted(p.replicas), sorted(p.isrs)) for p in partitions}

    wait_until(lambda: replicas() == {0: ([1, 2, 3], [1, 2, 3]), 1: ([1, 2, 3], [1, 2, 3])},
               what=f"three replicas, all in sync, of {topic}")
    with grpc.insecure_channel(cluster.addresses[0]) as channel:
        metadata = pb_grpc.EventLogStub(channel).GetMetadata(
            pb.GetMetadataRequest(topics=[topic]), timeout=10)
    assert [len(p.replicas) for p in metadata.topics[0].partitions] == [3, 3]


def test_an_idempotent_producer_rides_through_a_broker_stopping(cluster):
    """SIGTERM of a broker (a rolling restart) is invisible to a Kafka
    producer: until it stops, its Metadata still lists every partition (a
    leaderless one with LEADER_NOT_AVAILABLE), so librdkafka keeps the
    topic's partition count and retries on the new leaders. Before, a
    stopping broker answered Metadata with a topic-level error and no
    partitions: librdkafka dropped the count to 0, failed queued messages
    and raised from produce()."""
    topic = unique("kcluster-stop")
    kafka = [cluster.kafka(i) for i in range(3)]
    admin = AdminClient({"bootstrap.servers": kafka[0]})
    for future in admin.create_topics([NewTopic(topic, PARTITIONS, 3)]).values():
        future.result(30)
    wait_until(lambda: all(l > 0 for l in kafka_metadata(kafka[1], topic)[1].values()),
               what=f"leaders for {topic}")
    producer = Producer({"bootstrap.servers": ",".join(kafka), "acks": "all",
                         "enable.idempotence": True, "linger.ms": 5,
                         # The stopped broker's connection failures are expected.
                         "log_level": 0})
    failures, raised, acked = [], [], []

    def delivered(error, message):
        (failures if error else acked).append(error or message.value())

    stop_sending = threading.Event()

    def send():
        i = 0
        while not stop_sending.is_set():
            try:
                producer.produce(topic, key=f"k{i % 40}".encode(), value=f"v{i}".encode(),
                                 on_delivery=delivered)
                i += 1
            except Exception as error:  # noqa: BLE001 (what the test looks for)
                raised.append(str(error))
            producer.poll(0)
            time.sleep(0.004)

    # What the stopping broker itself answers, asked every 20 ms until it is
    # gone (then the admin client's calls fail or go elsewhere: ignored).
    stopping = AdminClient({"bootstrap.servers": kafka[1], "log_level": 0})
    bad_answers = []

    def poll_metadata():
        while not stop_sending.is_set():
            try:
                metadata = stopping.list_topics(topic, timeout=1)
                answer = metadata.topics[topic]
                if metadata.orig_broker_id == 2 and (answer.error is not None
                                                     or len(answer.partitions) != PARTITIONS):
                    bad_answers.append((str(answer.error), len(answer.partitions)))
            except Exception:  # noqa: BLE001 (a broker going away)
                pass
            time.sleep(0.02)

    threads = [threading.Thread(target=send), threading.Thread(target=poll_metadata)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: len(acked) > 100, what="acknowledgements before the stop")
        cluster.command("stop 1")
        before = len(acked)
        wait_until(lambda: len(acked) > before + 200, timeout=60,
                   what="acknowledgements after the stop")
    finally:
        stop_sending.set()
        for thread in threads:
            thread.join()
    assert bad_answers == [], bad_answers[:3]
    assert producer.flush(60) == 0
    assert failures == [] and raised == [], (failures[:3], raised[:3])
    cluster.command("start 1")
    cluster.command("wait")
