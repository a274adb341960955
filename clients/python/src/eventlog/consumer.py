"""Consumer: iterates the records of a topic pushed by Subscribe.

Two modes:
- explicit partitions (`partitions=[...]` or "all", or no group): one
  Subscribe stream per partition. A `group` given in this mode only names
  where commits go (generation 0, as with Kafka's assign()).
- group (`group=...` without `partitions`): one Subscribe stream in the
  group; the broker assigns partitions and moves them between members
  (rebalances). on_assign / on_revoke hear of each change, in the consuming
  thread, before any record of the new assignment.

Commits are batched, ordered and asynchronous underneath (see _committer.py):
auto-commit (the default in group mode) commits the positions of the records
handed out every `auto_commit_interval` seconds and on close(); commit()
waits for its commit, commit_async() does not. A group member commits only
partitions it has owned without a break since it read them, so a commit never
moves a group's offset backwards (only seek() does); a commit refused because
a rebalance is in progress is deferred or dropped with a log line, never
raised.

Thread-safety: iterate, poll, commit and seek from one thread; close() may be
called from any thread and ends the iteration. The callbacks run in the
thread that iterates or polls (close(): the thread that closes).
"""

from __future__ import annotations

import logging
import queue
import time
from collections import deque
from concurrent import futures
from operator import length_hint
from typing import Callable, Dict, Iterable, Iterator, List, Literal, Optional, Sequence, Tuple, Union

from ._committer import Committer, PendingOffset
from ._ownership import Ownership
from ._stream_reader import GROUP_STREAM, StreamReader, assignment_of
from ._stubs import Target, open_channel, pb, pb_grpc, unary
from .errors import EventLogError
from .model import Assignment, Record, Start, StartPosition

__all__ = ["Consumer", "RebalanceCallback", "ErrorCallback"]

_log = logging.getLogger("eventlog")
_RESET_TO = {"earliest": pb.START_FROM_EARLIEST, "latest": pb.START_FROM_LATEST}
_NO_RECORDS: List[Record] = []

# on_assign(consumer, partitions added) / on_revoke(consumer, partitions taken away).
RebalanceCallback = Callable[["Consumer", List[int]], None]
# on_error(error): the broker cannot be reached (with the cause), or an auto-commit failed.
ErrorCallback = Callable[[EventLogError], None]


