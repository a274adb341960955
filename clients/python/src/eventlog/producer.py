"""Producer: batches records per partition and pipelines them on ProduceStream.

Thread-safe: send(), flush() and close() may be called from any thread.
This file is the batching half: records are added to their partition's open
batch, which is closed when full (batch_records or batch_bytes) or when its
linger time has passed. The sending half (_sender.Sender, a background
thread) writes closed batches on ProduceStreams with up to max_in_flight
requests outstanding and resolves each record's future from the responses.

Partitioning happens here, as in Kafka clients: a keyed record goes to
partition_for_key(key, partitions) (the broker's own rule), a keyless one to
a "sticky" partition that moves round-robin when its batch is closed. The
partition count is read once per topic with DescribeTopic.

In a cluster, each batch goes on a ProduceStream to its partition's leader,
found with GetMetadata (see _router); without a known leader it goes on the
stream to the bootstrap broker, which forwards it. Failed requests are not
retried (a retry could reorder records); see _sender.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent import futures
from typing import Any, Callable, Deque, Dict, Iterable, List, Literal, Optional, Set, Tuple, Union


from . import _exit_flush
from ._call_watch import wait_for_broker
from ._produce_stream import Batch
from ._router import Router
from ._sender import BatchSource, Sender
from ._stubs import Target, open_broker_channel, open_channel, pb, pb_grpc, unary
from ._wire import encode_record, encode_value_record
from .errors import EventLogError
from .murmur2 import partition_for_key
from .model import Acks, Headers, encode, header_pairs
from .record_future import BatchOutcome, RecordFuture

__all__ = ["Producer"]

_log = logging.getLogger("eventlog")

class Producer(BatchSource):
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

    With `route_to_leaders` (and a "host:port[,...]" target: a channel the
    caller owns carries credentials the producer cannot copy), batches go
    straight to each partition's leader in a cluster; otherwise everything
    goes through the broker reached, which forwards.
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
        self._router = Router(
            self._channel,
            open_broker_channel if route_to_leaders and self._owned else None,
            min(timeout, connect_timeout),
        )
        self._acks = int(acks)
        self._linger = linger
        self._batch_records = batch_records
        self._batch_bytes = batch_bytes
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
        self._flushing = 0  # guarded by _cond; > 0: do not linger
        self._closed = False  # guarded by _cond

        self._meta_lock = threading.Lock()
        self._partition_counts: Dict[str, int] = {}  # guarded by _meta_lock

        self._sender = Sender(
            self._cond,
            self,
            self._channel,
            self._router,
            acks=self._acks,
            max_in_flight=max_in_flight,
            connect_timeout=connect_timeout,
            on_unreachable=self._unreachable,
        )
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
        self._sender.close(timeout)
        _exit_flush.unregister(self)
        self._router.close()
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

    # --- the Sender's BatchSource (each requires _cond but topic_gone) -----

    def next_batch(self, can_send: Callable[[], bool]) -> Optional[Batch]:
        """Waits for a batch to send while can_send() (a free in-flight
        slot); None once closed and everything has been sent."""
        while True:
            now = time.monotonic()
            deadline: Optional[float] = None
            for batch in list(self._open.values()):
                due = batch.created + self._linger
                if self._closed or self._flushing or now >= due:
                    self._close_batch(batch)
                else:
                    deadline = due if deadline is None else min(deadline, due)
            if self._ready and can_send():
                return self._ready.popleft()
            if self._closed and not self._ready and not self._open:
                return None
            self._cond.wait(None if deadline is None else deadline - now)

    def take_queued(self) -> List[Batch]:
        batches = list(self._ready)
        self._ready.clear()
        return batches

    def finished(self, batch: Batch) -> None:
        self._unfinished.discard(batch)

    def topic_gone(self, topic: str) -> None:
        with self._meta_lock:
            self._partition_counts.pop(topic, None)


def _failed(topic: str, error: EventLogError) -> RecordFuture:
    outcome = BatchOutcome(topic, -1)
    outcome.future.set_exception(error)
    return RecordFuture(outcome, 0)
