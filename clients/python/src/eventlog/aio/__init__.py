"""eventlog for asyncio, on grpc.aio: Admin, Producer and Consumer with the
API shape of the threaded client.

    import eventlog.aio

    async with eventlog.aio.Producer(target) as producer:
        await (await producer.send("orders", b"v"))   # or send_and_wait()
    async with eventlog.aio.Consumer(target, "orders", group="billing") as consumer:
        async for record in consumer:
            ...

Targets are "host:port", "a:7070,b:7070" or a grpc.aio.Channel the caller
owns. Errors, values (Record, RecordMetadata, ...), Start and Acks are
eventlog's.
"""

from .admin import Admin
from .consumer import Consumer, RebalanceCallback
from .producer import Producer, RecordFuture

__all__ = ["Admin", "Consumer", "Producer", "RebalanceCallback", "RecordFuture"]
