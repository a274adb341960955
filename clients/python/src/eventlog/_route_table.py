"""RouteTable: partition leaders from GetMetadata, for producers that send
each partition's batches straight to its leader (as Kafka clients do)
instead of through the broker they reached, which would forward them
(docs/CLUSTER.md, "Forward or redirect"). It does no I/O: Router (threads)
and aio.Router (asyncio) ask GetMetadata when begin() says so and hand the
answer to applied() or failed().

Routing is an optimisation: every broker accepts every call, so whenever
the leader is not known (no metadata yet, a partition without a leader, a
broker whose channel just failed, a single broker, a broker too old for
GetMetadata) lookup() answers None and the caller uses its bootstrap
channel, exactly as without routing.

Metadata is read when a topic is not in it yet, and again (at most once per
`backoff` seconds) when it is older than `max_age` and after invalidate() (a
failed stream, an UNAVAILABLE answer): Kafka's metadata.max.age.ms and
retry.backoff.ms.

Thread-safe.
"""

from __future__ import annotations

import threading
import time
from typing import Dict, List, Optional, Set, Tuple

import grpc

from ._stubs import pb

__all__ = ["RouteTable"]

# How long an address whose stream or channel failed is not routed to
# (batches go through the bootstrap broker meanwhile, which forwards them
# or says why it cannot). Short: a restarted leader is used again soon, and
# a dead one is named by the metadata only until its lease expires.
DOWN_SECONDS = 1.0


class RouteTable:
    def __init__(self, enabled: bool, *, max_age: float = 30.0, backoff: float = 0.2) -> None:
        self._max_age = max_age
        self._backoff = backoff
        self._lock = threading.Lock()
        self._leaders: Dict[Tuple[str, int], str] = {}  # guarded by _lock; (topic, partition) -> address
        self._topics: Set[str] = set()  # guarded by _lock; the topics asked about
        self._read_at = -1e9  # guarded by _lock; monotonic time of the last answer
        self._tried_at = -1e9  # guarded by _lock; of the last request
        self._stale = False  # guarded by _lock
        self._down: Dict[str, float] = {}  # guarded by _lock; address -> monotonic time it may be used again
        self._enabled = enabled  # guarded by _lock; False for good after UNIMPLEMENTED
        self.refreshes = 0  # guarded by _lock; answers applied (for tests and logs)

    def begin(self, topic: str) -> Optional[pb.GetMetadataRequest]:
        """The GetMetadata request to send now before routing a batch of
        `topic`, or None (routing off, or no refresh due)."""
        with self._lock:
            if not self._enabled:
                return None
            now = time.monotonic()
            known = topic in self._topics
            due = not known or self._stale or now - self._read_at > self._max_age
            # A new topic is looked up at once: its first batches would
            # otherwise all be forwarded.
            if not due or (known and now - self._tried_at < self._backoff):
                return None
            self._topics.add(topic)
            self._tried_at = now
            return pb.GetMetadataRequest(topics=sorted(self._topics))

    def applied(self, response: pb.GetMetadataResponse) -> None:
        """Takes a GetMetadata answer."""
        leaders: Dict[Tuple[str, int], str] = {}
        # One broker leads everything, and the address it advertises may not
        # be the one this client reaches it at: keep to the latter.
        if len(response.brokers) > 1:
            addresses = {b.id: b.address for b in response.brokers}
            for topic in response.topics:
                for p in topic.partitions:
                    address = addresses.get(p.leader)
                    if address:
                        leaders[(topic.name, p.partition)] = address
        with self._lock:
            self._leaders = leaders
            self._read_at = time.monotonic()
            self._stale = False
            self.refreshes += 1

    def failed(self, code: grpc.StatusCode) -> None:
        """GetMetadata failed with `code`; the current routes stay."""
        with self._lock:
            if code == grpc.StatusCode.UNIMPLEMENTED:  # a broker older than GetMetadata
                self._enabled = False
                self._leaders = {}
            elif code == grpc.StatusCode.NOT_FOUND:
                self._topics = set()  # a topic was deleted: ask about the others

    def lookup(self, topic: str, partition: int) -> Optional[str]:
        """The leader's address, or None: use the bootstrap channel."""
        with self._lock:
            address = self._leaders.get((topic, partition))
            if address is None or self._down.get(address, 0.0) > time.monotonic():
                return None
            return address

    def invalidate(self, failed_address: Optional[str] = None) -> None:
        """Reads metadata again before the next batch; when a broker's stream
        or channel failed, routes nothing there for DOWN_SECONDS."""
        with self._lock:
            self._stale = True
            if failed_address is not None:
                self._down[failed_address] = time.monotonic() + DOWN_SECONDS
