"""Guards streaming calls against a hang in gRPC Python (seen with 1.51).

A streaming call that fails while it starts (the broker just went away) can
reach its final status while iterating it blocks forever: its pending receive
operations never complete. So streams are opened only once the broker answers
(wait_for_broker), and a CallWatch takes over when a call is done but its reader
has not returned shortly after; the stuck reader is then abandoned.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional

import grpc

from ._stubs import pb, pb_grpc
from .errors import EventLogError, UnavailableError, error_from_rpc

__all__ = ["CallWatch", "wait_for_broker"]

# How long a reader may take to notice that its call is done.
_STUCK_GRACE_SECONDS = 1.0


class CallWatch:
    """Exactly one of the reader (claim()) and the watchdog (on_stuck) handles
    the end of a call. Thread-safe."""

    def __init__(
        self,
        call: grpc.Call,
        on_stuck: "Callable[[grpc.Call, CallWatch], None]",
        grace: float = _STUCK_GRACE_SECONDS,
    ) -> None:
        self._lock = threading.Lock()
        self._grace = grace
        self.timer: Optional[threading.Timer] = None  # started once the call is done
        self._claimed = False  # guarded by _lock
        self._on_stuck = on_stuck
        self.abandoned = False  # set once the watchdog took over
        self.reader = threading.current_thread()  # the thread expected to read the call
        call.add_done_callback(self._on_done)

    def claim(self) -> bool:
        """True for the first caller only: it handles the end of the call."""
        with self._lock:
            if self._claimed:
                return False
            self._claimed = True
            return True

    def _on_done(self, call: grpc.Call) -> None:
        self.timer = threading.Timer(self._grace, self._check, args=(call,))
        self.timer.daemon = True
        self.timer.start()

    def _check(self, call: grpc.Call) -> None:
        if self.claim():
            self.abandoned = True
            self._on_stuck(call, self)


def wait_for_broker(
    stub: pb_grpc.EventLogStub, topic: str, keep_waiting: Callable[[], bool], timeout: float = float("inf")
) -> Optional[EventLogError]:
    """Waits until the broker answers DescribeTopic(topic): None then, the
    broker's error if it is not about reaching it (e.g. NotFoundError), or
    UnavailableError once `timeout` seconds pass or keep_waiting() turns false.

    A unary call with wait_for_ready is used instead of the channel
    connectivity API, whose polling thread raises if the channel is closed
    soon after.
    """
    deadline = time.monotonic() + timeout
    while keep_waiting():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            stub.DescribeTopic(
                pb.DescribeTopicRequest(name=topic), timeout=min(1.0, remaining), wait_for_ready=True
            )
            return None
        except grpc.RpcError as e:
            if e.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
                time.sleep(0.1)  # a broker shutting down answers so; do not spin
            elif e.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                return error_from_rpc(e)
    return UnavailableError(grpc.StatusCode.UNAVAILABLE, f"no connection to the broker within {timeout} s")
