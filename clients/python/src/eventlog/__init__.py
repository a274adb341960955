"""Python client for eventlog, a Kafka-style event log served over gRPC.

    from eventlog import Admin, Producer, Consumer, Start

Producer batches and pipelines records and returns a future per record;
Consumer is an iterator over records (explicit partitions or a consumer
group) with commit() and seek(); Admin manages topics and groups. Errors are
EventLogError subclasses carrying the gRPC code and message. connect()
opens a channel with TLS, mutual TLS and a bearer token for secured brokers.
eventlog.aio has the same API for asyncio (grpc.aio).
"""

from . import aio
from .admin import Admin
from .consumer import Consumer
from .errors import (
    AlreadyExistsError,
    CancelledError,
    DataLossError,
    DeadlineExceededError,
    EventLogError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
)
from .murmur2 import murmur2, partition_for_key
from .producer import Producer
from .record_future import RecordFuture
from .security import connect
from .model import (
    Acks,
    Assignment,
    CleanupPolicy,
    CommittedOffset,
    GroupDescription,
    GroupMember,
    PartitionInfo,
    PartitionLag,
    Record,
    RecordMetadata,
    Start,
    StartPosition,
    TimestampType,
    TopicConfig,
    TopicDescription,
    TopicSummary,
)

__version__ = "0.1.0"

__all__ = [
    "aio",
    "Admin",
    "Consumer",
    "Producer",
    "RecordFuture",
    "connect",
    "Acks",
    "Assignment",
    "CleanupPolicy",
    "CommittedOffset",
    "GroupDescription",
    "GroupMember",
    "PartitionInfo",
    "PartitionLag",
    "Record",
    "RecordMetadata",
    "Start",
    "StartPosition",
    "TimestampType",
    "TopicConfig",
    "TopicDescription",
    "TopicSummary",
    "murmur2",
    "partition_for_key",
    "EventLogError",
    "AlreadyExistsError",
    "CancelledError",
    "DataLossError",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InvalidArgumentError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
]
