"""Plain values of the eventlog client (records, topic and group descriptions).

They mirror the messages of eventlog.v1 (see docs/protocol.md) as immutable
dataclasses (Record: a named tuple), so user code never touches generated
protobuf classes. Offsets are Python ints (exact 64-bit values).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from ._stubs import pb

__all__ = [
    "Acks",
    "CleanupPolicy",
    "TimestampType",
    "Headers",
    "Record",
    "RecordMetadata",
    "TopicConfig",
    "TopicSummary",
    "PartitionInfo",
    "TopicDescription",
    "Assignment",
    "CommittedOffset",
    "GroupMember",
    "PartitionLag",
    "GroupDescription",
    "StartPosition",
    "Start",
]

# Headers as given to send(): a mapping, or ordered (key, value) pairs when
# keys repeat. Values may be bytes or str (encoded as UTF-8).
Headers = Union[Mapping[str, Union[bytes, str]], Sequence[Tuple[str, Union[bytes, str]]]]


class Acks(enum.IntEnum):
    """Durability a producer waits for: the leader's log, or fsynced (default)."""

    LEADER = pb.ACKS_LEADER
    ALL = pb.ACKS_ALL


class CleanupPolicy(enum.IntEnum):
    UNSPECIFIED = pb.CLEANUP_POLICY_UNSPECIFIED  # server default (DELETE)
    DELETE = pb.CLEANUP_POLICY_DELETE
    COMPACT = pb.CLEANUP_POLICY_COMPACT


class TimestampType(enum.IntEnum):
    """Which timestamp a topic's records keep (Kafka's message.timestamp.type)."""

    UNSPECIFIED = pb.TIMESTAMP_TYPE_UNSPECIFIED  # server default (CREATE_TIME)
    CREATE_TIME = pb.TIMESTAMP_TYPE_CREATE_TIME  # the producer's (0 = append time)
    LOG_APPEND_TIME = pb.TIMESTAMP_TYPE_LOG_APPEND_TIME  # the broker's clock at append


class Record(NamedTuple):
    """A consumed record. `key` is b"" when the record has none.

    A named tuple rather than a dataclass: consumers build one per record,
    and a frozen dataclass costs several times as much to build."""

    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes
    headers: List[Tuple[str, bytes]]
    timestamp_ms: int

    @classmethod
    def from_pb(cls, topic: str, partition: int, r: "pb.Record") -> "Record":
        return cls(r.topic or topic, partition, r.offset, r.key, r.value, [(h.key, h.value) for h in r.headers], r.timestamp_ms)


def records_from_pb(topic: str, batch: "pb.RecordBatch") -> List[Record]:
    """The records of a batch: the consumer's hot path, so each field is read
    once and each Record built without keyword arguments."""
    partition = batch.partition
    new = tuple.__new__
    return [
        new(Record, (topic, partition, r.offset, r.key, r.value, [(h.key, h.value) for h in r.headers], r.timestamp_ms))
        for r in batch.records
    ]


