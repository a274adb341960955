"""Consumer: iterates the records of a topic pushed by Subscribe.

Two modes:
- explicit partitions (`partitions=[...]` or "all", or no group): one
  Subscribe stream per partition, so each partition can start, resume after
  a reconnect, and seek on its own offset. A `group` given in this mode only
  names where commit() stores offsets (generation 0, as in Kafka's assign()).
- group (`group=...` without `partitions`): one Subscribe stream in the
  group; the broker assigns partitions (see `assignment`) and commits carry
  the assignment's member id and generation (the broker refuses a commit
  from a member that does not own the partition in that generation).

Streams that fail with UNAVAILABLE (broker restart, network) are reopened
with exponential backoff from the next offset not yet received; other errors
are raised from the iteration. Delivery is at-least-once.

Thread-safety: iterate, poll, commit and seek from one thread; close() may be
called from any thread and ends the iteration. Background threads (one per
stream) fill a bounded buffer, so a slow reader slows the broker down instead
of growing memory.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections import deque
from typing import Deque, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import grpc

from ._call_watch import CallWatch, wait_for_broker
from ._stubs import Target, open_channel, pb, pb_grpc, unary
from .errors import EventLogError, UnavailableError, error_from_rpc
from .model import Assignment, Record, Start, StartPosition, records_from_pb

__all__ = ["Consumer"]

_log = logging.getLogger("eventlog")
_GROUP_STREAM = -1  # key of the group stream in _epochs/_calls
_RESET_TO = {"earliest": pb.START_FROM_EARLIEST, "latest": pb.START_FROM_LATEST}
# A broker going away ends streams with UNAVAILABLE (or CANCELLED, when its
# gRPC server cancels them on shutdown); our own cancellations never get here.
_RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)


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
    """Where a stream resumes, and its reconnect backoff; used by one reading
    thread at a time."""

    def __init__(self, start: StartPosition, backoff: _Backoff) -> None:
        self.start = start
        self.backoff = backoff


class Consumer:
    """Reads records of one topic; iterate it (a generator) or poll() it.

    target: "host:port" or a grpc.Channel the caller owns.
    group: the consumer group (group mode when `partitions` is None).
    partitions: explicit partitions, or "all".
    start: Start.EARLIEST / LATEST / COMMITTED / offset(n) / timestamp(ms);
        default COMMITTED in group mode, LATEST otherwise.
    reset_to: "earliest" or "latest", where COMMITTED starts on a partition
        with no committed offset.
    auto_commit: commit the positions of consumed records every
        `auto_commit_interval` seconds (when asking for the next record, so
        only records already handed out and processed count) and on close().
    """

    def __init__(
        self,
        target: Target,
        topic: str,
        *,
        group: Optional[str] = None,
        partitions: Union[Sequence[int], str, None] = None,
        start: Optional[StartPosition] = None,
        reset_to: str = "latest",
        auto_commit: bool = False,
        auto_commit_interval: float = 5.0,
        max_batch_records: int = 0,
        buffer_batches: int = 64,
        reconnect_backoff: Tuple[float, float] = (0.1, 5.0),
        timeout: float = 30.0,
    ) -> None:
        if reset_to not in _RESET_TO:
            raise ValueError("reset_to must be 'earliest' or 'latest'")
        if auto_commit and group is None:
            raise ValueError("auto_commit needs a group")
        self._topic = topic
        self._group = group
        self._group_mode = group is not None and partitions is None
        self._reset_to = reset_to
        self._auto_commit = auto_commit
        self._auto_commit_interval = auto_commit_interval
        self._next_auto_commit = time.monotonic() + auto_commit_interval
        self._max_batch_records = max_batch_records
        self._backoff = reconnect_backoff
        self._timeout = timeout
        self._channel, self._owned = open_channel(target)
        self._stub = pb_grpc.EventLogStub(self._channel)

        self._queue: "queue.Queue[tuple]" = queue.Queue(maxsize=buffer_batches)
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._epochs: Dict[int, int] = {}  # guarded by _lock; per stream, bumped by seek
        self._calls: Dict[int, grpc.Call] = {}  # guarded by _lock
        self._assignment: Optional[Assignment] = None  # guarded by _lock
        self._threads: List[threading.Thread] = []  # guarded by _lock

        # Owned by the consuming thread.
        self._current: Deque[Record] = deque()
        self._positions: Dict[int, int] = {}  # next offset to consume
        self._committed: Dict[int, int] = {}  # last positions committed by us

        try:
            if self._group_mode:
                self._start_stream(_GROUP_STREAM, start or StartPosition(pb.START_FROM_UNSPECIFIED))
            else:
                self._start_explicit(partitions, start or Start.LATEST)
        except BaseException:
            self.close()
            raise

    # --- reading ---------------------------------------------------------

    def __iter__(self) -> Iterator[Record]:
        """Yields records until close() is called; raises EventLogError when a
        stream fails for good (e.g. NotFoundError once the topic is deleted)."""
        current = self._current
        positions = self._positions
        while True:
            if current and not self._auto_commit:  # fast path: the batch at hand
                record = current.popleft()
                positions[record.partition] = record.offset + 1
                yield record
                continue
            record = self.poll()
            if record is None:
                return
            yield record

    def poll(self, timeout: Optional[float] = None) -> Optional[Record]:
        """The next record, or None after `timeout` seconds (None: wait until
        one arrives or the consumer is closed)."""
        current = self._current
        if current and not self._auto_commit:  # fast path: the batch at hand
            record = current.popleft()
            self._positions[record.partition] = record.offset + 1
            return record
        if self._auto_commit and time.monotonic() >= self._next_auto_commit:
            self._commit_quietly()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._current:
                record = self._current.popleft()
                self._positions[record.partition] = record.offset + 1
                return record
            if self._closed.is_set():
                return None
            wait = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if wait <= 0:
                return None
            try:
                kind, stream, epoch, payload = self._queue.get(timeout=wait)
            except queue.Empty:
                continue
            with self._lock:
                if self._epochs.get(stream) != epoch:
                    continue  # superseded by seek()
                assigned = self._assignment.partitions if self._assignment else []
            if kind == "error":
                raise payload
            if self._group_mode and payload and payload[0].partition not in assigned:
                continue  # revoked by a rebalance; its new owner reads it
            self._current.extend(payload)

    # --- positions and commits ---------------------------------------------

    @property
    def assignment(self) -> Optional[Assignment]:
        """Group mode: the broker's latest assignment (None until joined).
        Explicit mode: the partitions read, with generation 0."""
        with self._lock:
            if self._group_mode:
                return self._assignment
            return Assignment("", 0, sorted(self._epochs))

    def position(self, partition: int) -> Optional[int]:
        """The next offset this consumer will hand out for `partition`, if it
        has handed out any record of it (or seeked it)."""
        return self._positions.get(partition)

    def commit(self, offsets: Optional[Dict[int, int]] = None, metadata: str = "") -> Dict[int, int]:
        """Commits `offsets` ({partition: next offset to consume}), by default
        the positions after every record handed out so far. Returns what was
        committed. In group mode the request names this member and the
        generation of its latest assignment; FailedPreconditionError if a
        rebalance made that generation stale or moved the partition away."""
        if self._group is None:
            raise ValueError("commit needs a group")
        member_id, generation = "", 0
        if offsets is None:
            offsets = dict(self._positions)
        if self._group_mode:
            current = self.assignment
            if current is None:
                return {}
            member_id, generation = current.member_id, current.generation
            offsets = {p: o for p, o in offsets.items() if p in current.partitions}
        for partition, offset in sorted(offsets.items()):
            req = pb.CommitOffsetRequest(
                group=self._group,
                topic=self._topic,
                partition=partition,
                offset=offset,
                metadata=metadata,
                generation=generation,
                member_id=member_id,
            )
            unary(self._stub.CommitOffset, req, self._timeout)
            self._committed[partition] = offset
        return dict(offsets)

    def committed(self, partitions: Optional[Iterable[int]] = None) -> Dict[int, int]:
        """The group's committed offsets ({partition: next offset})."""
        if self._group is None:
            raise ValueError("committed offsets need a group")
        req = pb.FetchCommittedOffsetsRequest(group=self._group, topic=self._topic, partitions=list(partitions or []))
        resp = unary(self._stub.FetchCommittedOffsets, req, self._timeout)
        return {o.partition: o.offset for o in resp.offsets}

    def seek(self, partition: int, offset: int) -> None:
        """Makes `offset` the next record of `partition` handed out.

        Explicit mode: restarts that partition's stream. Group mode: the
        protocol has no per-member position, so this commits `offset` for the
        partition and re-joins the group (a rebalance); other partitions
        resume from their committed offsets. ValueError if `partition` is not
        read (explicit mode) or not assigned (group mode)."""
        if self._group_mode:
            current = self.assignment
            if current is None or partition not in current.partitions:
                raise ValueError(f"partition {partition} is not assigned to this consumer")
            self.commit({partition: offset})
            stream = _GROUP_STREAM
            start = StartPosition(pb.START_FROM_COMMITTED)
        else:
            stream = partition
            start = Start.offset(offset)
        with self._lock:
            if stream not in self._epochs:
                raise ValueError(f"partition {partition} is not read by this consumer")
        kept = [r for r in self._current if not (stream == _GROUP_STREAM or r.partition == partition)]
        self._current.clear()  # in place: __iter__ holds on to it
        self._current.extend(kept)
        self._positions[partition] = offset
        self._start_stream(stream, start)

    # --- lifetime ------------------------------------------------------------

    def close(self) -> None:
        """Commits (with auto_commit), stops the streams and ends iteration."""
        if self._closed.is_set():
            return
        if self._auto_commit:
            self._commit_quietly()
        self._closed.set()
        with self._lock:
            calls = list(self._calls.values())
            self._calls.clear()
        for call in calls:
            call.cancel()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(5.0)  # a reader stuck in gRPC (see _call_watch) is left behind
        if self._owned:
            self._channel.close()

    def __enter__(self) -> "Consumer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- internals -------------------------------------------------------

    def _commit_quietly(self) -> None:
        self._next_auto_commit = time.monotonic() + self._auto_commit_interval
        changed = {p: o for p, o in self._positions.items() if self._committed.get(p) != o}
        if not changed:
            return
        try:
            self.commit(changed)
        except EventLogError as e:  # e.g. a rebalance made the generation stale
            _log.warning("eventlog auto-commit of %s failed: %s", changed, e)

    def _start_explicit(self, partitions: Union[Sequence[int], str, None], start: StartPosition) -> None:
        if partitions is None or partitions == "all":
            desc = unary(self._stub.DescribeTopic, pb.DescribeTopicRequest(name=self._topic), self._timeout)
            parts = [p.partition for p in desc.partitions]
        elif isinstance(partitions, str):
            raise ValueError("partitions must be a list of ints or 'all'")
        else:
            parts = list(partitions)
        starts = {p: start for p in parts}
        if start.kind == pb.START_FROM_COMMITTED:
            reset = StartPosition(_RESET_TO[self._reset_to])
            committed = self.committed(parts)
            starts = {p: Start.offset(committed[p]) if p in committed else reset for p in parts}
        for p in parts:
            self._start_stream(p, starts[p])

    def _start_stream(self, stream: int, start: StartPosition) -> None:
        with self._lock:
            epoch = self._epochs.get(stream, 0) + 1
            self._epochs[stream] = epoch
            old = self._calls.pop(stream, None)
        if old is not None:
            old.cancel()
        self._spawn(stream, epoch, _StreamState(start, _Backoff(*self._backoff)))

    def _spawn(self, stream: int, epoch: int, state: "_StreamState") -> None:
        thread = threading.Thread(
            target=self._run_stream, args=(stream, epoch, state), name=f"eventlog-consumer-{stream}", daemon=True
        )
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _request(self, stream: int, start: StartPosition) -> pb.SubscribeRequest:
        req = pb.SubscribeRequest(
            topic=self._topic,
            start_from=start.kind,
            start_offset=start.offset,
            start_timestamp_ms=start.timestamp_ms,
            max_batch_records=self._max_batch_records,
        )
        if stream == _GROUP_STREAM:
            req.group = self._group or ""
            req.reset_to = _RESET_TO[self._reset_to]
        else:
            req.partitions.append(stream)
        return req

    def _current_epoch(self, stream: int, epoch: int) -> bool:
        with self._lock:
            return self._epochs.get(stream) == epoch and not self._closed.is_set()

    def _run_stream(self, stream: int, epoch: int, state: "_StreamState") -> None:
        """Reads one Subscribe stream into the buffer, reconnecting on
        UNAVAILABLE, until closed or superseded by seek()."""
        while True:
            unreachable = wait_for_broker(self._stub, self._topic, lambda: self._current_epoch(stream, epoch))
            if unreachable is not None:
                if unreachable.code != grpc.StatusCode.UNAVAILABLE:
                    self._put(("error", stream, epoch, unreachable), stream, epoch)
                return
            call = self._stub.Subscribe(self._request(stream, state.start))
            with self._lock:
                current = self._epochs.get(stream) == epoch and not self._closed.is_set()
                if current:
                    self._calls[stream] = call
            if not current:
                call.cancel()
                return
            watch = CallWatch(call, lambda c, w: self._rescue(c, w, stream, epoch, state))
            error = self._read(call, watch, stream, epoch, state)
            if not watch.claim():
                return  # the watchdog carries on in another thread
            if error is None or not self._should_retry(error, stream, epoch, state):
                return
            if not state.backoff.wait(self._closed):
                return

    def _read(
        self, call: grpc.Call, watch: CallWatch, stream: int, epoch: int, state: "_StreamState"
    ) -> Optional[EventLogError]:
        """Buffers what the call delivers; returns why it ended, or None when
        the stream is no longer wanted."""
        try:
            for response in call:
                if watch.abandoned:
                    return None
                event = response.WhichOneof("event")
                if event == "assignment":
                    a = response.assignment
                    with self._lock:
                        superseded = self._epochs.get(stream) != epoch  # by seek(): a newer stream owns it
                        if not superseded:
                            self._assignment = Assignment(a.member_id, a.generation, sorted(a.partitions))
                    if superseded:
                        call.cancel()
                        return None
                elif event == "records" and response.records.records:
                    records = records_from_pb(self._topic, response.records)
                    if not self._put(("records", stream, epoch, records), stream, epoch):
                        call.cancel()
                        return None
                    state.backoff.reset()
                    if stream != _GROUP_STREAM:
                        state.start = Start.offset(records[-1].offset + 1)
            return UnavailableError(grpc.StatusCode.UNAVAILABLE, "subscription ended")
        except grpc.RpcError as e:
            return error_from_rpc(e)

    def _rescue(self, call: grpc.Call, watch: CallWatch, stream: int, epoch: int, state: "_StreamState") -> None:
        """The watchdog's path when a reader is stuck on a finished call."""
        with self._lock:
            self._threads = [t for t in self._threads if t is not watch.reader]
        if self._should_retry(error_from_rpc(call), stream, epoch, state) and state.backoff.wait(self._closed):
            self._spawn(stream, epoch, state)

    def _should_retry(self, error: EventLogError, stream: int, epoch: int, state: "_StreamState") -> bool:
        if not self._current_epoch(stream, epoch):
            return False
        if error.code not in _RETRYABLE:
            self._put(("error", stream, epoch, error), stream, epoch)
            return False
        if stream == _GROUP_STREAM:
            state.start = StartPosition(pb.START_FROM_COMMITTED)  # rejoin where the group left off
        _log.info("eventlog subscription %s/%s unavailable (%s); reconnecting", self._topic, stream, error.message)
        return True

    def _put(self, item: tuple, stream: int, epoch: int) -> bool:
        """Blocks while the buffer is full; False if the stream is no longer
        wanted (closed or seeked)."""
        while self._current_epoch(stream, epoch):
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False
