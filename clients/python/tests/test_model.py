"""Conversions between the plain values and eventlog.v1 messages (no broker:
the fields below are the proto's; the broker's tests cover their meaning)."""

from eventlog import PartitionInfo, TimestampType, TopicConfig, TopicDescription
from eventlog._stubs import pb


def test_topic_config_carries_the_timestamp_type_and_bounds_both_ways():
    config = TopicConfig(
        retention_ms=60_000,
        timestamp_type=TimestampType.LOG_APPEND_TIME,
        message_timestamp_after_max_ms=5_000,
        message_timestamp_before_max_ms=-1,
    )
    message = config.to_pb()
    assert message.timestamp_type == pb.TIMESTAMP_TYPE_LOG_APPEND_TIME
    assert message.message_timestamp_after_max_ms == 5_000
    assert message.message_timestamp_before_max_ms == -1
    assert TopicConfig.from_pb(message) == config


def test_topic_description_carries_the_log_end_offset():
    message = pb.TopicDescription(
        name="t",
        partitions=[pb.PartitionInfo(partition=0, log_start_offset=1, high_watermark=5, size_bytes=9, log_end_offset=7)],
    )
    assert TopicDescription.from_pb(message).partitions == [PartitionInfo(0, 1, 5, 9, log_end_offset=7)]


def test_topic_config_and_description_carry_the_replication_fields():
    config = TopicConfig(min_insync_replicas=2, unclean_leader_election_enable=True)
    message = config.to_pb()
    assert (message.min_insync_replicas, message.unclean_leader_election_enable) == (2, True)
    assert TopicConfig.from_pb(message) == config
    description = TopicDescription.from_pb(
        pb.TopicDescription(
            name="t",
            partitions=[pb.PartitionInfo(partition=0, leader=2, leader_epoch=4, replicas=[2, 3, 1], isr=[2, 1])],
        )
    )
    (p,) = description.partitions
    assert (p.leader, p.leader_epoch, p.replicas, p.isr) == (2, 4, [2, 3, 1], [2, 1])
