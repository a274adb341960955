"""RecordFuture: the outcome of one Producer.send().

A concurrent.futures.Future per record costs more than encoding and sending
the record (its condition variable and lock are built on every send), so the
records of one batch share one Future that resolves to the batch's base
offset, and each send() returns this small view of it: same methods as a
concurrent.futures.Future (result, exception, done, add_done_callback, ...),
resolving to the record's RecordMetadata. A send cannot be cancelled.
Producer.flush() waits for every pending record; concurrent.futures.wait()
does not accept these objects.

Thread-safe (the shared Future is).
"""

from __future__ import annotations

from concurrent import futures
from typing import Callable, Optional

from .model import RecordMetadata

__all__ = ["RecordFuture"]


class BatchOutcome:
    """Where a batch went: topic, partition, and a Future of its base offset
    (or its EventLogError). Shared by the RecordFutures of the batch."""

    __slots__ = ("topic", "partition", "future")

    def __init__(self, topic: str, partition: int) -> None:
        self.topic = topic
        self.partition = partition
        self.future: "futures.Future[int]" = futures.Future()
        self.future.set_running_or_notify_cancel()


class RecordFuture:
    """Resolves to the RecordMetadata of one sent record, or fails with the
    EventLogError of its batch."""

    __slots__ = ("_batch", "_index")

    def __init__(self, batch: BatchOutcome, index: int) -> None:
        self._batch = batch
        self._index = index

    def result(self, timeout: Optional[float] = None) -> RecordMetadata:
        """Waits up to `timeout` seconds (None: for ever); raises the batch's
        EventLogError, or concurrent.futures.TimeoutError."""
        base = self._batch.future.result(timeout)
        return RecordMetadata(self._batch.topic, self._batch.partition, base + self._index)

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        return self._batch.future.exception(timeout)

    def done(self) -> bool:
        return self._batch.future.done()

    def running(self) -> bool:
        return not self.done()

    def cancel(self) -> bool:
        return False

    def cancelled(self) -> bool:
        return False

    def add_done_callback(self, fn: "Callable[[RecordFuture], object]") -> None:
        """Calls fn(self) once the record is acknowledged or failed (at once
        if it already is), in the thread that completes it."""
        self._batch.future.add_done_callback(lambda _: fn(self))

    def __repr__(self) -> str:
        state = "pending" if not self.done() else "failed" if self.exception(0) else "done"
        return f"<RecordFuture {self._batch.topic}/{self._batch.partition} #{self._index} {state}>"
