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
of an unreachable broker are those of eventlog.Producer.

Use from one event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any, Callable, Deque, Dict, Generator, Iterable, List, Literal, Optional, Set, Tuple, Union

import grpc
import grpc.aio

from .._stubs import pb, pb_grpc
from .._wire import encode_produce_request, encode_record
from ..errors import EventLogError, UnavailableError, error_from_code, error_from_rpc, status_code
from ..model import Acks, Headers, RecordMetadata, encode, header_pairs
from ..murmur2 import partition_for_key
from ._connection import AioTarget, open_channel, unary, wait_for_broker

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
    ) -> None:
        if isinstance(acks, str):
            if acks not in ("all", "leader"):
                raise ValueError(f"acks must be Acks.ALL, Acks.LEADER, 'all' or 'leader', not {acks!r}")
            acks = Acks[acks.upper()]
        if batch_records < 1 or batch_bytes < 1 or max_in_flight < 1 or linger < 0:
            raise ValueError("batch_records, batch_bytes, max_in_flight must be >= 1, linger >= 0")
        self._channel, self._owned = open_channel(target)
        self._stub = pb_grpc.EventLogStub(self._channel)  # type: ignore[no-untyped-call]
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
        self._inflight: Deque[Tuple[int, _Batch]] = deque()
        self._call: Optional[Any] = None  # the ProduceStream call
        self._reader: Optional["asyncio.Task[None]"] = None
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
        if self._call is not None:
            await self._call.done_writing()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
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

    async def _run_sender(self) -> None:
        while True:
            while not self._ready or len(self._inflight) >= self._max_in_flight:
                self._wakeup.clear()
                await self._wakeup.wait()
            if self._call is None:
                error = await wait_for_broker(
                    self._stub, self._ready[0].topic, lambda: True, self._connect_timeout, self._unreachable
                )
                if error is not None:
                    failed = [self._ready.popleft()]
                    if error.code == grpc.StatusCode.UNAVAILABLE:
                        failed += list(self._ready)
                        self._ready.clear()
                    for batch in failed:
                        batch.fail(error)
                    continue
                self._open_stream()
            batch = self._ready.popleft()
            request_id = self._next_request_id
            self._next_request_id += 1
            request = encode_produce_request(batch.topic, batch.partition, batch.records, self._acks, request_id)
            batch.records = []
            call: Any = self._call
            self._inflight.append((request_id, batch))
            try:
                await call.write(request)
            except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
                pass  # the reader fails what is in flight

    def _open_stream(self) -> None:
        stream = self._channel.stream_stream(
            _PRODUCE_STREAM, request_serializer=None, response_deserializer=pb.ProduceResponse.FromString
        )
        self._call = call = stream()
        self._reader = asyncio.ensure_future(self._read(call))

    async def _read(self, call: Any) -> None:
        error: Optional[EventLogError] = None
        try:
            while True:
                response = await call.read()
                if response is grpc.aio.EOF:
                    break
                request_id, batch = self._inflight.popleft()
                self._complete(batch, request_id, response)
                self._wakeup.set()
        except grpc.aio.AioRpcError as e:
            error = error_from_rpc(e)
        if self._call is call:
            self._call = None
        if self._inflight and (error is None or error.code == grpc.StatusCode.OK):
            error = UnavailableError(grpc.StatusCode.UNAVAILABLE, "produce stream ended with requests in flight")
        while self._inflight:
            assert error is not None
            self._inflight.popleft()[1].fail(error)
        self._wakeup.set()

    def _complete(self, batch: _Batch, request_id: int, response: pb.ProduceResponse) -> None:
        if response.request_id != request_id:
            batch.fail(error_from_code(grpc.StatusCode.INTERNAL, f"ProduceStream answered {response.request_id}"))
        elif response.error_code:
            code = status_code(response.error_code)
            if code == grpc.StatusCode.NOT_FOUND:
                self._counts.pop(batch.topic, None)
            batch.fail(error_from_code(code, response.error_message))
        else:
            append = next((a for a in response.appends if a.partition == batch.partition), None)
            if append is None or append.last_offset - append.base_offset + 1 != batch.count:
                batch.fail(error_from_code(grpc.StatusCode.INTERNAL, "ProduceStream reply does not match the batch"))
            elif not batch.future.done():
                batch.future.set_result(append.base_offset)
