"""Ownership: which partitions a group member owns, and since when.

The reader of a group stream records every Assignment here as it arrives.
Each one gets a local sequence number; a partition's "since" is the sequence
number of the assignment from which the member has owned it without a break
(a new member id, after a reconnect, starts every partition afresh). A
position taken while a partition was owned since S may be committed only
while the partition is still owned since S: if it was revoked in between,
even if it came back, another member may have committed further, and the
old position would move the group's offset backwards.

Thread-safe (one lock); wait_newer() lets a committer wait for the next
assignment.
"""

from __future__ import annotations

import threading
from typing import Callable, Dict, List, Optional, Tuple

from .model import Assignment

__all__ = ["Ownership"]


class Ownership:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._seq = 0  # guarded by _cond
        self._assignment: Optional[Assignment] = None  # guarded by _cond
        self._since: Dict[int, int] = {}  # guarded by _cond
        self._listeners: List[Callable[[], None]] = []  # guarded by _cond

    def update(self, member_id: str, generation: int, partitions: List[int]) -> int:
        """Records an assignment; returns its sequence number."""
        with self._cond:
            self._seq += 1
            same_member = self._assignment is not None and self._assignment.member_id == member_id
            since = {}
            for p in partitions:
                kept = self._since.get(p) if same_member else None
                since[p] = kept if kept is not None else self._seq
            self._since = since
            self._assignment = Assignment(member_id, generation, sorted(partitions))
            self._cond.notify_all()
            listeners = list(self._listeners)
            seq = self._seq
        for listener in listeners:
            listener()
        return seq

    def on_update(self, listener: Callable[[], None]) -> None:
        """Calls listener() (in the updating thread) after every update."""
        with self._cond:
            self._listeners.append(listener)

    def since(self, partition: int) -> Optional[int]:
        """Since when `partition` has been owned, or None if it is not."""
        with self._cond:
            return self._since.get(partition)

    def snapshot(self) -> Tuple[int, Optional[Assignment], Dict[int, int]]:
        """(sequence number, latest assignment, partition -> since)."""
        with self._cond:
            return self._seq, self._assignment, dict(self._since)

    def wait_newer(self, seq: int, timeout: float) -> bool:
        """Waits up to `timeout` s for an assignment after `seq`."""
        with self._cond:
            return self._cond.wait_for(lambda: self._seq > seq, timeout)
