"""Imports the gRPC stubs generated at build time, and opens channels.

The stubs live in eventlog.v1, generated from protos/eventlog/v1/eventlog.proto
when the package is built (see build_backend/eventlog_build.py); they are
never committed.
"""

from __future__ import annotations

from typing import Any, Tuple, Union

import grpc

try:
    from eventlog.v1 import eventlog_pb2 as pb
    from eventlog.v1 import eventlog_pb2_grpc as pb_grpc
except ImportError as e:  # pragma: no cover - only when run from a raw checkout
    raise ImportError(
        "eventlog's gRPC stubs are missing: install the package "
        "(pip install ./clients/python) so that they are generated"
    ) from e

__all__ = ["CONNECT_ATTEMPT_MS", "pb", "pb_grpc", "Target", "open_channel", "unary"]

# "host:port", a bootstrap list "host1:port1,host2:port2" (see _servers), or
# a channel the caller owns and closes.
Target = Union[str, grpc.Channel]

# How long one connection attempt may take, TCP and HTTP/2 handshake
# included. gRPC core calls it grpc.min_reconnect_backoff_ms but uses it as
# the connect timeout (default 20 s): a port that accepts connections and
# never answers (not a broker, a hung host) then fails calls with
# UNAVAILABLE "connection attempt timed out before receiving SETTINGS
# frame" after 5 s instead of keeping them waiting until their deadline.
CONNECT_ATTEMPT_MS = 5000

# Records may be large: gRPC's default 4 MiB receive limit would reject big
# batches. Reconnect backoff is capped at 5 s (gRPC's default grows to 120 s)
# so that clients resume soon after a broker restart.
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 64 << 20),
    ("grpc.max_send_message_length", 64 << 20),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 5000),
    ("grpc.min_reconnect_backoff_ms", CONNECT_ATTEMPT_MS),
]


def open_channel(target: Target) -> Tuple[grpc.Channel, bool]:
    """Returns (channel, owned): owned channels are closed by their user."""
    if isinstance(target, str):
        from ._servers import channel_target

        address, extra = channel_target(target)
        return grpc.insecure_channel(address, options=_CHANNEL_OPTIONS + extra), True
    return target, False


def unary(method: Any, request: Any, timeout: float, wait_for_ready: bool = False) -> Any:
    """Calls a unary RPC, raising EventLogError subclasses on failure.
    wait_for_ready: wait (within timeout) for an unreachable broker instead of
    failing with UNAVAILABLE at once."""
    from .errors import error_from_rpc

    try:
        return method(request, timeout=timeout, wait_for_ready=wait_for_ready)
    except grpc.RpcError as e:
        raise error_from_rpc(e) from None
