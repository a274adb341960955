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
from typing import Deque, Dict, Iterator, List, Optional, Tuple, Union

import grpc

from ._call_watch import CallWatch
from ._stubs import pb
from .errors import EventLogError, error_from_code, status_code
from .record_future import BatchOutcome

__all__ = ["Batch", "InFlightRoutes", "ProduceStream", "batch_outcome", "moved_or_gone"]

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

    def __init__(self, channel: grpc.Channel, address: Optional[str] = None) -> None:
        self.address = address  # the leader it goes to; None: the bootstrap channel
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


class InFlightRoutes:
    """Where each partition's batches are in flight: the stream's address
    (None: the bootstrap broker) and how many. A partition's next batch waits
    while its batches are in flight on another stream, so that a change of
    route never reorders its records. Not thread-safe (the producers guard
    it)."""

    def __init__(self) -> None:
        self._routes: Dict[Tuple[str, int], Tuple[Optional[str], int]] = {}

    def elsewhere(self, topic: str, partition: int, address: Optional[str]) -> bool:
        """Batches of the partition are in flight on a stream other than `address`'s."""
        route = self._routes.get((topic, partition))
        return route is not None and route[0] != address

    def sent(self, topic: str, partition: int, address: Optional[str]) -> None:
        key = (topic, partition)
        self._routes[key] = (address, self._routes.get(key, (address, 0))[1] + 1)

    def landed(self, topic: str, partition: int) -> None:
        """A batch of the partition is no longer in flight."""
        key = (topic, partition)
        address, count = self._routes[key]
        if count == 1:
            del self._routes[key]
        else:
            self._routes[key] = (address, count - 1)


def batch_outcome(
    partition: int, count: int, request_id: int, response: pb.ProduceResponse
) -> Union[int, EventLogError]:
    """What a ProduceStream response means for the batch of `count` records
    sent to `partition` as request `request_id`: its base offset, or the
    error it fails with (shared by the threaded and the asyncio producer)."""
    if response.request_id != request_id:
        return error_from_code(
            grpc.StatusCode.INTERNAL, f"ProduceStream answered request {response.request_id}, expected {request_id}"
        )
    if response.error_code:
        return error_from_code(status_code(response.error_code), response.error_message)
    append = next((a for a in response.appends if a.partition == partition), None)
    if append is None or append.last_offset - append.base_offset + 1 != count:
        return error_from_code(grpc.StatusCode.INTERNAL, f"ProduceStream reply does not match the batch: {response}")
    return int(append.base_offset)


def moved_or_gone(error: EventLogError) -> bool:
    """The broker's answer says the partition's leader moved ("led by broker
    N at HOST:PORT") or the topic is gone: routes and counts are stale."""
    return error.code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAVAILABLE)
