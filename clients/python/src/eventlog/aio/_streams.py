"""The asyncio consumer's Subscribe streams: one task per stream (an explicit
partition, or the group), reading into one bounded asyncio.Queue of Items
(see eventlog._stream_reader for their meaning). Streams that fail with
UNAVAILABLE or CANCELLED reconnect with backoff (a group stream rejoins at
the committed offsets); other errors are queued. The broker is waited for
before each connection: each new cause is reported, and a stream that never
reached it within `connect_timeout` queues UnavailableError with the cause.

Use from one event loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any, Callable, Dict, List, Optional, Tuple

import grpc
import grpc.aio

from .._ownership import Ownership
from .._stream_reader import GROUP_STREAM, Item
from .._stubs import pb
from ..errors import EventLogError, UnavailableError, error_from_rpc
from .._light import assignment_of as light_assignment
from .._light import decode, records_of
from ..model import Start, StartPosition
from ._connection import wait_for_broker

__all__ = ["Streams"]

_log = logging.getLogger("eventlog")
_RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)


class Streams:
    def __init__(
        self,
        channel: grpc.aio.Channel,
        stub: Any,
        topic: str,
        *,
        group: Optional[str],
        reset_to: int,
        max_batch_records: int,
        buffer_batches: int,
        backoff: Tuple[float, float],
        connect_timeout: float,
        ownership: Optional[Ownership],
        report: Callable[[EventLogError], None],
    ) -> None:
        self._stub = stub
        self._subscribe = channel.unary_stream(
            "/eventlog.v1.EventLog/Subscribe",
            request_serializer=pb.SubscribeRequest.SerializeToString,
            response_deserializer=decode,
        )
        self._topic = topic
        self._group = group
        self._reset_to = reset_to
        self._max_batch_records = max_batch_records
        self._backoff = backoff
        self._connect_timeout = connect_timeout
        self._ownership = ownership
        self._report = report
        self.queue: "asyncio.Queue[Item]" = asyncio.Queue(maxsize=buffer_batches)
        self.closed = False
        self._epochs: Dict[int, int] = {}
        self._tasks: Dict[int, "asyncio.Task[None]"] = {}

    def streams(self) -> List[int]:
        return sorted(s for s in self._epochs if s != GROUP_STREAM)

    def current(self, item: Item) -> bool:
        return self._epochs.get(item.stream) == item.epoch

    def restart(self, stream: int, start: StartPosition) -> None:
        epoch = self._epochs.get(stream, 0) + 1
        self._epochs[stream] = epoch
        old = self._tasks.pop(stream, None)
        if old is not None:
            old.cancel()
        self._tasks[stream] = asyncio.ensure_future(self._run(stream, epoch, start))

    async def close(self) -> None:
        self.closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _wanted(self, stream: int, epoch: int) -> bool:
        return not self.closed and self._epochs.get(stream) == epoch

    def _request(self, stream: int, start: StartPosition) -> pb.SubscribeRequest:
        req = pb.SubscribeRequest(
            topic=self._topic,
            start_from=start.kind,  # type: ignore[arg-type]
            start_offset=start.offset,
            start_timestamp_ms=start.timestamp_ms,
            max_batch_records=self._max_batch_records,
            columnar=True,  # cheaper to turn into Records (see _light)
        )
        if stream == GROUP_STREAM:
            req.group = self._group or ""
            req.reset_to = self._reset_to  # type: ignore[assignment]
        else:
            req.partitions.append(stream)
        return req

    async def _run(self, stream: int, epoch: int, start: StartPosition) -> None:
        backoff = self._backoff[0]
        reached = False
        while True:
            error = await wait_for_broker(
                self._stub,
                self._topic,
                lambda: self._wanted(stream, epoch),
                float("inf") if reached else self._connect_timeout,
                self._report,
            )
            if not self._wanted(stream, epoch):
                return
            if error is not None:
                await self.queue.put(Item("error", stream, epoch, error))
                return
            reached = True
            call = self._subscribe(self._request(stream, start))
            try:
                async for response in call:
                    records = records_of(self._topic, response)
                    if records:
                        since = 0
                        if self._ownership is not None:
                            owned = self._ownership.since(records[0].partition)
                            if owned is None:
                                continue  # revoked: its new owner reads it
                            since = owned
                        await self.queue.put(Item("records", stream, epoch, records, since))
                        backoff = self._backoff[0]
                        if stream != GROUP_STREAM:
                            start = Start.offset(records[-1].offset + 1)
                    elif records is None and self._ownership is not None:
                        a = light_assignment(response)
                        if a is None:
                            continue
                        self._ownership.update(a.member_id, a.generation, list(a.partitions))
                        _, assignment, since_map = self._ownership.snapshot()
                        await self.queue.put(Item("assignment", stream, epoch, (assignment, since_map)))
                failure: EventLogError = UnavailableError(grpc.StatusCode.UNAVAILABLE, "subscription ended")
            except grpc.aio.AioRpcError as e:
                failure = error_from_rpc(e)
            finally:
                call.cancel()
            if not self._wanted(stream, epoch):
                return
            if failure.code not in _RETRYABLE:
                await self.queue.put(Item("error", stream, epoch, failure))
                return
            if stream == GROUP_STREAM:
                start = StartPosition(pb.START_FROM_COMMITTED)
            _log.info("eventlog subscription %s/%s unavailable (%s); reconnecting", self._topic, stream, failure.message)
            await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
            backoff = min(backoff * 2, self._backoff[1])
