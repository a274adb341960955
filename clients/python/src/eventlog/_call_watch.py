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
    stub: pb_grpc.EventLogStub,
    topic: str,
    keep_waiting: Callable[[], bool],
    timeout: float = float("inf"),
    report: Optional[Callable[[EventLogError], None]] = None,
) -> Optional[EventLogError]:
    """Waits until the broker answers DescribeTopic(topic): None then, the
    broker's error if it is not about reaching it (e.g. NotFoundError), or
    UnavailableError naming the cause once `timeout` seconds pass or
    keep_waiting() turns false.

    It waits with wait_for_ready calls of up to a second. Those end with a
    bare DEADLINE_EXCEEDED, so after each one a fail-fast probe asks gRPC why
    the broker cannot be reached (connection refused, DNS resolution failed,
    no HTTP/2 handshake within the channel's connect timeout); report()
    hears of each new cause as soon as it is seen. (Waiting with fail-fast
    calls alone delays gRPC's reconnection by seconds once the broker is
    back; the channel connectivity API's polling thread raises if the
    channel is closed soon after.)
    """
    deadline = time.monotonic() + timeout
    cause = ""
    request = pb.DescribeTopicRequest(name=topic)
    while keep_waiting():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            stub.DescribeTopic(request, timeout=min(1.0, remaining), wait_for_ready=True)
            return None
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.CANCELLED:
                time.sleep(0.1)  # a broker shutting down answers so; do not spin
            elif e.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                return error_from_rpc(e)
        seen = _probe(stub, request)
        if seen is not None and seen != cause:
            cause = seen
            if report is not None:
                report(UnavailableError(grpc.StatusCode.UNAVAILABLE, f"cannot reach the broker: {cause}"))
    return UnavailableError(
        grpc.StatusCode.UNAVAILABLE,
        f"no connection to the broker within {timeout:g} s: {cause or 'the broker did not answer'}",
    )


def _probe(stub: pb_grpc.EventLogStub, request: pb.DescribeTopicRequest) -> Optional[str]:
    """Why the broker cannot be reached, as gRPC says: the message of a
    fail-fast call; None while a connection attempt is still under way."""
    try:
        stub.DescribeTopic(request, timeout=0.05)
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.UNAVAILABLE:
            return str(e.details() or "unavailable")
    return None