class Consumer:
    """Reads records of one topic; iterate it (a generator) or poll() it.

    target: "host:port", "a:7070,b:7070", or a grpc.Channel the caller owns.
    group: the consumer group (group mode when `partitions` is None).
    partitions: explicit partitions, or "all".
    start: Start.EARLIEST / LATEST / COMMITTED / offset(n) / timestamp(ms);
        default COMMITTED in group mode, LATEST otherwise.
    reset_to: where COMMITTED starts on a partition with no committed
        offset: "latest" (the default, as in Kafka) or "earliest".
    auto_commit: commit the positions of the records handed out every
        `auto_commit_interval` seconds (when asking for more records, so only
        records handed out before count) and on close(). Default: on in group
        mode, off otherwise.
    on_assign, on_revoke: called with the partitions added to / taken away
        from this member at each rebalance (as in Kafka's cooperative
        protocol: on_assign after every rebalance, possibly with [];
        on_revoke only when something was taken away, and by close() with
        everything). A revoked partition's position cannot be committed any
        more: its records may be delivered again to its new owner.
    on_error: hears of connection problems (with their cause) and failed
        auto-commits, which are also logged to the "eventlog" logger.
    connect_timeout: iteration raises UnavailableError (naming the cause) if
        the broker cannot be reached within this many seconds of starting;
        once connected, lost connections are retried for ever.
    """

    def __init__(
        self,
        target: Target,
        topic: str,
        *,
        group: Optional[str] = None,
        partitions: Union[Sequence[int], Literal["all"], None] = None,
        start: Optional[StartPosition] = None,
        reset_to: Literal["earliest", "latest"] = "latest",
        auto_commit: Optional[bool] = None,
        auto_commit_interval: float = 5.0,
        on_assign: Optional[RebalanceCallback] = None,
        on_revoke: Optional[RebalanceCallback] = None,
        on_error: Optional[ErrorCallback] = None,
        max_batch_records: int = 0,
        buffer_batches: int = 64,
        reconnect_backoff: Tuple[float, float] = (0.1, 5.0),
        timeout: float = 30.0,
        connect_timeout: float = 30.0,
    ) -> None:
        if reset_to not in _RESET_TO:
            raise ValueError("reset_to must be 'earliest' or 'latest'")
        self._group_mode = group is not None and partitions is None
        if auto_commit is None:
            auto_commit = self._group_mode
        if auto_commit and group is None:
            raise ValueError("auto_commit needs a group")
        self._topic = topic
        self._group = group
        self._reset_to = reset_to
        self._auto_commit = auto_commit
        self._auto_commit_interval = auto_commit_interval
        self._next_auto_commit = time.monotonic() + auto_commit_interval
        self._on_assign = on_assign
        self._on_revoke = on_revoke
        self._on_error = on_error
        self._timeout = timeout
        self._closed = False
        self._channel, self._owned = open_channel(target)
        self._stub = pb_grpc.EventLogStub(self._channel)  # type: ignore[no-untyped-call]
        self._ownership = Ownership() if self._group_mode else None
        self._committer = (
            Committer(self._stub, group, topic, self._ownership, timeout) if group is not None else None
        )
        self._reader = StreamReader(
            self._channel,
            self._stub,
            topic,
            group=group,
            reset_to=_RESET_TO[reset_to],
            max_batch_records=max_batch_records,
            buffer_batches=buffer_batches,
            backoff=reconnect_backoff,
            connect_timeout=connect_timeout,
            ownership=self._ownership,
            report=self._unreachable,
        )

        # Owned by the consuming thread.
        self._batch: List[Record] = _NO_RECORDS  # being handed out
        # The records of _batch not yet handed out: poll() and iteration
        # share it, and next() on it is the cheapest step per record.
        self._records: Iterator[Record] = iter(_NO_RECORDS)
        self._batch_since = 0
        self._positions: Dict[int, int] = {}  # next offset to consume, up to the batch at hand
        self._position_since: Dict[int, int] = {}
        self._assignment: Optional[Assignment] = None  # group mode: as told to on_assign
        self._owned_since: Dict[int, int] = {}

        try:
            if self._group_mode:
                self._reader.restart(GROUP_STREAM, start or StartPosition(pb.START_FROM_UNSPECIFIED))
            else:
                self._start_explicit(partitions, start or Start.LATEST)
        except BaseException:
            self.close()
            raise

    # --- reading ---------------------------------------------------------

    def __iter__(self) -> Iterator[Record]:
        """Yields records until close() is called; raises EventLogError when a
        stream fails for good (e.g. NotFoundError once the topic is deleted,
        UnavailableError when the broker was never reached)."""
        while True:
            records = self._records
            yield from records  # the hot loop: the batch at hand (seek() may exhaust it)
            if self._records is records and not self._next_batch(None):
                return  # (when poll() or seek() replaced the batch, on with theirs)

    def poll(self, timeout: Optional[float] = None) -> Optional[Record]:
        """The next record, or None after `timeout` seconds (None: wait until
        one arrives or the consumer is closed)."""
        record = next(self._records, None)  # records are tuples, never None
        if record is not None:
            return record
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._next_batch(deadline):
            return None
        return next(self._records)

    def _next_batch(self, deadline: Optional[float]) -> bool:
        """Replaces the batch at hand by the next one (applying assignments and
        auto-commits on the way); False at the deadline or once closed."""
        self._settle()
        self._drop_batch()
        while True:
            if self._auto_commit and time.monotonic() >= self._next_auto_commit:
                self._auto_commit_now()
            if self._reader.closed.is_set():
                return False
            wait = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if wait <= 0:
                return False
            try:
                item = self._reader.queue.get(timeout=wait)
            except queue.Empty:
                continue
            if not self._reader.current(item):
                continue  # superseded by seek()
            if item.kind == "error":
                raise item.payload
            if item.kind == "assignment":
                self._apply(*assignment_of(item))
                continue
            records: List[Record] = item.payload
            if self._ownership is not None and self._ownership.since(records[0].partition) != item.since:
                continue  # revoked since it arrived: its new owner reads it
            self._batch, self._records, self._batch_since = records, iter(records), item.since
            return True

    def _settle(self) -> None:
        """Moves the position of the batch at hand into _positions."""
        handed_out = len(self._batch) - length_hint(self._records)
        if handed_out > 0:
            last = self._batch[handed_out - 1]
            self._positions[last.partition] = last.offset + 1
            self._position_since[last.partition] = self._batch_since

    def _drop_batch(self) -> None:
        """Forgets the batch at hand (after _settle). Its iterator is
        exhausted, so that an iteration inside it moves on to the next batch."""
        deque(self._records, maxlen=0)
        self._batch, self._records = _NO_RECORDS, iter(_NO_RECORDS)

    def _apply(self, assignment: Assignment, since: Dict[int, int]) -> None:
        """Group mode: a new assignment, in stream order."""
        before = self._assignment
        old = set(before.partitions) if before is not None else set()
        kept = {p for p in old if since.get(p) is not None and since.get(p) == self._owned_since.get(p)}
        revoked = sorted(old - kept)
        added = sorted(set(assignment.partitions) - kept)
        self._assignment = assignment
        self._owned_since = dict(since)
        if revoked:
            for p in revoked:
                self._positions.pop(p, None)
                self._position_since.pop(p, None)
            if self._committer is not None:
                self._committer.forget(revoked)
            if self._on_revoke is not None:
                self._on_revoke(self, revoked)
        if self._on_assign is not None:
            self._on_assign(self, added)

    # --- positions and commits ---------------------------------------------

    @property
    def assignment(self) -> Optional[Assignment]:
        """Group mode: the assignment as last told to on_assign (None until
        joined). Explicit mode: the partitions read, with generation 0."""
        if self._group_mode:
            return self._assignment
        return Assignment("", 0, self._reader.streams())

    def position(self, partition: int) -> Optional[int]:
        """The next offset this consumer will hand out for `partition`, if it
        has handed out any record of it (or seeked it) since it owns it."""
        self._settle()
        return self._positions.get(partition)

    def commit(self, offsets: Optional[Dict[int, int]] = None, metadata: str = "") -> Dict[int, int]:
        """Commits `offsets` ({partition: next offset to consume}), by default
        the positions after every record handed out, and waits for it.
        Returns what was committed. A group member's commit names its member
        id and generation; partitions it no longer owns are left out with a
        log line, and during a rebalance the commit may be deferred until the
        next assignment (also left out). Raises EventLogError for other
        failures (e.g. UnavailableError)."""
        if self._committer is None:
            raise ValueError("commit needs a group")
        return self._committer.submit(self._pending(offsets, metadata)).result(self._timeout + 5)

    def commit_async(
        self, offsets: Optional[Dict[int, int]] = None, metadata: str = ""
    ) -> "futures.Future[Dict[int, int]]":
        """Like commit() without waiting: the future resolves to what was
        committed. Commits are sent in order, and those made while one is in
        flight travel together in the next call, so committing after every
        record costs about one call per round trip."""
        if self._committer is None:
            raise ValueError("commit needs a group")
        return self._committer.submit(self._pending(offsets, metadata))

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
        partition and re-joins the group (a rebalance: a new member id, so
        on_revoke and on_assign hear of every partition); other partitions
        resume from their committed offsets. ValueError if `partition` is not
        read (explicit mode) or not assigned (group mode)."""
        self._settle()
        if self._group_mode:
            if self._assignment is None or partition not in self._assignment.partitions:
                raise ValueError(f"partition {partition} is not assigned to this consumer")
            self.commit({partition: offset})
            stream = GROUP_STREAM
            start = StartPosition(pb.START_FROM_COMMITTED)
        else:
            if partition not in self._reader.streams():
                raise ValueError(f"partition {partition} is not read by this consumer")
            stream = partition
            start = Start.offset(offset)
        if stream == GROUP_STREAM or self._batch[:1] and self._batch[0].partition == partition:
            self._drop_batch()
        self._positions[partition] = offset
        self._reader.restart(stream, start)

    # --- lifetime ------------------------------------------------------------

    def close(self) -> None:
        """In group mode tells on_revoke of every partition, commits (with
        auto_commit), stops the streams and ends iteration. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._assignment is not None and self._assignment.partitions and self._on_revoke is not None:
                self._on_revoke(self, list(self._assignment.partitions))
            if self._auto_commit:
                self._settle()
                try:
                    self._auto_commit_now().result(self._timeout + 5)
                except (EventLogError, futures.TimeoutError):
                    pass  # already reported by _auto_commit_now
        finally:
            if self._committer is not None:
                self._committer.close(self._timeout)
            self._reader.close()
            if self._owned:
                self._channel.close()

    def __enter__(self) -> "Consumer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals -------------------------------------------------------

    def _pending(
        self, offsets: Optional[Dict[int, int]], metadata: str, changed_only: bool = False
    ) -> Dict[int, PendingOffset]:
        """Entries for the committer: `offsets`, or the positions (only those
        this consumer has not committed yet if changed_only), tagged with
        since when their partition was owned when they were read."""
        since = self._owned_since
        if offsets is None:
            self._settle()
            offsets = self._positions
            if changed_only and self._committer is not None:
                committed = self._committer.committed
                offsets = {p: o for p, o in offsets.items() if committed(p) != o}
            since = self._position_since
        if self._group_mode:
            owned = self._owned_since
            missing = sorted(p for p in offsets if p not in owned)
            if missing:
                _log.info("eventlog: %s/%s: not committing partitions %s: not assigned to this member",
                          self._group, self._topic, missing)
            return {p: PendingOffset(o, since.get(p, owned[p]), metadata) for p, o in offsets.items() if p in owned}
        return {p: PendingOffset(o, 0, metadata) for p, o in offsets.items()}

    def _auto_commit_now(self) -> "futures.Future[Dict[int, int]]":
        """Queues the positions that changed; failures are reported."""
        assert self._committer is not None
        self._next_auto_commit = time.monotonic() + self._auto_commit_interval
        future = self._committer.submit(self._pending(None, "", changed_only=True))
        future.add_done_callback(self._auto_commit_done)
        return future

    def _auto_commit_done(self, future: "futures.Future[Dict[int, int]]") -> None:
        error = future.exception()
        if isinstance(error, EventLogError):
            _log.warning("eventlog: %s/%s: auto-commit failed: %s", self._group, self._topic, error)
            self._report(error)

    def _unreachable(self, error: EventLogError) -> None:
        """From a reading thread: the broker cannot be reached (the cause)."""
        _log.warning("eventlog consumer of %s: %s", self._topic, error.message)
        self._report(error)

    def _report(self, error: EventLogError) -> None:
        if self._on_error is not None:
            try:
                self._on_error(error)
            except Exception:  # noqa: BLE001 - a callback must not kill a reader thread
                _log.exception("eventlog: on_error callback failed")

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
            self._reader.restart(p, starts[p])
