"""Channels, unary calls and waiting for the broker, for the asyncio client.

The same channel options as the threaded client (_stubs.py: 5 s connect
attempts, 5 s reconnect backoff cap, 64 MiB messages), on grpc.aio.
wait_for_broker() is _call_watch.wait_for_broker's asyncio twin: it waits
with wait_for_ready calls of up to a second and probes fail-fast for gRPC's
reason after each (connection refused, DNS, no HTTP/2 handshake).

Use from one event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Optional, Tuple, Union

import grpc
import grpc.aio

from .._servers import channel_target
from .._stubs import _CHANNEL_OPTIONS, pb
from ..errors import EventLogError, UnavailableError, error_from_rpc

__all__ = ["AioTarget", "open_channel", "unary", "wait_for_broker"]

# "host:port", "host1:port1,host2:port2", or a grpc.aio.Channel the caller owns.
AioTarget = Union[str, grpc.aio.Channel]


def open_channel(target: AioTarget) -> Tuple[grpc.aio.Channel, bool]:
    """Returns (channel, owned): owned channels are closed by their user."""
    if isinstance(target, str):
        address, extra = channel_target(target)
        return grpc.aio.insecure_channel(address, options=_CHANNEL_OPTIONS + extra), True
    return target, False


async def unary(method: Any, request: Any, timeout: float, wait_for_ready: bool = False) -> Any:
    """Calls a unary RPC, raising EventLogError subclasses on failure."""
    try:
        return await method(request, timeout=timeout, wait_for_ready=wait_for_ready)
    except grpc.aio.AioRpcError as e:
        raise error_from_rpc(e) from None


async def wait_for_broker(
    stub: Any,
    topic: str,
    keep_waiting: Callable[[], bool],
    timeout: float = float("inf"),
    report: Optional[Callable[[EventLogError], None]] = None,
) -> Optional[EventLogError]:
    """None once the broker answers DescribeTopic(topic); its error if it is
    not about reaching it (e.g. NotFoundError); UnavailableError naming the
    cause after `timeout` s or once keep_waiting() turns false."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    cause = ""
    request = pb.DescribeTopicRequest(name=topic)
    while keep_waiting():
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        try:
            await stub.DescribeTopic(request, timeout=min(1.0, remaining), wait_for_ready=True)
            return None
        except grpc.aio.AioRpcError as e:
            if e.code() == grpc.StatusCode.CANCELLED:
                await asyncio.sleep(0.1)
            elif e.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                return error_from_rpc(e)
        seen = await _probe(stub, request)
        if seen is not None and seen != cause:
            cause = seen
            if report is not None:
                report(UnavailableError(grpc.StatusCode.UNAVAILABLE, f"cannot reach the broker: {cause}"))
    return UnavailableError(
        grpc.StatusCode.UNAVAILABLE,
        f"no connection to the broker within {timeout:g} s: {cause or 'the broker did not answer'}",
    )


async def _probe(stub: Any, request: Any) -> Optional[str]:
    try:
        await stub.DescribeTopic(request, timeout=0.05)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.UNAVAILABLE:
            return str(e.details() or "unavailable")
    return None
