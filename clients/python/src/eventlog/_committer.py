"""Committer: a consumer's offset commits, batched, ordered and rebalance-safe.

Every commit (commit(), commit_async(), auto-commit, seek in group mode)
goes through one Committer. Requests wait in one pending map (partition ->
offset: a later commit of a partition replaces an earlier one) and one
thread sends them one CommitOffsets call at a time, so commits reach the
broker in the order they were made and many commit_async() calls cost one
call. A broker without CommitOffsets (UNIMPLEMENTED) gets one CommitOffset
per partition.

Group members (with an Ownership) commit with the member id and generation
of the latest assignment, and only positions taken while the partition has
been owned without a break (see _ownership.py); others are dropped with a
log line, because another member may have committed further meanwhile.
When the broker refuses a commit because a rebalance is in progress
(FAILED_PRECONDITION: the generation just ended, or a partition is being
revoked), nothing is raised: the commit is deferred, sent again once the
next assignment arrives for the partitions still owned, and dropped with a
log line for the others.

Thread-safe; the futures resolve in the committer's thread.
"""

from __future__ import annotations

import logging
import threading
from concurrent import futures
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

import grpc

from ._ownership import Ownership
from ._stubs import pb, pb_grpc
from .errors import EventLogError, error_from_rpc

__all__ = ["Committer", "PendingOffset"]

_log = logging.getLogger("eventlog")


class PendingOffset(NamedTuple):
    offset: int  # the next offset to consume
    since: int  # the Ownership sequence number the position was taken under (0: no group)
    metadata: str = ""


