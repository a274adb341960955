"""Consumer for asyncio: eventlog.Consumer's API with `async for`, on grpc.aio.

    async with eventlog.aio.Consumer(target, "orders", group="billing") as consumer:
        async for record in consumer:
            ...

Modes, start positions, reset_to, auto-commit (the default in group mode),
commits that never move a group's offset backwards or raise during a
rebalance, on_assign / on_revoke (plain functions or coroutines, awaited
before any record of the new assignment), on_error and connect_timeout are
those of eventlog.Consumer.

Use from one event loop: one reader (iteration or poll) at a time.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Iterable, List, Literal, Optional, Sequence, Tuple, Union

from .._committer import PendingOffset
from .._ownership import Ownership
from .._stream_reader import GROUP_STREAM, assignment_of
from .._stubs import pb, pb_grpc
from ..errors import EventLogError
from ..model import Assignment, Record, Start, StartPosition
from ._committer import AsyncCommitter
from ._connection import AioTarget, open_channel, unary
from ._streams import Streams

__all__ = ["Consumer", "RebalanceCallback"]

_log = logging.getLogger("eventlog")
_RESET_TO = {"earliest": pb.START_FROM_EARLIEST, "latest": pb.START_FROM_LATEST}
_NO_RECORDS: List[Record] = []

# on_assign / on_revoke(consumer, partitions): a function or a coroutine function.
RebalanceCallback = Callable[["Consumer", List[int]], Union[None, Awaitable[None]]]


class Consumer:
    """See the module docstring; the options are eventlog.Consumer's."""

    def __init__(
        self,
        target: AioTarget,
        topic: str,
        *,
        group: Optional[str] = None,
        partitions: Union[Sequence[int], Literal["all"], None] = None,
        start: Optional[StartPosition] = None,
        reset_to: Literal["earliest", "latest"] = "latest",
        auto_commit: Optional[bool] = None,
        auto_commit_interval: float = 5.0,
        on_assign: Optional[RebalanceCallback] = None,
        on_revoke: Optional[RebalanceCallback] = None,
        on_error: Optional[Callable[[EventLogError], None]] = None,
        max_batch_records: int = 0,
        buffer_batches: int = 64,
        reconnect_backoff: Tuple[float, float] = (0.1, 5.0),
        timeout: float = 30.0,
        connect_timeout: float = 30.0,
    ) -> None:
        if reset_to not in _RESET_TO:
            raise ValueError("reset_to must be 'earliest' or 'latest'")
        self._group_mode = group is not None and partitions is None
        auto_commit = self._group_mode if auto_commit is None else auto_commit
        if auto_commit and group is None:
            raise ValueError("auto_commit needs a group")
        self._topic = topic
        self._group = group
        self._partitions_option = partitions
        self._start = start
        self._reset_to = reset_to
        self._auto_commit = auto_commit
        self._auto_commit_interval = auto_commit_interval
        self._next_auto_commit = 0.0
        self._on_assign = on_assign
        self._on_revoke = on_revoke
        self._on_error = on_error
        self._timeout = timeout
        self._channel, self._owned = open_channel(target)
        self._stub = pb_grpc.EventLogStub(self._channel)  # type: ignore[no-untyped-call]
        self._ownership = Ownership() if self._group_mode else None
        self._committer = AsyncCommitter(self._stub, group, topic, self._ownership, timeout) if group is not None else None
        self._streams_options = dict(
            group=group,
            reset_to=_RESET_TO[reset_to],
            max_batch_records=max_batch_records,
            buffer_batches=buffer_batches,
            backoff=reconnect_backoff,
            connect_timeout=connect_timeout,
            ownership=self._ownership,
            report=self._unreachable,
        )
        self._streams: Optional[Streams] = None
        self._batch: List[Record] = _NO_RECORDS
        self._index = 0
        self._batch_since = 0
        self._positions: Dict[int, int] = {}
        self._position_since: Dict[int, int] = {}
        self._assignment: Optional[Assignment] = None
        self._owned_since: Dict[int, int] = {}
        self._closed = False

    async def start(self) -> None:
        """Opens the subscriptions (iteration and poll() call it). Idempotent."""
        if self._streams is not None:
            return
        self._streams = Streams(self._channel, self._stub, self._topic, **self._streams_options)  # type: ignore[arg-type]
        self._next_auto_commit = asyncio.get_running_loop().time() + self._auto_commit_interval
        if self._group_mode:
            self._streams.restart(GROUP_STREAM, self._start or StartPosition(pb.START_FROM_UNSPECIFIED))
            return
        start = self._start or Start.LATEST
        if self._partitions_option is None or self._partitions_option == "all":
            desc = await unary(self._stub.DescribeTopic, pb.DescribeTopicRequest(name=self._topic), self._timeout)
            parts = [p.partition for p in desc.partitions]
        else:
            parts = list(self._partitions_option)
        starts = {p: start for p in parts}
        if start.kind == pb.START_FROM_COMMITTED:
            committed = await self.committed(parts)
            reset = StartPosition(_RESET_TO[self._reset_to])
            starts = {p: Start.offset(committed[p]) if p in committed else reset for p in parts}
        for p in parts:
            self._streams.restart(p, starts[p])

    def __aiter__(self) -> AsyncIterator[Record]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Record]:
        while True:
            batch = self._batch
            while self._index < len(batch):
                self._index += 1
                yield batch[self._index - 1]
                if self._batch is not batch:
                    break
            if self._batch is batch and not await self._next_batch(None):
                return

    async def poll(self, timeout: Optional[float] = None) -> Optional[Record]:
        """The next record, or None after `timeout` seconds."""
        if self._index < len(self._batch):
            self._index += 1
            return self._batch[self._index - 1]
        loop = asyncio.get_running_loop()
        if not await self._next_batch(None if timeout is None else loop.time() + timeout):
            return None
        self._index = 1
        return self._batch[0]

    async def _next_batch(self, deadline: Optional[float]) -> bool:
        await self.start()
        assert self._streams is not None
        loop = asyncio.get_running_loop()
        self._settle()
        self._batch, self._index = _NO_RECORDS, 0
        while not self._closed:
            if self._auto_commit and loop.time() >= self._next_auto_commit:
                self._auto_commit_now()
            wait = 0.1 if deadline is None else min(0.1, deadline - loop.time())
            if wait <= 0:
                return False
            try:
                item = self._streams.queue.get_nowait()
            except asyncio.QueueEmpty:
                try:
                    item = await asyncio.wait_for(self._streams.queue.get(), wait)
                except asyncio.TimeoutError:
                    continue
            if not self._streams.current(item):
                continue
            if item.kind == "error":
                raise item.payload
            if item.kind == "assignment":
                await self._apply(*assignment_of(item))
                continue
            records: List[Record] = item.payload
            if self._ownership is not None and self._ownership.since(records[0].partition) != item.since:
                continue
            self._batch, self._batch_since = records, item.since
            return True
        return False

    def _settle(self) -> None:
        if self._index > 0:
            last = self._batch[self._index - 1]
            self._positions[last.partition] = last.offset + 1
            self._position_since[last.partition] = self._batch_since

    async def _apply(self, assignment: Assignment, since: Dict[int, int]) -> None:
        old = set(self._assignment.partitions) if self._assignment is not None else set()
        kept = {p for p in old if since.get(p) is not None and since.get(p) == self._owned_since.get(p)}
        revoked = sorted(old - kept)
        added = sorted(set(assignment.partitions) - kept)
        self._assignment = assignment
        self._owned_since = dict(since)
        if self._committer is not None:
            self._committer.on_assignment()
        if revoked:
            for p in revoked:
                self._positions.pop(p, None)
                self._position_since.pop(p, None)
            if self._committer is not None:
                self._committer.forget(revoked)
            await _call(self._on_revoke, self, revoked)
        await _call(self._on_assign, self, added)

    @property
    def assignment(self) -> Optional[Assignment]:
        """As eventlog.Consumer.assignment."""
        if self._group_mode:
            return self._assignment
        return Assignment("", 0, self._streams.streams() if self._streams else [])

    def position(self, partition: int) -> Optional[int]:
        self._settle()
        return self._positions.get(partition)

    async def commit(self, offsets: Optional[Dict[int, int]] = None, metadata: str = "") -> Dict[int, int]:
        """As eventlog.Consumer.commit: waits; returns what was committed."""
        return await self.commit_async(offsets, metadata)

    def commit_async(self, offsets: Optional[Dict[int, int]] = None, metadata: str = "") -> "asyncio.Future[Dict[int, int]]":
        """Queues a commit (coalesced with those in flight); the future
        resolves to what was committed."""
        if self._committer is None:
            raise ValueError("commit needs a group")
        # The commits queued together share one future; shield it so that a
        # caller's cancel() (or wait_for's timeout) ends only its own wait.
        return asyncio.shield(self._committer.submit(self._pending(offsets, metadata)))

    async def committed(self, partitions: Optional[Iterable[int]] = None) -> Dict[int, int]:
        if self._group is None:
            raise ValueError("committed offsets need a group")
        req = pb.FetchCommittedOffsetsRequest(group=self._group, topic=self._topic, partitions=list(partitions or []))
        resp = await unary(self._stub.FetchCommittedOffsets, req, self._timeout)
        return {o.partition: o.offset for o in resp.offsets}

    async def seek(self, partition: int, offset: int) -> None:
        """As eventlog.Consumer.seek."""
        await self.start()
        assert self._streams is not None
        self._settle()
        if self._group_mode:
            if self._assignment is None or partition not in self._assignment.partitions:
                raise ValueError(f"partition {partition} is not assigned to this consumer")
            await self.commit({partition: offset})
            stream, start = GROUP_STREAM, StartPosition(pb.START_FROM_COMMITTED)
        else:
            if partition not in self._streams.streams():
                raise ValueError(f"partition {partition} is not read by this consumer")
            stream, start = partition, Start.offset(offset)
        if stream == GROUP_STREAM or self._batch[:1] and self._batch[0].partition == partition:
            self._batch, self._index = _NO_RECORDS, 0
        self._positions[partition] = offset
        self._streams.restart(stream, start)

    async def close(self) -> None:
        """Group mode: on_revoke hears of every partition; then commits (with
        auto_commit), stops the streams and closes an owned channel."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._assignment is not None and self._assignment.partitions:
                await _call(self._on_revoke, self, list(self._assignment.partitions))
            if self._auto_commit and self._streams is not None:
                try:
                    await self._auto_commit_now()
                except EventLogError:
                    pass  # reported by _auto_commit_done
            if self._committer is not None:
                await self._committer.idle()
        finally:
            if self._streams is not None:
                await self._streams.close()
            if self._owned:
                await self._channel.close()

    async def __aenter__(self) -> "Consumer":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _pending(
        self, offsets: Optional[Dict[int, int]], metadata: str, changed_only: bool = False
    ) -> Dict[int, PendingOffset]:
        """As eventlog.Consumer._pending."""
        since = self._owned_since
        if offsets is None:
            self._settle()
            offsets = self._positions
            if changed_only and self._committer is not None:
                committed = self._committer.committed
                offsets = {p: o for p, o in offsets.items() if committed(p) != o}
            since = self._position_since
        if not self._group_mode:
            return {p: PendingOffset(o, 0, metadata) for p, o in offsets.items()}
        owned = self._owned_since
        return {p: PendingOffset(o, since.get(p, owned[p]), metadata) for p, o in offsets.items() if p in owned}

    def _auto_commit_now(self) -> "asyncio.Future[Dict[int, int]]":
        assert self._committer is not None
        self._next_auto_commit = asyncio.get_running_loop().time() + self._auto_commit_interval
        future = self._committer.submit(self._pending(None, "", changed_only=True))
        future.add_done_callback(self._auto_commit_done)
        return future

    def _auto_commit_done(self, future: "asyncio.Future[Dict[int, int]]") -> None:
        error = None if future.cancelled() else future.exception()
        if isinstance(error, EventLogError):
            _log.warning("eventlog: %s/%s: auto-commit failed: %s", self._group, self._topic, error)
            if self._on_error is not None:
                self._on_error(error)

    def _unreachable(self, error: EventLogError) -> None:
        _log.warning("eventlog consumer of %s: %s", self._topic, error.message)
        if self._on_error is not None:
            self._on_error(error)


async def _call(callback: Optional[RebalanceCallback], consumer: Consumer, partitions: List[int]) -> None:
    if callback is None:
        return
    result: Any = callback(consumer, partitions)
    if inspect.isawaitable(result):
        await result
