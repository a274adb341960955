"""Admin against a real broker: topics, offsets, groups and error codes."""

import grpc
import pytest

from eventlog import (
    AlreadyExistsError,
    CleanupPolicy,
    EventLogError,
    InvalidArgumentError,
    NotFoundError,
    Producer,
    TopicConfig,
)


def test_create_describe_list_delete(admin, topic_name):
    created = admin.create_topic(
        topic_name, partitions=3, config=TopicConfig(retention_ms=3_600_000, cleanup_policy=CleanupPolicy.DELETE)
    )
    assert created.name == topic_name
    assert [p.partition for p in created.partitions] == [0, 1, 2]
    assert created.config.retention_ms == 3_600_000
    assert created.config.cleanup_policy == CleanupPolicy.DELETE

    described = admin.describe_topic(topic_name)
    assert described.name == topic_name
    assert all(p.log_start_offset == 0 and p.high_watermark == 0 for p in described.partitions)
    assert described.config.max_message_bytes > 0  # effective defaults are filled in

    listed = {t.name: t.partitions for t in admin.list_topics()}
    assert listed[topic_name] == 3

    admin.delete_topic(topic_name)
    assert topic_name not in {t.name for t in admin.list_topics()}
    with pytest.raises(NotFoundError) as err:
        admin.describe_topic(topic_name)
    assert err.value.code == grpc.StatusCode.NOT_FOUND
    assert topic_name in err.value.message


def test_errors_carry_code_and_message(admin, topic_name):
    admin.create_topic(topic_name)
    with pytest.raises(AlreadyExistsError) as err:
        admin.create_topic(topic_name)
    assert err.value.code == grpc.StatusCode.ALREADY_EXISTS
    assert isinstance(err.value, EventLogError)

    with pytest.raises(InvalidArgumentError):
        admin.create_topic("bad name with spaces")
    with pytest.raises(InvalidArgumentError):
        admin.create_topic("..")
    with pytest.raises(NotFoundError):
        admin.delete_topic(topic_name + "-missing")


def test_list_offsets(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=2)
    with Producer(target) as producer:
        first = [producer.send(topic_name, b"v", partition=1, timestamp_ms=1000 + i) for i in range(5)]
        assert [f.result().offset for f in first] == [0, 1, 2, 3, 4]

    assert admin.list_offsets(topic_name, "earliest") == {0: 0, 1: 0}
    assert admin.list_offsets(topic_name, "latest") == {0: 0, 1: 5}
    assert admin.list_offsets(topic_name, 1003, partitions=[1]) == {1: 3}
    assert admin.list_offsets(topic_name, 99_999, partitions=[1]) == {1: 5}
    with pytest.raises(ValueError):
        admin.list_offsets(topic_name, "middle")
    with pytest.raises(NotFoundError):
        admin.list_offsets(topic_name + "-missing")


def test_describe_topic_counts_records(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    with Producer(target) as producer:
        for i in range(3):
            producer.send(topic_name, f"value {i}")
    (p0,) = admin.describe_topic(topic_name).partitions
    assert (p0.log_start_offset, p0.high_watermark) == (0, 3)
    assert p0.size_bytes > 0


def test_groups_and_committed_offsets(admin, target, topic_name):
    from eventlog import Consumer, Start

    admin.create_topic(topic_name, partitions=2)
    group = topic_name + "-group"
    with Consumer(target, topic_name, group=group, partitions="all", start=Start.EARLIEST) as consumer:
        consumer.commit({0: 0, 1: 0}, metadata="admin test")
    assert group in admin.list_groups()
    committed = admin.fetch_committed_offsets(group, topic_name)
    assert {p: c.offset for p, c in committed.items()} == {0: 0, 1: 0}
    assert committed[0].metadata == "admin test"

    described = admin.describe_group(group)
    assert described.group == group
    lags = {(l.topic, l.partition): l.lag for l in described.lags}
    assert lags == {(topic_name, 0): 0, (topic_name, 1): 0}

    with pytest.raises(NotFoundError):
        admin.describe_group(group + "-missing")


def test_create_topic_if_not_exists_describes_the_existing_topic(admin, topic_name):
    created = admin.create_topic(topic_name, partitions=2)
    again = admin.create_topic(topic_name, partitions=5, if_not_exists=True)
    assert [p.partition for p in again.partitions] == [0, 1]
    assert again.config == created.config
    with pytest.raises(AlreadyExistsError) as err:
        admin.create_topic(topic_name)
    assert not err.value.retriable


def test_create_topic_without_partitions_takes_the_brokers_default(admin, topic_name):
    assert len(admin.create_topic(topic_name).partitions) == 1  # eventlogd --default_partitions=1


def test_create_topic_takes_a_replication_factor_and_describe_shows_the_replicas(admin, topic_name):
    created = admin.create_topic(
        topic_name, partitions=2, config=TopicConfig(min_insync_replicas=1), replication_factor=1
    )
    assert created.config.min_insync_replicas == 1
    assert created.config.unclean_leader_election_enable is False
    described = admin.describe_topic(topic_name)
    assert described.config.min_insync_replicas == 1
    for p in described.partitions:
        # A single broker (--broker_id 0) leads every partition, its only copy.
        assert (p.leader, p.leader_epoch, p.replicas, p.isr) == (0, 0, [0], [0])

    # A single broker keeps one copy: the server refuses more, saying why.
    with pytest.raises(InvalidArgumentError) as err:
        admin.create_topic(topic_name + "-rf3", replication_factor=3)
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "replication_factor is 3" in err.value.message
    assert "single broker" in err.value.message
    # min_insync_replicas above the copies could never be met.
    with pytest.raises(InvalidArgumentError) as err:
        admin.create_topic(topic_name + "-isr2", config=TopicConfig(min_insync_replicas=2))
    assert "min_insync_replicas is 2" in err.value.message
