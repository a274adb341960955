"""Producer for asyncio: batches records per partition and pipelines them on
one ProduceStream, as eventlog.Producer does, on grpc.aio.

    async with eventlog.aio.Producer("127.0.0.1:7070") as producer:
        future = await producer.send("orders", b"v", key="k")  # queued
        metadata = await future                                # stored
        metadata = await producer.send_and_wait("orders", b"w")

As in aiokafka, `await send()` queues the record (waiting only for the
partition count of a new topic) and returns an awaitable of its
RecordMetadata, so many records can be in flight; send_and_wait() waits for
the broker. Values, keys, serializers, partitioning, acks and the handling
of an unreachable broker are those of eventlog.Producer, and so is routing
in a cluster: one ProduceStream per partition leader (from GetMetadata, see
_router), the bootstrap broker's stream for partitions without a known
leader, and a partition's next batch held back while earlier ones are in
flight on another stream, so that a change of route never reorders it.

Use from one event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any, Callable, Deque, Dict, Generator, Iterable, List, Literal, Optional, Set, Tuple, Union

import grpc
import grpc.aio

from .._produce_stream import InFlightRoutes, batch_outcome, moved_or_gone
from .._stubs import pb, pb_grpc
from .._wire import encode_produce_request, encode_record
from ..errors import EventLogError, UnavailableError, error_from_rpc
from ..model import Acks, Headers, RecordMetadata, encode, header_pairs
from ..murmur2 import partition_for_key
from ._connection import AioTarget, open_channel, unary, wait_for_broker
from ._router import Router

__all__ = ["Producer", "RecordFuture"]

_log = logging.getLogger("eventlog")
_PRODUCE_STREAM = "/eventlog.v1.EventLog/ProduceStream"


class _Batch:
    __slots__ = ("topic", "partition", "records", "count", "size", "future", "timer")

    def __init__(self, topic: str, partition: int, loop: asyncio.AbstractEventLoop) -> None:
        self.topic = topic
        self.partition = partition
        self.records: List[bytes] = []
        self.count = 0
        self.size = 0
        self.future: "asyncio.Future[int]" = loop.create_future()  # the base offset
        self.timer: Optional[asyncio.TimerHandle] = None

    def fail(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)


class _Stream:
    """One ProduceStream call, to a leader (`address`) or the bootstrap
    broker (None), and its requests in flight, in order."""

    __slots__ = ("address", "call", "inflight", "reader")

    def __init__(self, address: Optional[str], call: Any) -> None:
        self.address = address
        self.call = call
        self.inflight: Deque[Tuple[int, _Batch]] = deque()
        self.reader: Optional["asyncio.Task[None]"] = None


class RecordFuture:
    """Awaitable RecordMetadata of one sent record (its batch's outcome)."""

    __slots__ = ("_batch", "_index")

    def __init__(self, batch: _Batch, index: int) -> None:
        self._batch = batch
        self._index = index

    def __await__(self) -> Generator[Any, None, RecordMetadata]:
        base = yield from self._batch.future.__await__()
        return RecordMetadata(self._batch.topic, self._batch.partition, base + self._index)

    def done(self) -> bool:
        return self._batch.future.done()


class Producer:
    """See the module docstring; the options are eventlog.Producer's."""

    def __init__(
        self,
        target: AioTarget,
        *,
        acks: Union[Acks, Literal["all", "leader"]] = Acks.ALL,
        linger: float = 0.005,
        batch_records: int = 500,
        batch_bytes: int = 1 << 20,
        max_in_flight: int = 16,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        on_error: Optional[Callable[[EventLogError], None]] = None,
        key_serializer: Optional[Callable[[Any], Union[bytes, str, None]]] = None,
        value_serializer: Optional[Callable[[Any], Union[bytes, str, None]]] = None,
        route_to_leaders: bool = True,
    ) -> None:
        if isinstance(acks, str):
            if acks not in ("all", "leader"):
                raise ValueError(f"acks must be Acks.ALL, Acks.LEADER, 'all' or 'leader', not {acks!r}")
            acks = Acks[acks.upper()]
        if batch_records < 1 or batch_bytes < 1 or max_in_flight < 1 or linger < 0:
            raise ValueError("batch_records, batch_bytes, max_in_flight must be >= 1, linger >= 0")
        self._channel, self._owned = open_channel(target)
        self._stub = pb_grpc.EventLogStub(self._channel)  # type: ignore[no-untyped-call]
        self._router = Router(self._channel, route_to_leaders and self._owned, min(timeout, connect_timeout))
        self._acks = int(acks)
        self._linger = linger
        self._batch_records = batch_records
        self._batch_bytes = batch_bytes
        self._max_in_flight = max_in_flight
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._on_error = on_error
        self._key_serializer = key_serializer
        self._value_serializer = value_serializer
        self._open: Dict[Tuple[str, int], _Batch] = {}
        self._ready: Deque[_Batch] = deque()
        self._unfinished: Set[_Batch] = set()
        self._sticky: Dict[str, int] = {}
        self._counts: Dict[str, int] = {}
        self._streams: Dict[Optional[str], _Stream] = {}  # by leader address; None: the bootstrap broker
        self._in_flight = 0  # requests in flight on all streams
        # (topic, partition) -> (the address its batches are in flight to, how many)
        self._routes = InFlightRoutes()
        self._sender: Optional["asyncio.Task[None]"] = None
        self._wakeup = asyncio.Event()
        self._next_request_id = 1
        self._closed = False

    async def send(
        self,
        topic: str,
        value: Any,
        key: Any = None,
        headers: Optional[Headers] = None,
        partition: Optional[int] = None,
        timestamp_ms: int = 0,
    ) -> RecordFuture:
        """Queues one record; returns an awaitable of its RecordMetadata
        (which raises the batch's EventLogError). TypeError for values and
        keys that are not bytes, str or None (after the serializers)."""
        if self._value_serializer is not None:
            value = self._value_serializer(value)
        if self._key_serializer is not None:
            key = self._key_serializer(key)
        key_bytes = encode(key, "key")
        record = encode_record(key_bytes, encode(value), header_pairs(headers) if headers else None, timestamp_ms)
        if partition is None:
            count = await self._partition_count(topic)
            partition = partition_for_key(key_bytes, count) if key_bytes else self._sticky_partition(topic, count)
        return self._append(topic, partition, record)

    async def send_and_wait(self, topic: str, value: Any, **options: Any) -> RecordMetadata:
        """send() and wait until the broker stored the record."""
        return await (await self.send(topic, value, **options))

    async def send_batch(
        self,
        topic: str,
        values: Iterable[Any],
        keys: Optional[Iterable[Any]] = None,
        headers: Optional[Headers] = None,
        partition: Optional[int] = None,
        timestamp_ms: int = 0,
    ) -> List[RecordFuture]:
        """Queues several records of `topic` in order (as Producer.send_batch)."""
        values = [encode(self._value_serializer(v) if self._value_serializer else v) for v in values]
        keyed = [b""] * len(values)
        if keys is not None:
            keyed = [encode(self._key_serializer(k) if self._key_serializer else k, "key") for k in keys]
            if len(keyed) != len(values):
                raise ValueError(f"send_batch got {len(values)} values but {len(keyed)} keys")
        pairs = header_pairs(headers) if headers else None
        count = await self._partition_count(topic) if partition is None else 0
        out = []
        for key_bytes, value_bytes in zip(keyed, values):
            target = partition
            if target is None:
                target = partition_for_key(key_bytes, count) if key_bytes else self._sticky_partition(topic, count)
            out.append(self._append(topic, target, encode_record(key_bytes, value_bytes, pairs, timestamp_ms)))
        return out

    async def flush(self) -> None:
        """Sends everything queued and waits until each record is stored or
        failed (failures are in their futures)."""
        for batch in list(self._open.values()):
            self._close_batch(batch)
        pending = [b.future for b in self._unfinished]
        if pending:
            await asyncio.wait(pending)

    async def close(self) -> None:
        """Flushes, ends the stream and closes an owned channel. Idempotent."""
        if self._closed:
            return
        self._closed = True
        await self.flush()
        if self._sender is not None:
            self._sender.cancel()
        streams = list(self._streams.values())
        for stream in streams:
            try:
                await stream.call.done_writing()
            except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
                pass  # the stream ended already
        await asyncio.gather(*(s.reader for s in streams if s.reader is not None), return_exceptions=True)
        await self._router.close()
        if self._owned:
            await self._channel.close()

    async def __aenter__(self) -> "Producer":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- internals -------------------------------------------------------

    async def _partition_count(self, topic: str) -> int:
        count = self._counts.get(topic)
        if count is None:
            timeout = min(self._timeout, self._connect_timeout)
            error = await wait_for_broker(self._stub, topic, lambda: True, timeout, self._unreachable)
            if error is not None:
                raise error
            desc = await unary(self._stub.DescribeTopic, pb.DescribeTopicRequest(name=topic), self._timeout)
            count = self._counts[topic] = len(desc.partitions)
        return count

    def _unreachable(self, error: EventLogError) -> None:
        _log.warning("eventlog producer: %s", error.message)
        if self._on_error is not None:
            self._on_error(error)

    def _sticky_partition(self, topic: str, count: int) -> int:
        current = self._sticky.get(topic)
        if current is not None and (topic, current) in self._open:
            return current
        current = 0 if current is None else (current + 1) % count
        self._sticky[topic] = current
        return current

    def _append(self, topic: str, partition: int, record: bytes) -> RecordFuture:
        if self._closed:
            raise RuntimeError("Producer is closed")
        batch = self._open.get((topic, partition))
        if batch is not None and batch.size + len(record) > self._batch_bytes:
            self._close_batch(batch)
            batch = None
        if batch is None:
            loop = asyncio.get_running_loop()
            batch = self._open[(topic, partition)] = _Batch(topic, partition, loop)
            self._unfinished.add(batch)
            batch.future.add_done_callback(self._finished(batch))
            batch.timer = loop.call_later(self._linger, self._close_batch, batch)
        batch.records.append(record)
        batch.size += len(record)
        future = RecordFuture(batch, batch.count)
        batch.count += 1
        if batch.count >= self._batch_records or batch.size >= self._batch_bytes:
            self._close_batch(batch)
        return future

    def _finished(self, batch: _Batch) -> "Callable[[asyncio.Future[int]], None]":
        return lambda _: self._unfinished.discard(batch)

    def _close_batch(self, batch: _Batch) -> None:
        if self._open.get((batch.topic, batch.partition)) is not batch:
            return
        del self._open[(batch.topic, batch.partition)]
        if batch.timer is not None:
            batch.timer.cancel()
        self._ready.append(batch)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.ensure_future(self._run_sender())
        self._wakeup.set()

    async def _wait(self) -> None:
        self._wakeup.clear()
        await self._wakeup.wait()

    async def _run_sender(self) -> None:
        # Only this task takes batches off _ready, so _ready[0] stays the
        # batch at hand across the awaits below.
        while True:
            while not self._ready or self._in_flight >= self._max_in_flight:
                await self._wait()
            batch = self._ready[0]
            address = await self._router.route(batch.topic, batch.partition)
            while self._routes.elsewhere(batch.topic, batch.partition, address):
                await self._wait()  # the partition's route changed: let the old stream drain first
            stream = self._streams.get(address)
            if stream is None and address is not None:
                leader = pb_grpc.EventLogStub(self._router.channel(address))  # type: ignore[no-untyped-call]
                unreachable = await wait_for_broker(leader, batch.topic, lambda: True, min(1.0, self._connect_timeout))
                if unreachable is not None:
                    self._router.invalidate(address)  # unreachable: through the bootstrap broker, which forwards
                    address = None  # nothing of the partition is in flight (drained above)
                    stream = self._streams.get(address)
            if stream is None and address is None:
                error = await wait_for_broker(
                    self._stub, batch.topic, lambda: True, self._connect_timeout, self._unreachable
                )
                if error is not None:
                    failed = [self._ready.popleft()]
                    if error.code == grpc.StatusCode.UNAVAILABLE:
                        failed += list(self._ready)
                        self._ready.clear()
                    for b in failed:
                        b.fail(error)
                    continue
            if stream is None:
                stream = self._open_stream(address)
            self._ready.popleft()
            request_id = self._next_request_id
            self._next_request_id += 1
            request = encode_produce_request(batch.topic, batch.partition, batch.records, self._acks, request_id)
            batch.records = []
            stream.inflight.append((request_id, batch))
            self._routes.sent(batch.topic, batch.partition, address)
            self._in_flight += 1
            try:
                await stream.call.write(request)
            except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
                pass  # the reader fails what is in flight

    def _open_stream(self, address: Optional[str]) -> _Stream:
        channel = self._channel if address is None else self._router.channel(address)
        produce_stream = channel.stream_stream(
            _PRODUCE_STREAM, request_serializer=None, response_deserializer=pb.ProduceResponse.FromString
        )
        stream = self._streams[address] = _Stream(address, produce_stream())
        stream.reader = asyncio.ensure_future(self._read(stream))
        return stream

    def _landed(self, batch: _Batch) -> None:
        """A batch is no longer in flight."""
        self._routes.landed(batch.topic, batch.partition)
        self._in_flight -= 1

    async def _read(self, stream: _Stream) -> None:
        error: Optional[EventLogError] = None
        try:
            while True:
                response = await stream.call.read()
                if response is grpc.aio.EOF:
                    break
                request_id, batch = stream.inflight.popleft()
                self._landed(batch)
                self._complete(batch, request_id, response)
                self._wakeup.set()
        except grpc.aio.AioRpcError as e:
            error = error_from_rpc(e)
        if self._streams.get(stream.address) is stream:
            del self._streams[stream.address]
        if error is not None and error.code != grpc.StatusCode.OK:
            self._router.invalidate(stream.address)  # a broker went away, or leads something else now
        if stream.inflight and (error is None or error.code == grpc.StatusCode.OK):
            error = UnavailableError(grpc.StatusCode.UNAVAILABLE, "produce stream ended with requests in flight")
        while stream.inflight:
            assert error is not None
            _, batch = stream.inflight.popleft()
            self._landed(batch)
            batch.fail(error)
        self._wakeup.set()

    def _complete(self, batch: _Batch, request_id: int, response: pb.ProduceResponse) -> None:
        outcome = batch_outcome(batch.partition, batch.count, request_id, response)
        if isinstance(outcome, int):
            if not batch.future.done():
                batch.future.set_result(outcome)
            return
        if outcome.code == grpc.StatusCode.NOT_FOUND:
            self._counts.pop(batch.topic, None)
        if moved_or_gone(outcome):
            self._router.invalidate()
        batch.fail(outcome)
