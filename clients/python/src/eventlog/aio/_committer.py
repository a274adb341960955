"""The asyncio consumer's commits: eventlog._committer's rules on one event
loop. Commits are sent one CommitOffsets call at a time, in order; those made
meanwhile coalesce into the next call. A group member commits only positions
of partitions owned without a break since they were read (Ownership); a
FAILED_PRECONDITION from a rebalance in progress defers the commit to the
next assignment (dropped, with a log line, for revoked partitions), never
raises.

Use from one event loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Iterable, List, Optional, Tuple

import grpc

from .._committer import PendingOffset
from .._ownership import Ownership
from .._stubs import pb
from ..errors import EventLogError, error_from_rpc

__all__ = ["AsyncCommitter"]

_log = logging.getLogger("eventlog")


class AsyncCommitter:
    def __init__(self, stub: Any, group: str, topic: str, ownership: Optional[Ownership], timeout: float) -> None:
        self._stub = stub
        self._group = group
        self._topic = topic
        self._ownership = ownership
        self._timeout = timeout
        self._pending: Dict[int, PendingOffset] = {}
        self._waiters: "List[asyncio.Future[Dict[int, int]]]" = []
        self._deferred: Dict[int, PendingOffset] = {}
        self._fenced_seq = -1
        self._committed: Dict[int, int] = {}
        self._task: "Optional[asyncio.Task[None]]" = None
        self._batched = True

    def submit(self, offsets: Dict[int, PendingOffset]) -> "asyncio.Future[Dict[int, int]]":
        """Queues `offsets`; resolves to what the call carrying them committed."""
        self._pending.update(offsets)
        if not self._waiters:  # commits queued together share one call and its future
            self._waiters.append(asyncio.get_running_loop().create_future())
            self._kick()
        return self._waiters[0]

    def committed(self, partition: int) -> Optional[int]:
        return self._committed.get(partition)

    def on_assignment(self) -> None:
        """After every assignment: deferred commits go out again."""
        if self._deferred:
            for p, entry in self._deferred.items():
                self._pending.setdefault(p, entry)
            self._deferred.clear()
            self._kick()

    def forget(self, partitions: Iterable[int]) -> None:
        dropped = {}
        for p in partitions:
            self._committed.pop(p, None)
            for queue in (self._pending, self._deferred):
                entry = queue.pop(p, None)
                if entry is not None:
                    dropped[p] = entry.offset
        if dropped:
            _log.info("eventlog: %s/%s: commit of %s dropped: the partitions were revoked", self._group, self._topic, dropped)

    async def idle(self) -> None:
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    def _kick(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while self._pending or self._waiters:
            batch, self._pending = self._pending, {}
            waiters, self._waiters = self._waiters, []
            try:
                result = await self._commit(batch)
            except EventLogError as e:
                for w in waiters:
                    if not w.done():
                        w.set_exception(e)
                continue
            for w in waiters:
                if not w.done():
                    w.set_result(dict(result))

    async def _commit(self, batch: Dict[int, PendingOffset]) -> Dict[int, int]:
        if not batch:  # a commit() with no new position: nothing to send
            return {}
        if self._ownership is None:
            await self._send(batch, "", 0)
            return self._record(batch)
        while True:
            seq, assignment, since = self._ownership.snapshot()
            keep = {p: e for p, e in batch.items() if since.get(p) == e.since}
            dropped = {p: e.offset for p, e in batch.items() if p not in keep}
            if dropped:
                _log.info("eventlog: %s/%s: commit of %s dropped: not owned since it was read", self._group, self._topic, dropped)
            if not keep or assignment is None:
                return {}
            if self._fenced_seq != seq:
                try:
                    await self._send(keep, assignment.member_id, assignment.generation)
                    return self._record(keep)
                except EventLogError as e:
                    if e.code != grpc.StatusCode.FAILED_PRECONDITION:
                        raise
                    if self._ownership.snapshot()[0] != seq:
                        batch = keep
                        continue
                    _log.info("eventlog: %s/%s: commit deferred until the next assignment: %s", self._group, self._topic, e.message)
            self._fenced_seq = seq
            self._deferred.update(keep)
            return {}

    def _record(self, sent: Dict[int, PendingOffset]) -> Dict[int, int]:
        offsets = {p: e.offset for p, e in sent.items()}
        self._committed.update(offsets)
        return offsets

    async def _send(self, offsets: Dict[int, PendingOffset], member_id: str, generation: int) -> None:
        entries = sorted(offsets.items())
        if self._batched:
            request = pb.CommitOffsetsRequest(
                group=self._group,
                topic=self._topic,
                generation=generation,
                member_id=member_id,
                offsets=[pb.CommittedOffset(partition=p, offset=e.offset, metadata=e.metadata) for p, e in entries],
            )
            try:
                await self._stub.CommitOffsets(request, timeout=self._timeout)
                return
            except grpc.aio.AioRpcError as rpc_error:
                error = error_from_rpc(rpc_error)
                if error.code != grpc.StatusCode.UNIMPLEMENTED:
                    raise error from None
                self._batched = False
        calls: List[Tuple[int, Any]] = []
        for p, e in entries:
            request1 = pb.CommitOffsetRequest(
                group=self._group, topic=self._topic, partition=p, offset=e.offset, metadata=e.metadata,
                generation=generation, member_id=member_id,
            )
            calls.append((p, self._stub.CommitOffset(request1, timeout=self._timeout)))
        results = await asyncio.gather(*(c for _, c in calls), return_exceptions=True)
        for result in results:
            if isinstance(result, grpc.aio.AioRpcError):
                raise error_from_rpc(result)
