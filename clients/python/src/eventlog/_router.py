"""Router: a RouteTable (see _route_table) kept fresh with blocking
GetMetadata calls, and one channel per broker address, for the threaded
producer. The asyncio twin is aio/_router.py.

Thread-safe. Metadata is read on the thread that asks for a route (a unary
call bounded by `timeout`); callers must not hold their locks meanwhile.
"""

from __future__ import annotations

import threading
from typing import Callable, Dict, Optional

import grpc

from ._route_table import RouteTable
from ._stubs import pb_grpc

__all__ = ["Router"]


class Router:
    """`bootstrap` is the channel GetMetadata is asked on; `make_channel`
    opens a channel to one broker's advertised address (None: routing off,
    route() always answers None)."""

    def __init__(
        self,
        bootstrap: grpc.Channel,
        make_channel: Optional[Callable[[str], grpc.Channel]],
        timeout: float,
    ) -> None:
        self._stub = pb_grpc.EventLogStub(bootstrap)  # type: ignore[no-untyped-call]
        self._make_channel = make_channel
        self._timeout = timeout
        self.table = RouteTable(make_channel is not None)
        self._lock = threading.Lock()
        self._channels: Dict[str, grpc.Channel] = {}  # guarded by _lock

    def route(self, topic: str, partition: int) -> Optional[str]:
        """The partition leader's address, or None: use the bootstrap
        channel. Reads metadata first when a refresh is due."""
        request = self.table.begin(topic)
        if request is not None:
            try:
                self.table.applied(self._stub.GetMetadata(request, timeout=self._timeout))
            except grpc.RpcError as e:
                self.table.failed(e.code())
        return self.table.lookup(topic, partition)

    def channel(self, address: str) -> grpc.Channel:
        """The channel to `address`: opened once, closed by close()."""
        assert self._make_channel is not None
        with self._lock:
            channel = self._channels.get(address)
            if channel is None:
                channel = self._channels[address] = self._make_channel(address)
            return channel

    def invalidate(self, failed_address: Optional[str] = None) -> None:
        self.table.invalidate(failed_address)

    def close(self) -> None:
        with self._lock:
            channels, self._channels = list(self._channels.values()), {}
        for channel in channels:
            channel.close()
