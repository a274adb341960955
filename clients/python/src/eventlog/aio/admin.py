"""Admin for asyncio: the methods of eventlog.Admin as coroutines.

    async with eventlog.aio.Admin("127.0.0.1:7070") as admin:
        await admin.create_topic("orders", partitions=3, if_not_exists=True)

Use from one event loop.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Literal, Optional, Union

from .._stubs import pb, pb_grpc
from ..admin import offsets_request
from ..errors import AlreadyExistsError
from ..model import CommittedOffset, GroupDescription, TopicConfig, TopicDescription, TopicSummary
from ._connection import AioTarget, open_channel, unary

__all__ = ["Admin"]


class Admin:
    """Creates, lists, describes and deletes topics; lists and describes
    groups. `target` as for eventlog.Admin, or a grpc.aio.Channel the caller
    keeps; `timeout` bounds each call in seconds."""

    def __init__(self, target: AioTarget, *, timeout: float = 30.0) -> None:
        self._channel, self._owned = open_channel(target)
        self._stub = pb_grpc.EventLogStub(self._channel)  # type: ignore[no-untyped-call]
        self._timeout = timeout

    async def create_topic(
        self,
        name: str,
        partitions: int = 0,
        config: Optional[TopicConfig] = None,
        *,
        if_not_exists: bool = False,
        replication_factor: int = 0,
    ) -> TopicDescription:
        """As eventlog.Admin.create_topic."""
        req = pb.CreateTopicRequest(name=name, partitions=partitions, replication_factor=replication_factor)
        if config is not None:
            req.config.CopyFrom(config.to_pb())
        try:
            return TopicDescription.from_pb(await unary(self._stub.CreateTopic, req, self._timeout))
        except AlreadyExistsError:
            if not if_not_exists:
                raise
            return await self.describe_topic(name)

    async def delete_topic(self, name: str) -> None:
        await unary(self._stub.DeleteTopic, pb.DeleteTopicRequest(name=name), self._timeout)

    async def list_topics(self) -> List[TopicSummary]:
        resp = await unary(self._stub.ListTopics, pb.ListTopicsRequest(), self._timeout)
        return [TopicSummary(t.name, t.partitions) for t in resp.topics]

    async def describe_topic(self, name: str) -> TopicDescription:
        resp = await unary(self._stub.DescribeTopic, pb.DescribeTopicRequest(name=name), self._timeout)
        return TopicDescription.from_pb(resp)

    async def list_offsets(
        self,
        topic: str,
        at: Union[Literal["earliest", "latest"], int] = "latest",
        partitions: Optional[Iterable[int]] = None,
    ) -> Dict[int, int]:
        """As eventlog.Admin.list_offsets."""
        resp = await unary(self._stub.ListOffsets, offsets_request(topic, at, partitions), self._timeout)
        return {o.partition: o.offset for o in resp.offsets}

    async def fetch_committed_offsets(
        self, group: str, topic: str, partitions: Optional[Iterable[int]] = None
    ) -> Dict[int, CommittedOffset]:
        req = pb.FetchCommittedOffsetsRequest(group=group, topic=topic, partitions=list(partitions or []))
        resp = await unary(self._stub.FetchCommittedOffsets, req, self._timeout)
        return {o.partition: CommittedOffset(o.partition, o.offset, o.metadata) for o in resp.offsets}

    async def list_groups(self) -> List[str]:
        return list((await unary(self._stub.ListGroups, pb.ListGroupsRequest(), self._timeout)).groups)

    async def describe_group(self, group: str) -> GroupDescription:
        resp = await unary(self._stub.DescribeGroup, pb.DescribeGroupRequest(group=group), self._timeout)
        return GroupDescription.from_pb(resp)

    async def close(self) -> None:
        if self._owned:
            await self._channel.close()

    async def __aenter__(self) -> "Admin":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
