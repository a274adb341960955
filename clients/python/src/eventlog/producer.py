"""Producer: batches records per partition and pipelines them on ProduceStream.

Thread-safe: send(), flush() and close() may be called from any thread. A
background sender thread closes batches when they are full (batch_records or
batch_bytes) or when their linger time has passed, and writes them on one
ProduceStream with up to max_in_flight requests outstanding; a reader thread
per stream resolves each record's future from the in-order responses.

Partitioning happens here, as in Kafka clients: a keyed record goes to
partition_for_key(key, partitions) (the broker's own rule), a keyless one to
a "sticky" partition that moves round-robin when its batch is closed. The
partition count is read once per topic with DescribeTopic.

Failed requests are not retried (a retry could reorder records): their
futures fail with the broker's error; the next batch opens a new stream if
the old one broke.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent import futures
from typing import Any, Callable, Deque, Dict, Iterable, List, Literal, Optional, Set, Tuple, Union

import grpc

from . import _exit_flush
from ._call_watch import CallWatch, wait_for_broker
from ._produce_stream import Batch, ProduceStream
from ._stubs import Target, open_channel, pb, pb_grpc, unary
from ._wire import encode_produce_request, encode_record, encode_value_record
from .errors import EventLogError, UnavailableError, error_from_code, error_from_rpc, status_code
from .murmur2 import partition_for_key
from .model import Acks, Headers, encode, header_pairs
from .record_future import BatchOutcome, RecordFuture

__all__ = ["Producer"]

_log = logging.getLogger("eventlog")

class Producer:
    """Sends records to eventlog topics, batched and pipelined.

    `target` is "host:port" or a grpc.Channel the caller owns. `acks` chooses
    durability (Acks.ALL: fsynced; Acks.LEADER: appended). A batch is sent
    when it holds `batch_records` records or `batch_bytes` bytes, or `linger`
    seconds after its first record. Close the producer (or use it as a context
    manager) to send what is pending. While the broker is unreachable, records
    wait up to `connect_timeout` seconds for it (so a short restart delays them
    instead of failing them), then fail with UnavailableError naming the
    cause (connection refused, unknown host, no answer); each new cause is
    logged to the "eventlog" logger and passed to `on_error` as soon as it
    is seen. send() itself blocks only for the partition-count lookup of a
    new topic (DescribeTopic, once per topic, bounded by the same timeout).
    """

    def __init__(
        self,
        target: Target,
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

        self._lock = threading.Lock()  # taken directly on the hot path (Condition's methods are Python code)
        self._cond = threading.Condition(self._lock)
        self._open: Dict[Tuple[str, int], Batch] = {}  # guarded by _cond
        self._ready: Deque[Batch] = deque()  # guarded by _cond
        self._unfinished: Set[Batch] = set()  # guarded by _cond
        self._sticky: Dict[str, int] = {}  # guarded by _cond
        self._last: Optional[Batch] = None  # guarded by _cond; the batch the last record went to
        self._stream: Optional[ProduceStream] = None  # guarded by _cond
        self._readers: List[threading.Thread] = []  # guarded by _cond
        self._in_flight = 0  # guarded by _cond
        self._next_request_id = 1  # guarded by _cond
        self._flushing = 0  # guarded by _cond; > 0: do not linger
        self._closed = False  # guarded by _cond

        self._meta_lock = threading.Lock()
        self._partition_counts: Dict[str, int] = {}  # guarded by _meta_lock

        self._sender = threading.Thread(target=self._run_sender, name="eventlog-producer", daemon=True)
        self._sender.start()
        _exit_flush.register(self)

    def send(
        self,
        topic: str,
        value: Any,
        key: Any = None,
        headers: Optional[Headers] = None,
        partition: Optional[int] = None,
        timestamp_ms: int = 0,
    ) -> RecordFuture:
        """Queues one record; the RecordFuture resolves to its RecordMetadata
        (partition, offset) or fails with an EventLogError.

        `value` and `key` are bytes, str (sent as UTF-8) or None, or whatever
        the Producer's value_serializer / key_serializer turn into one of
        those; anything else is a TypeError (raised here, nothing is sent).
        Raises RuntimeError if the producer is closed."""
        if self._value_serializer is not None:
            value = self._value_serializer(value)
        if self._key_serializer is not None:
            key = self._key_serializer(key)
        value_bytes = value if type(value) is bytes else encode(value)
        if key is None and not headers and not timestamp_ms:  # the common record, on the fast path
            key_bytes = b""
            record = encode_value_record(value_bytes)
        else:
            key_bytes = encode(key, "key")
            record = encode_record(key_bytes, value_bytes, header_pairs(headers) if headers else None, timestamp_ms)
        if partition is None:
            count = self._partition_counts.get(topic)  # a dict read: atomic, no lock needed
            if count is None:
                try:
                    count = self._partition_count(topic)
                except EventLogError as e:
                    return _failed(topic, e)
            partition = partition_for_key(key_bytes, count) if key_bytes else -1 - count
        with self._lock:
            batch = self._last
            # Most sends go to the batch the previous one went to.
            if (
                batch is None
                or batch.closed
                or batch.topic != topic
                or (batch.partition != partition and (partition >= 0 or not batch.sticky))
                or batch.size + len(record) > self._batch_bytes
                or self._closed
            ):
                return self._append(topic, partition, record)
            batch.records.append(record)
            batch.size += len(record)
            future = RecordFuture(batch.outcome, batch.count)
            batch.count += 1
            if batch.count >= self._batch_records or batch.size >= self._batch_bytes:
                self._close_batch(batch)
                self._cond.notify_all()
            return future

    def send_batch(
        self,
        topic: str,
        values: Iterable[Any],
        keys: Optional[Iterable[Any]] = None,
        headers: Optional[Headers] = None,
        partition: Optional[int] = None,
        timestamp_ms: int = 0,
    ) -> List[RecordFuture]:
        """Queues several records of `topic` (in order; `keys`, when given,
        pairs up with `values`; `headers` and `timestamp_ms` apply to each)
        with one lock round trip: a RecordFuture per record, as send()."""
        encode_value = self._value_serializer
        encode_key = self._key_serializer
        pairs = header_pairs(headers) if headers else None
        records: List[Tuple[bytes, bytes]] = []
        for i, value in enumerate(values):
            records.append((b"", encode(encode_value(value) if encode_value else value)))
        if keys is not None:
            keyed = [encode(encode_key(k) if encode_key else k, "key") for k in keys]
            if len(keyed) != len(records):
                raise ValueError(f"send_batch got {len(records)} values but {len(keyed)} keys")
            records = [(k, v) for k, (_, v) in zip(keyed, records)]
        count = 0
        if partition is None:
            try:
                count = self._partition_count(topic)
            except EventLogError as e:
                return [_failed(topic, e) for _ in records]
        out: List[RecordFuture] = []
        with self._lock:
            for key_bytes, value_bytes in records:
                target = partition
                if target is None:
                    target = partition_for_key(key_bytes, count) if key_bytes else -1 - count
                out.append(self._append(topic, target, encode_record(key_bytes, value_bytes, pairs, timestamp_ms)))
        return out

    def pending(self) -> int:
        """Records queued or in flight, not yet acknowledged or failed."""
        with self._cond:
            return sum(b.count for b in self._unfinished)

    def flush(self, timeout: Optional[float] = None) -> None:
        """Sends everything queued so far and waits until each of those
        records is acknowledged or failed (errors are in their futures). Do not
        call it from a future's callback."""
        with self._cond:
            pending = [b.outcome.future for b in self._unfinished]
            self._flushing += 1
            self._cond.notify_all()
        try:
            futures.wait(pending, timeout)
        finally:
            with self._cond:
                self._flushing -= 1

    def close(self, timeout: Optional[float] = None) -> None:
        """Sends what is pending, waits for its acknowledgements, then ends
        the stream and closes an owned channel. Idempotent."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        self._sender.join(timeout)
        self.flush(timeout)
        with self._cond:
            stream, self._stream = self._stream, None
            readers = list(self._readers)
        if stream is not None:
            stream.end()
        for reader in readers:
            reader.join(5.0 if timeout is None else timeout)
        _exit_flush.unregister(self)
        if self._owned:
            self._channel.close()

    def __enter__(self) -> "Producer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals -------------------------------------------------------

    def _partition_count(self, topic: str) -> int:
        with self._meta_lock:
            count = self._partition_counts.get(topic)
        if count is None:
            unreachable = wait_for_broker(
                self._stub, topic, lambda: True, min(self._timeout, self._connect_timeout), self._unreachable
            )
            if unreachable is not None:
                raise unreachable
            desc = unary(self._stub.DescribeTopic, pb.DescribeTopicRequest(name=topic), self._timeout)
            count = len(desc.partitions)
            with self._meta_lock:
                self._partition_counts[topic] = count
        return count

    def _unreachable(self, error: EventLogError) -> None:
        """The broker cannot be reached (the cause): logged and reported."""
        _log.warning("eventlog producer: %s", error.message)
        if self._on_error is not None:
            try:
                self._on_error(error)
            except Exception:  # noqa: BLE001 - a callback must not kill the sender
                _log.exception("eventlog: on_error callback failed")

    def _append(self, topic: str, partition: int, record: bytes) -> RecordFuture:
        """Requires _cond. Adds an encoded record to its partition's open
        batch; partition -1 - N: keyless, to the sticky one of N partitions."""
        if self._closed:
            raise RuntimeError("Producer is closed")
        sticky = partition < 0
        if sticky:
            current = self._sticky.get(topic)
            if current is None or (topic, current) not in self._open:
                current = 0 if current is None else (current + 1) % (-1 - partition)
                self._sticky[topic] = current
            partition = current
        size = len(record)
        batch = self._open.get((topic, partition))
        if batch is not None and batch.size + size > self._batch_bytes:
            self._close_batch(batch)
            batch = None
        if batch is None:
            batch = Batch(topic, partition)
            self._open[(topic, partition)] = batch
            self._unfinished.add(batch)
            self._cond.notify_all()  # a new linger deadline
        batch.sticky = sticky and self._sticky.get(topic) == partition
        self._last = batch
        batch.records.append(record)
        batch.size += size
        future = RecordFuture(batch.outcome, batch.count)
        batch.count += 1
        if batch.count >= self._batch_records or batch.size >= self._batch_bytes:
            self._close_batch(batch)
            self._cond.notify_all()
        return future

    def _close_batch(self, batch: Batch) -> None:
        """Requires _cond. Moves an open batch to the send queue."""
        del self._open[(batch.topic, batch.partition)]
        batch.closed = True
        self._ready.append(batch)

    def _run_sender(self) -> None:
        while True:
            with self._cond:
                batch = self._next_ready_batch()
                if batch is None:
                    return
            with self._cond:
                connected = self._stream is not None
            # A stream opened while the broker is away can hang (see _call_watch).
            if not connected:
                unreachable = wait_for_broker(
                    self._stub, batch.topic, lambda: True, self._connect_timeout, self._unreachable
                )
                if unreachable is not None:
                    self._fail_unsent(batch, unreachable)
                    continue
            with self._cond:
                self._dispatch(batch)

    def _fail_unsent(self, batch: Batch, error: EventLogError) -> None:
        """Fails `batch`, and when the broker is unreachable also the batches
        queued behind it."""
        with self._cond:
            batches = [batch]
            if error.code == grpc.StatusCode.UNAVAILABLE:
                batches += list(self._ready)
                self._ready.clear()
        for b in batches:
            b.fail(error)
        with self._cond:
            for b in batches:
                self._unfinished.discard(b)

    def _next_ready_batch(self) -> Optional[Batch]:
        """Requires _cond. Waits for a batch to send and a free in-flight slot;
        None once closed and everything has been sent."""
        while True:
            now = time.monotonic()
            deadline: Optional[float] = None
            for batch in list(self._open.values()):
                due = batch.created + self._linger
                if self._closed or self._flushing or now >= due:
                    self._close_batch(batch)
                else:
                    deadline = due if deadline is None else min(deadline, due)
            if self._ready and self._in_flight < self._max_in_flight:
                return self._ready.popleft()
            if self._closed and not self._ready and not self._open:
                return None
            self._cond.wait(None if deadline is None else deadline - now)

    def _dispatch(self, batch: Batch) -> None:
        """Requires _cond. Writes a request on the current stream, opening one
        if needed; keeping both steps under _cond keeps inflight in order."""
        request_id = self._next_request_id
        self._next_request_id += 1
        request = encode_produce_request(batch.topic, batch.partition, batch.records, self._acks, request_id)
        batch.records = []  # the request holds the bytes now
        if self._stream is None:
            stream = ProduceStream(self._channel)
            reader = threading.Thread(
                target=self._read_responses, args=(stream,), name="eventlog-producer-reader", daemon=True
            )
            stream.watch = CallWatch(stream.call, lambda call, _: self._end_stream(stream, error_from_rpc(call)))
            stream.watch.reader = reader
            self._stream = stream
            self._readers = [r for r in self._readers if r.is_alive()] + [reader]
            reader.start()
        self._stream.inflight.append((request_id, batch))
        self._in_flight += 1
        self._stream.requests.put(request)

    def _read_responses(self, stream: ProduceStream) -> None:
        assert stream.watch is not None
        error: Optional[EventLogError] = None
        try:
            for response in stream.call:
                if stream.watch.abandoned:
                    return
                with self._cond:
                    request_id, batch = stream.inflight.popleft()
                    self._in_flight -= 1
                    self._cond.notify_all()
                self._complete(batch, request_id, response)
                with self._cond:
                    self._unfinished.discard(batch)
        except grpc.RpcError as e:
            error = error_from_rpc(e)
        except IndexError:  # a response nobody asked for
            error = error_from_code(grpc.StatusCode.INTERNAL, "unexpected ProduceStream response")
        if stream.watch.claim():
            self._end_stream(stream, error)

    def _end_stream(self, stream: ProduceStream, error: Optional[EventLogError]) -> None:
        """Fails what is still in flight on an ended stream."""
        with self._cond:
            if self._stream is stream:
                self._stream = None
            failed = list(stream.inflight)
            stream.inflight.clear()
            self._in_flight -= len(failed)
            reader = stream.watch.reader if stream.watch is not None else None
            self._readers = [r for r in self._readers if r is not reader]
            self._cond.notify_all()
        stream.end()
        if error is None or error.code == grpc.StatusCode.OK:
            error = UnavailableError(grpc.StatusCode.UNAVAILABLE, "produce stream ended with requests in flight")
        for _, batch in failed:
            batch.fail(error)
        with self._cond:
            for _, batch in failed:
                self._unfinished.discard(batch)

    def _complete(self, batch: Batch, request_id: int, response: pb.ProduceResponse) -> None:
        if response.request_id != request_id:
            batch.fail(
                error_from_code(
                    grpc.StatusCode.INTERNAL,
                    f"ProduceStream answered request {response.request_id}, expected {request_id}",
                )
            )
            return
        if response.error_code:
            code = status_code(response.error_code)
            if code == grpc.StatusCode.NOT_FOUND:
                with self._meta_lock:  # the topic may have been deleted or recreated
                    self._partition_counts.pop(batch.topic, None)
            batch.fail(error_from_code(code, response.error_message))
            return
        append = next((a for a in response.appends if a.partition == batch.partition), None)
        if append is None or append.last_offset - append.base_offset + 1 != batch.count:
            batch.fail(
                error_from_code(grpc.StatusCode.INTERNAL, f"ProduceStream reply does not match the batch: {response}")
            )
            return
        batch.outcome.future.set_result(append.base_offset)


def _failed(topic: str, error: EventLogError) -> RecordFuture:
    outcome = BatchOutcome(topic, -1)
    outcome.future.set_exception(error)
    return RecordFuture(outcome, 0)