@dataclass(frozen=True)
class RecordMetadata:
    """Where a produced record was stored."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class TopicConfig:
    """Topic settings: 0 = server default; for retention and the timestamp
    bounds, -1 = unlimited. A CREATE_TIME record stamped more than
    message_timestamp_after_max_ms in the future (before_max_ms in the past)
    of the broker's clock is refused with InvalidArgumentError.

    Replicated topics (docs/CLUSTER.md, "Replication"): an Acks.ALL send needs
    min_insync_replicas in-sync copies (at most the replication factor; 0 =
    the broker's --min_insync_replicas); unclean_leader_election_enable lets
    an out-of-sync copy lead when no in-sync one is alive, losing the
    acknowledged records it lacks."""

    retention_ms: int = 0
    retention_bytes: int = 0
    cleanup_policy: CleanupPolicy = CleanupPolicy.UNSPECIFIED
    max_message_bytes: int = 0
    segment_bytes: int = 0
    segment_ms: int = 0
    delete_retention_ms: int = 0
    timestamp_type: TimestampType = TimestampType.UNSPECIFIED
    message_timestamp_after_max_ms: int = 0
    message_timestamp_before_max_ms: int = 0
    min_insync_replicas: int = 0
    unclean_leader_election_enable: bool = False

    def to_pb(self) -> "pb.TopicConfig":
        return pb.TopicConfig(
            retention_ms=self.retention_ms,
            retention_bytes=self.retention_bytes,
            cleanup_policy=int(self.cleanup_policy),  # type: ignore[arg-type]
            max_message_bytes=self.max_message_bytes,
            segment_bytes=self.segment_bytes,
            segment_ms=self.segment_ms,
            delete_retention_ms=self.delete_retention_ms,
            timestamp_type=int(self.timestamp_type),  # type: ignore[arg-type]
            message_timestamp_after_max_ms=self.message_timestamp_after_max_ms,
            message_timestamp_before_max_ms=self.message_timestamp_before_max_ms,
            min_insync_replicas=self.min_insync_replicas,
            unclean_leader_election_enable=self.unclean_leader_election_enable,
        )

    @classmethod
    def from_pb(cls, c: "pb.TopicConfig") -> "TopicConfig":
        return cls(
            retention_ms=c.retention_ms,
            retention_bytes=c.retention_bytes,
            cleanup_policy=CleanupPolicy(c.cleanup_policy),
            max_message_bytes=c.max_message_bytes,
            segment_bytes=c.segment_bytes,
            segment_ms=c.segment_ms,
            delete_retention_ms=c.delete_retention_ms,
            timestamp_type=TimestampType(c.timestamp_type),
            message_timestamp_after_max_ms=c.message_timestamp_after_max_ms,
            message_timestamp_before_max_ms=c.message_timestamp_before_max_ms,
            min_insync_replicas=c.min_insync_replicas,
            unclean_leader_election_enable=c.unclean_leader_election_enable,
        )


@dataclass(frozen=True)
class TopicSummary:
    name: str
    partitions: int


@dataclass(frozen=True)
class PartitionInfo:
    """Readers see [log_start_offset, high_watermark); records in
    [high_watermark, log_end_offset) are written but not yet durable (or not
    yet on every in-sync replica).

    `leader` is the broker id leading the partition (-1 while it has none;
    leader_epoch counts its changes); `replicas` are the brokers holding a
    copy (the first is the preferred leader) and `isr` those of them in sync
    with the leader. A single broker leads every partition alone."""

    partition: int
    log_start_offset: int
    high_watermark: int
    size_bytes: int
    log_end_offset: int = 0
    leader: int = 0
    leader_epoch: int = 0
    replicas: List[int] = field(default_factory=list)
    isr: List[int] = field(default_factory=list)

    @classmethod
    def from_pb(cls, p: "pb.PartitionInfo") -> "PartitionInfo":
        return cls(
            partition=p.partition,
            log_start_offset=p.log_start_offset,
            high_watermark=p.high_watermark,
            size_bytes=p.size_bytes,
            log_end_offset=p.log_end_offset,
            leader=p.leader,
            leader_epoch=p.leader_epoch,
            replicas=list(p.replicas),
            isr=list(p.isr),
        )


@dataclass(frozen=True)
class TopicDescription:
    name: str
    config: TopicConfig
    partitions: List[PartitionInfo]

    @classmethod
    def from_pb(cls, d: "pb.TopicDescription") -> "TopicDescription":
        return cls(
            name=d.name,
            config=TopicConfig.from_pb(d.config),
            partitions=[PartitionInfo.from_pb(p) for p in d.partitions],
        )


@dataclass(frozen=True)
class Assignment:
    """The partitions a consumer reads. Explicit-partition consumers have
    member_id "" and generation 0."""

    member_id: str
    generation: int
    partitions: List[int]


@dataclass(frozen=True)
class CommittedOffset:
    partition: int
    offset: int  # the next offset to consume
    metadata: str = ""


@dataclass(frozen=True)
class GroupMember:
    member_id: str
    topic: str
    partitions: List[int]


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed_offset: int  # -1 when nothing is committed
    high_watermark: int
    lag: int


@dataclass(frozen=True)
class GroupDescription:
    group: str
    generation: int
    members: List[GroupMember] = field(default_factory=list)
    lags: List[PartitionLag] = field(default_factory=list)

    @classmethod
    def from_pb(cls, d: "pb.DescribeGroupResponse") -> "GroupDescription":
        return cls(
            group=d.group,
            generation=d.generation,
            members=[GroupMember(m.member_id, m.topic, list(m.partitions)) for m in d.members],
            lags=[
                PartitionLag(l.topic, l.partition, l.committed_offset, l.high_watermark, l.lag)
                for l in d.lags
            ],
        )


@dataclass(frozen=True)
class StartPosition:
    """Where a consumer starts; build one with the `Start` helpers."""

    kind: int  # a pb.StartFrom value
    offset: int = 0
    timestamp_ms: int = 0


class Start:
    """Start positions: Start.EARLIEST, Start.LATEST, Start.COMMITTED,
    Start.offset(n), Start.timestamp(ms)."""

    EARLIEST = StartPosition(pb.START_FROM_EARLIEST)
    LATEST = StartPosition(pb.START_FROM_LATEST)
    # The group's committed offset; partitions without one use `reset_to`.
    COMMITTED = StartPosition(pb.START_FROM_COMMITTED)

    @staticmethod
    def offset(offset: int) -> StartPosition:
        return StartPosition(pb.START_FROM_OFFSET, offset=offset)

    @staticmethod
    def timestamp(timestamp_ms: int) -> StartPosition:
        return StartPosition(pb.START_FROM_TIMESTAMP, timestamp_ms=timestamp_ms)


def encode(data: object, what: str = "value") -> bytes:
    """bytes for a key, value or header value given as bytes (or bytearray,
    memoryview), str (UTF-8) or None; TypeError for anything else (an int
    would otherwise become that many zero bytes)."""
    kind = type(data)
    if kind is bytes:
        return data  # type: ignore[return-value]
    if kind is str:
        return data.encode()  # type: ignore[attr-defined,no-any-return]
    if data is None:
        return b""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode()
    hint = f" (or give the Producer a {what}_serializer)" if what in ("key", "value") else ""
    raise TypeError(f"a record's {what} must be bytes, str or None{hint}, not {kind.__name__}: {data!r:.40}")


def header_pairs(headers: Optional[Headers]) -> List[Tuple[str, bytes]]:
    """Headers as given to send(), as ordered (key, bytes value) pairs."""
    if not headers:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k), encode(v, "header value")) for k, v in items]
