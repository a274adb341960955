"""Router for the asyncio producer: eventlog._router.Router's twin on
grpc.aio (a RouteTable kept fresh with awaited GetMetadata calls, and one
channel per broker address).

Use from one event loop.
"""

from __future__ import annotations

from typing import Dict, Optional

import grpc
import grpc.aio

from .._route_table import RouteTable
from .._stubs import _CHANNEL_OPTIONS, pb_grpc

__all__ = ["Router"]


class Router:
    """`bootstrap` is the channel GetMetadata is asked on; with `enabled`
    false (a channel the caller owns: its credentials cannot be copied),
    route() always answers None."""

    def __init__(self, bootstrap: grpc.aio.Channel, enabled: bool, timeout: float) -> None:
        self._stub = pb_grpc.EventLogStub(bootstrap)  # type: ignore[no-untyped-call]
        self._timeout = timeout
        self.table = RouteTable(enabled)
        self._channels: Dict[str, grpc.aio.Channel] = {}

    async def route(self, topic: str, partition: int) -> Optional[str]:
        """The partition leader's address, or None: use the bootstrap
        channel. Reads metadata first when a refresh is due."""
        request = self.table.begin(topic)
        if request is not None:
            try:
                self.table.applied(await self._stub.GetMetadata(request, timeout=self._timeout))
            except grpc.aio.AioRpcError as e:
                self.table.failed(e.code())
        return self.table.lookup(topic, partition)

    def channel(self, address: str) -> grpc.aio.Channel:
        """The channel to `address`: opened once, closed by close()."""
        channel = self._channels.get(address)
        if channel is None:
            channel = self._channels[address] = grpc.aio.insecure_channel(address, options=_CHANNEL_OPTIONS)
        return channel

    def invalidate(self, failed_address: Optional[str] = None) -> None:
        self.table.invalidate(failed_address)

    async def close(self) -> None:
        channels, self._channels = list(self._channels.values()), {}
        for channel in channels:
            await channel.close()
