"""kafka-python 2.0.2 (Debian's python3-kafka) against the real eventlogd:
admin (create, list, delete topics; list and describe groups), a producer
with keys, headers and gzip, a group consumer that commits (seen by gRPC),
and offsets by time."""
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError

from conftest import unique


def test_admin_creates_lists_and_deletes_topics(broker):
    topic = unique("kp-admin")
    admin = KafkaAdminClient(bootstrap_servers=broker.kafka)
    try:
        admin.create_topics([NewTopic(topic, 3, 1, topic_configs={"retention.ms": "3600000"})])
        assert topic in admin.list_topics()
        described = broker.cli("topic", "describe", topic).stdout
        assert "retention_ms: 3600000" in described, described
        try:
            admin.create_topics([NewTopic(topic, 1, 1)])
            raise AssertionError("a second create succeeded")
        except TopicAlreadyExistsError:
            pass
        admin.delete_topics([topic])
        assert topic not in admin.list_topics()
        try:
            admin.delete_topics([topic])
            raise AssertionError("deleting a missing topic succeeded")
        except UnknownTopicOrPartitionError:
            pass
    finally:
        admin.close()


def test_produce_consume_in_a_group_and_commit(broker):
    topic, group = unique("kp-topic"), unique("kp-group")
    broker.cli("topic", "create", topic, "--partitions", "2")
    producer = KafkaProducer(bootstrap_servers=broker.kafka, compression_type="gzip")
    before = int(time.time() * 1000)
    futures = [producer.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode(),
                             headers=[("n", str(i).encode())]) for i in range(50)]
    producer.flush()
    placed = [f.get(10) for f in futures]
    producer.close()
    assert sorted((m.partition, m.offset) for m in placed) == sorted(
        (p, o) for p in (0, 1) for o in range(sum(1 for m in placed if m.partition == p)))

    consumer = KafkaConsumer(topic, bootstrap_servers=broker.kafka, group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=20000)
    got = []
    for record in consumer:
        got.append((record.key, record.value, record.headers, record.timestamp))
        if len(got) == 50:
            break
    consumer.commit()
    assert sorted(v for _, v, _, _ in got) == sorted(f"v{i}".encode() for i in range(50))
    assert all(h == [("n", k[1:])] for k, _, h, _ in got)
    assert all(ts >= before - 1000 for _, _, _, ts in got)
    # Offsets by time: the first record at or after a timestamp.
    times = consumer.offsets_for_times({TopicPartition(topic, 0): before - 60000,
                                        TopicPartition(topic, 1): int(time.time() * 1000) + 60000})
    assert times[TopicPartition(topic, 0)].offset == 0
    assert times[TopicPartition(topic, 1)] is None
    consumer.close()

    # The commits are the group's, over gRPC too.
    committed = broker.cli("offsets", "show", group, topic).stdout
    expected = {m.partition: 0 for m in placed}
    for m in placed:
        expected[m.partition] = max(expected[m.partition], m.offset + 1)
    shown = {int(line.split()[0]): int(line.split()[1]) for line in committed.splitlines()}
    assert shown == expected, committed

    admin = KafkaAdminClient(bootstrap_servers=broker.kafka)
    try:
        assert (group, "consumer") in admin.list_consumer_groups()
        [info] = admin.describe_consumer_groups([group])
        assert info.state == "Empty"  # its member left
        offsets = admin.list_consumer_group_offsets(group)
        assert {tp.partition: meta.offset for tp, meta in offsets.items()} == expected
    finally:
        admin.close()
