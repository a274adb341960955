"""The producer's units of work: a Batch of records for one partition, and
a ProduceStream call that carries batches as pre-encoded ProduceRequests.

Neither is thread-safe on its own: the Producer guards them with its
condition variable (see producer.py), except ProduceStream.requests, a
thread-safe queue read by gRPC's request iterator.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from typing import Deque, Iterator, List, Optional, Tuple

import grpc

from ._call_watch import CallWatch
from ._stubs import pb
from .record_future import BatchOutcome

__all__ = ["Batch", "ProduceStream"]

_PRODUCE_STREAM = "/eventlog.v1.EventLog/ProduceStream"


class Batch:
    """Records for one topic-partition, sent as one ProduceRequest."""

    __slots__ = ("topic", "partition", "created", "records", "count", "outcome", "size", "closed", "sticky")

    def __init__(self, topic: str, partition: int) -> None:
        self.topic = topic
        self.partition = partition
        self.created = time.monotonic()
        self.records: List[bytes] = []  # each encoded by _wire.encode_record; emptied once sent
        self.count = 0  # records in the batch
        self.outcome = BatchOutcome(topic, partition)  # its RecordFutures share it
        self.size = 0
        self.closed = False  # moved to the send queue
        self.sticky = False  # keyless records of its topic go here
    def fail(self, error: BaseException) -> None:
        self.outcome.future.set_exception(error)


class ProduceStream:
    """One ProduceStream call: a request queue and the requests in flight."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.requests: "queue.SimpleQueue[Optional[bytes]]" = queue.SimpleQueue()  # encoded ProduceRequests
        self.inflight: Deque[Tuple[int, Batch]] = deque()  # guarded by Producer._cond
        # Requests are encoded by _wire (no serializer); responses are parsed.
        produce_stream = channel.stream_stream(
            _PRODUCE_STREAM, request_serializer=None, response_deserializer=pb.ProduceResponse.FromString
        )
        self.call = produce_stream(self._request_iterator())
        self.watch: Optional[CallWatch] = None

    def _request_iterator(self) -> Iterator[bytes]:
        while True:
            request = self.requests.get()
            if request is None:  # half-close: the server answers what it has, then ends
                return
            yield request

    def end(self) -> None:
        self.requests.put(None)