class Committer:
    """Sends a group's commits for one topic; see the module docstring."""

    def __init__(
        self,
        stub: pb_grpc.EventLogStub,
        group: str,
        topic: str,
        ownership: Optional[Ownership],
        timeout: float,
    ) -> None:
        self._stub = stub
        self._group = group
        self._topic = topic
        self._ownership = ownership
        self._timeout = timeout
        self._cond = threading.Condition()
        self._pending: Dict[int, PendingOffset] = {}  # guarded by _cond
        self._waiters: "List[futures.Future[Dict[int, int]]]" = []  # guarded by _cond; resolved by the next send
        self._deferred: Dict[int, PendingOffset] = {}  # guarded by _cond; refused during a rebalance
        self._fenced_seq = -1  # guarded by _cond; the broker refused this assignment's generation
        self._committed: Dict[int, int] = {}  # guarded by _cond; what this consumer committed last
        self._thread: Optional[threading.Thread] = None  # guarded by _cond
        self._busy = False  # guarded by _cond
        self._closed = False  # guarded by _cond
        self._batched = True  # CommitOffsets is available (only the committer thread writes it)
        if ownership is not None:
            ownership.on_update(self._on_assignment)

    def submit(self, offsets: Dict[int, PendingOffset]) -> "futures.Future[Dict[int, int]]":
        """Queues `offsets`; the future resolves to {partition: offset} as
        committed by the call that carried them (deferred or dropped
        partitions absent), or fails with the broker's EventLogError."""
        with self._cond:
            if self._closed:
                closed: "futures.Future[Dict[int, int]]" = futures.Future()
                closed.set_exception(RuntimeError("the consumer is closed"))
                return closed
            self._pending.update(offsets)
            # Commits queued together travel in one call: they share its future
            # (a Future per commit would cost more than the commit itself).
            if not self._waiters:
                shared: "futures.Future[Dict[int, int]]" = futures.Future()
                # Running from the start: one caller's cancel() must not take
                # the commit away from the others sharing it.
                shared.set_running_or_notify_cancel()
                self._waiters.append(shared)
                self._ensure_thread()
                self._cond.notify_all()
            return self._waiters[0]

    def committed(self, partition: int) -> Optional[int]:
        """The offset this consumer last committed for `partition`."""
        with self._cond:
            return self._committed.get(partition)

    def forget(self, partitions: Iterable[int]) -> None:
        """Drops what is queued for revoked partitions, with a log line."""
        with self._cond:
            dropped = {}
            for p in partitions:
                self._committed.pop(p, None)
                for queue in (self._pending, self._deferred):
                    entry = queue.pop(p, None)
                    if entry is not None:
                        dropped[p] = entry.offset
        if dropped:
            _log.info(
                "eventlog: %s/%s: commit of %s dropped: the partitions were revoked (their new owner resumes "
                "from the group's committed offsets)",
                self._group,
                self._topic,
                dropped,
            )

    def close(self, timeout: Optional[float] = None) -> None:
        """Stops after sending what is queued."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # --- the committer thread -------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="eventlog-committer", daemon=True)
            self._thread.start()

    def _on_assignment(self) -> None:
        with self._cond:
            if self._deferred:
                for p, entry in self._deferred.items():
                    self._pending.setdefault(p, entry)
                self._deferred.clear()
                self._ensure_thread()
                self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._waiters or self._closed)
                if not self._pending and not self._waiters:
                    return  # closed and drained
                batch, self._pending = self._pending, {}
                waiters, self._waiters = self._waiters, []
            try:
                result = self._commit(batch)
            except EventLogError as e:
                for waiter in waiters:
                    waiter.set_exception(e)
                continue
            except Exception as e:  # noqa: BLE001 - a bug here must not leave waiters hanging
                _log.exception("eventlog: committer failed")
                for waiter in waiters:
                    waiter.set_exception(e)
                continue
            for waiter in waiters:
                waiter.set_result(dict(result))

    def _commit(self, batch: Dict[int, PendingOffset]) -> Dict[int, int]:
        if not batch:  # a commit() with no new position: nothing to send
            return {}
        if self._ownership is None:
            self._send(batch, "", 0)
            return self._record(batch)
        while True:
            seq, assignment, since = self._ownership.snapshot()
            keep = {p: e for p, e in batch.items() if since.get(p) == e.since}
            dropped = {p: e.offset for p, e in batch.items() if p not in keep}
            if dropped:
                _log.info(
                    "eventlog: %s/%s: commit of %s dropped: this member no longer owns those partitions "
                    "(or lost them in between), and their new owner may have committed further",
                    self._group,
                    self._topic,
                    dropped,
                )
            if not keep or assignment is None:
                return {}
            with self._cond:
                fenced = self._fenced_seq == seq
            if not fenced:
                try:
                    self._send(keep, assignment.member_id, assignment.generation)
                    return self._record(keep)
                except EventLogError as e:
                    if e.code != grpc.StatusCode.FAILED_PRECONDITION:
                        raise
                    if self._ownership.wait_newer(seq, 0):
                        batch = keep
                        continue  # a newer assignment arrived meanwhile: filter again
                    _log.info(
                        "eventlog: %s/%s: commit of %s deferred until the next assignment: %s",
                        self._group,
                        self._topic,
                        {p: e.offset for p, e in keep.items()},
                        e.message,
                    )
            with self._cond:
                if self._ownership.snapshot()[0] == seq:
                    self._fenced_seq = seq
                    for p, entry in keep.items():
                        self._deferred[p] = entry
                    return {}
            batch = keep  # the next assignment came in between: try again

    def _record(self, sent: Dict[int, PendingOffset]) -> Dict[int, int]:
        offsets = {p: e.offset for p, e in sent.items()}
        with self._cond:
            self._committed.update(offsets)
        return offsets

    def _send(self, offsets: Dict[int, PendingOffset], member_id: str, generation: int) -> None:
        """One CommitOffsets call (or one CommitOffset per partition on a broker
        without it); raises EventLogError."""
        if self._batched:
            request = pb.CommitOffsetsRequest(
                group=self._group,
                topic=self._topic,
                generation=generation,
                member_id=member_id,
                offsets=[pb.CommittedOffset(partition=p, offset=e.offset, metadata=e.metadata) for p, e in sorted(offsets.items())],
            )
            try:
                self._stub.CommitOffsets(request, timeout=self._timeout)
                return
            except grpc.RpcError as rpc_error:
                error = error_from_rpc(rpc_error)
                if error.code != grpc.StatusCode.UNIMPLEMENTED:
                    raise error from None
                self._batched = False
        calls: List[Tuple[int, grpc.Future]] = []
        for p, e in sorted(offsets.items()):
            request = pb.CommitOffsetRequest(
                group=self._group,
                topic=self._topic,
                partition=p,
                offset=e.offset,
                metadata=e.metadata,
                generation=generation,
                member_id=member_id,
            )
            calls.append((p, self._stub.CommitOffset.future(request, timeout=self._timeout)))
        first: Optional[EventLogError] = None
        for p, call in calls:
            try:
                call.result()
            except grpc.RpcError as rpc_error:
                first = first or error_from_rpc(rpc_error)
        if first is not None:
            raise first
