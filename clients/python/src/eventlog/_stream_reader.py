"""StreamReader: the Subscribe streams of one Consumer, read in background
threads into one bounded queue.

One stream per explicit partition (so each can start, resume and seek on
its own offset), or one group stream. Each stream has an epoch, bumped by
restart() (a seek), so that what an older stream queued is recognised and
skipped. Streams that fail with UNAVAILABLE or CANCELLED (a broker restart,
the network) are reopened with exponential backoff from the next offset not
yet received (a group stream rejoins at the group's committed offsets);
other errors are queued for the consumer to raise. While the broker cannot
be reached, the cause (connection refused, DNS, no answer) is reported
through `report` each time it changes; a stream that never reached the
broker within `connect_timeout` seconds queues an UnavailableError naming
the cause.

A group stream records each Assignment in the Ownership as it arrives and
queues it, in stream order with the records; record batches carry the
"since" of their partition (see _ownership.py).

Thread-safe: the queue is read by the consumer's thread; close() may be
called from any thread.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

import grpc

from ._call_watch import CallWatch, wait_for_broker
from ._ownership import Ownership
from ._stubs import pb, pb_grpc
from .errors import EventLogError, UnavailableError, error_from_rpc
from ._light import assignment_of as light_assignment
from ._light import decode, records_of
from .model import Assignment, Start, StartPosition

__all__ = ["GROUP_STREAM", "Item", "StreamReader"]

_log = logging.getLogger("eventlog")
GROUP_STREAM = -1  # the stream key of a group subscription
# A broker going away ends streams with UNAVAILABLE (or CANCELLED, when its
# gRPC server cancels them on shutdown); our own cancellations never get here.
_RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)


class Item(NamedTuple):
    """What a stream queued: kind "records" (payload: List[Record], since:
    the partition's ownership sequence number, 0 outside groups),
    "assignment" (payload: (Assignment, {partition: since})) or "error"
    (payload: EventLogError)."""

    kind: str
    stream: int
    epoch: int
    payload: Any
    since: int = 0


class _Backoff:
    """Exponential backoff with jitter between reconnect attempts."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._initial = initial
        self._maximum = maximum
        self._next = initial

    def reset(self) -> None:
        self._next = self._initial

    def wait(self, stop: threading.Event) -> bool:
        """Sleeps; False if `stop` was set meanwhile."""
        delay = self._next * random.uniform(0.5, 1.0)
        self._next = min(self._next * 2, self._maximum)
        return not stop.wait(delay)


class _StreamState:
    """Where a stream resumes, its backoff, and whether it ever reached the
    broker; used by one reading thread at a time."""

    def __init__(self, start: StartPosition, backoff: _Backoff) -> None:
        self.start = start
        self.backoff = backoff
        self.reached = False


class StreamReader:
    def __init__(
        self,
        channel: grpc.Channel,
        stub: pb_grpc.EventLogStub,
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
        # Subscribe, with responses decoded by _light (records, or an assignment).
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
        self.queue: "queue.Queue[Item]" = queue.Queue(maxsize=buffer_batches)
        self.closed = threading.Event()
        self._lock = threading.Lock()
        self._epochs: Dict[int, int] = {}  # guarded by _lock; per stream, bumped by restart()
        self._calls: Dict[int, grpc.Call] = {}  # guarded by _lock
        self._threads: List[threading.Thread] = []  # guarded by _lock

    def streams(self) -> List[int]:
        with self._lock:
            return sorted(self._epochs)

    def current(self, item: Item) -> bool:
        """False for what a stream queued before restart() replaced it."""
        with self._lock:
            return self._epochs.get(item.stream) == item.epoch

    def restart(self, stream: int, start: StartPosition) -> None:
        """(Re)starts `stream` at `start`; what the old one queued is stale."""
        with self._lock:
            epoch = self._epochs.get(stream, 0) + 1
            self._epochs[stream] = epoch
            old = self._calls.pop(stream, None)
        if old is not None:
            old.cancel()
        self._spawn(stream, epoch, _StreamState(start, _Backoff(*self._backoff)))

    def close(self) -> None:
        self.closed.set()
        with self._lock:
            calls = list(self._calls.values())
            self._calls.clear()
            threads = list(self._threads)
        for call in calls:
            call.cancel()
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(5.0)  # a reader stuck in gRPC (see _call_watch) is left behind

    # --- reading threads ---------------------------------------------------

    def _spawn(self, stream: int, epoch: int, state: _StreamState) -> None:
        thread = threading.Thread(
            target=self._run, args=(stream, epoch, state), name=f"eventlog-consumer-{stream}", daemon=True
        )
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _wanted(self, stream: int, epoch: int) -> bool:
        with self._lock:
            return self._epochs.get(stream) == epoch and not self.closed.is_set()

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

    def _run(self, stream: int, epoch: int, state: _StreamState) -> None:
        """Reads one Subscribe stream into the queue, reconnecting on
        UNAVAILABLE, until closed or superseded by restart()."""
        while True:
            unreachable = wait_for_broker(
                self._stub,
                self._topic,
                lambda: self._wanted(stream, epoch),
                float("inf") if state.reached else self._connect_timeout,
                self._report,
            )
            if unreachable is not None:
                if self._wanted(stream, epoch):
                    self._put(Item("error", stream, epoch, unreachable), stream, epoch)
                return
            state.reached = True
            call = self._subscribe(self._request(stream, state.start))
            with self._lock:
                wanted = self._epochs.get(stream) == epoch and not self.closed.is_set()
                if wanted:
                    self._calls[stream] = call
            if not wanted:
                call.cancel()
                return
            watch = CallWatch(call, lambda c, w: self._rescue(c, w, stream, epoch, state))
            error = self._read(call, watch, stream, epoch, state)
            if not watch.claim():
                return  # the watchdog carries on in another thread
            if error is None or not self._should_retry(error, stream, epoch, state):
                return
            if not state.backoff.wait(self.closed):
                return

    def _read(
        self, call: grpc.Call, watch: CallWatch, stream: int, epoch: int, state: _StreamState
    ) -> Optional[EventLogError]:
        """Queues what the call delivers; returns why it ended, or None when
        the stream is no longer wanted."""
        topic = self._topic
        ownership = self._ownership
        try:
            for response in call:
                if watch.abandoned:
                    return None
                records = records_of(topic, response)
                if records:
                    since = 0
                    if ownership is not None:
                        owned = ownership.since(records[0].partition)
                        if owned is None:
                            continue  # not ours (revoked): its new owner reads it
                        since = owned
                    if not self._put(Item("records", stream, epoch, records, since), stream, epoch):
                        call.cancel()
                        return None
                    state.backoff.reset()
                    if stream != GROUP_STREAM:
                        state.start = Start.offset(records[-1].offset + 1)
                elif records is None and ownership is not None:
                    a = light_assignment(response)
                    if a is None:
                        continue
                    if not self._wanted(stream, epoch):  # superseded by a seek: a newer stream owns it
                        call.cancel()
                        return None
                    ownership.update(a.member_id, a.generation, list(a.partitions))
                    _, assignment, since_map = ownership.snapshot()
                    assert assignment is not None
                    if not self._put(Item("assignment", stream, epoch, (assignment, since_map)), stream, epoch):
                        call.cancel()
                        return None
            return UnavailableError(grpc.StatusCode.UNAVAILABLE, "subscription ended")
        except grpc.RpcError as e:
            return error_from_rpc(e)

    def _rescue(self, call: grpc.Call, watch: CallWatch, stream: int, epoch: int, state: _StreamState) -> None:
        """The watchdog's path when a reader is stuck on a finished call."""
        with self._lock:
            self._threads = [t for t in self._threads if t is not watch.reader]
        if self._should_retry(error_from_rpc(call), stream, epoch, state) and state.backoff.wait(self.closed):
            self._spawn(stream, epoch, state)

    def _should_retry(self, error: EventLogError, stream: int, epoch: int, state: _StreamState) -> bool:
        if not self._wanted(stream, epoch):
            return False
        if error.code not in _RETRYABLE:
            self._put(Item("error", stream, epoch, error), stream, epoch)
            return False
        if stream == GROUP_STREAM:
            state.start = StartPosition(pb.START_FROM_COMMITTED)  # rejoin where the group left off
        _log.info("eventlog subscription %s/%s unavailable (%s); reconnecting", self._topic, stream, error.message)
        return True

    def _put(self, item: Item, stream: int, epoch: int) -> bool:
        """Blocks while the queue is full; False if the stream is no longer
        wanted (closed or restarted)."""
        while self._wanted(stream, epoch):
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False


def assignment_of(item: Item) -> Tuple[Assignment, Dict[int, int]]:
    payload: Tuple[Assignment, Dict[int, int]] = item.payload
    return payload
