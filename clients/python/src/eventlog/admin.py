"""Admin: topic and consumer-group management over eventlog's unary RPCs.

Thread-safe (every method is one independent RPC on a thread-safe channel).
Failures raise EventLogError subclasses (NotFoundError, AlreadyExistsError,
InvalidArgumentError, ...).
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Literal, Optional, Union

from ._stubs import Target, open_channel, pb, pb_grpc, unary
from .errors import AlreadyExistsError
from .model import CommittedOffset, GroupDescription, TopicConfig, TopicDescription, TopicSummary

__all__ = ["Admin"]


class Admin:
    """Creates, lists, describes and deletes topics; lists and describes groups.

    `target` is "host:port" (the Admin opens and closes its own channel) or a
    grpc.Channel that the caller keeps ownership of. `timeout` bounds each call
    in seconds.
    """

    def __init__(self, target: Target, *, timeout: float = 30.0) -> None:
        self._channel, self._owned = open_channel(target)
        self._stub = pb_grpc.EventLogStub(self._channel)  # type: ignore[no-untyped-call]
        self._timeout = timeout

    def create_topic(
        self,
        name: str,
        partitions: int = 0,
        config: Optional[TopicConfig] = None,
        *,
        if_not_exists: bool = False,
        replication_factor: int = 0,
    ) -> TopicDescription:
        """Creates a topic; `partitions` 0 takes the broker's
        --default_partitions. replication_factor: copies of each partition on
        distinct brokers (above 1 only in a cluster with that many live
        brokers); 0 takes the broker's --default_replication_factor.
        if_not_exists: an existing topic is described instead of raising
        AlreadyExistsError (its partitions and config are left as they are)."""
        req = pb.CreateTopicRequest(name=name, partitions=partitions, replication_factor=replication_factor)
        if config is not None:
            req.config.CopyFrom(config.to_pb())
        try:
            return TopicDescription.from_pb(unary(self._stub.CreateTopic, req, self._timeout))
        except AlreadyExistsError:
            if not if_not_exists:
                raise
            return self.describe_topic(name)

    def delete_topic(self, name: str) -> None:
        unary(self._stub.DeleteTopic, pb.DeleteTopicRequest(name=name), self._timeout)

    def list_topics(self) -> List[TopicSummary]:
        resp = unary(self._stub.ListTopics, pb.ListTopicsRequest(), self._timeout)
        return [TopicSummary(t.name, t.partitions) for t in resp.topics]

    def describe_topic(self, name: str) -> TopicDescription:
        resp = unary(self._stub.DescribeTopic, pb.DescribeTopicRequest(name=name), self._timeout)
        return TopicDescription.from_pb(resp)

    def list_offsets(
        self,
        topic: str,
        at: Union[Literal["earliest", "latest"], int] = "latest",
        partitions: Optional[Iterable[int]] = None,
    ) -> Dict[int, int]:
        """Per partition: the earliest offset ("earliest"), the high watermark
        ("latest"), or, for an int timestamp in ms, the first offset whose
        timestamp is >= it (the high watermark when there is none)."""
        resp = unary(self._stub.ListOffsets, offsets_request(topic, at, partitions), self._timeout)
        return {o.partition: o.offset for o in resp.offsets}

    def fetch_committed_offsets(
        self, group: str, topic: str, partitions: Optional[Iterable[int]] = None
    ) -> Dict[int, CommittedOffset]:
        """A group's committed offsets; partitions never committed are absent."""
        req = pb.FetchCommittedOffsetsRequest(
            group=group, topic=topic, partitions=list(partitions or [])
        )
        resp = unary(self._stub.FetchCommittedOffsets, req, self._timeout)
        return {o.partition: CommittedOffset(o.partition, o.offset, o.metadata) for o in resp.offsets}

    def list_groups(self) -> List[str]:
        return list(unary(self._stub.ListGroups, pb.ListGroupsRequest(), self._timeout).groups)

    def describe_group(self, group: str) -> GroupDescription:
        resp = unary(self._stub.DescribeGroup, pb.DescribeGroupRequest(group=group), self._timeout)
        return GroupDescription.from_pb(resp)

    def close(self) -> None:
        if self._owned:
            self._channel.close()

    def __enter__(self) -> "Admin":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def offsets_request(
    topic: str, at: Union[Literal["earliest", "latest"], int], partitions: Optional[Iterable[int]]
) -> pb.ListOffsetsRequest:
    """The ListOffsetsRequest of list_offsets (shared with eventlog.aio)."""
    req = pb.ListOffsetsRequest(topic=topic, partitions=list(partitions or []))
    if at == "earliest":
        req.spec = pb.OFFSET_SPEC_EARLIEST
    elif at == "latest":
        req.spec = pb.OFFSET_SPEC_LATEST
    elif isinstance(at, int) and not isinstance(at, bool):
        req.spec = pb.OFFSET_SPEC_TIMESTAMP
        req.timestamp_ms = at
    else:
        raise ValueError(f"at must be 'earliest', 'latest' or a timestamp in ms, not {at!r}")
    return req
