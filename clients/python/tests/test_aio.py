"""The asyncio client (eventlog.aio) against a real broker: the API shape of
the threaded client, with `async for` and awaited sends."""

from __future__ import annotations

import asyncio
import socket
from typing import Any, Awaitable, Callable, Dict, List, TypeVar

import pytest

from eventlog import AlreadyExistsError, InvalidArgumentError, RecordMetadata, Start, UnavailableError, aio, partition_for_key

T = TypeVar("T")


def run(coro: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(coro(), 60))


def test_admin_producer_and_explicit_consumer(target, topic_name):
    async def main() -> None:
        async with aio.Admin(target) as admin:
            await admin.create_topic(topic_name, partitions=3)
            with pytest.raises(AlreadyExistsError):
                await admin.create_topic(topic_name)
            assert len((await admin.create_topic(topic_name, if_not_exists=True)).partitions) == 3
            assert topic_name in [t.name for t in await admin.list_topics()]
        async with aio.Producer(target) as producer:
            future = await producer.send(topic_name, "v0", key="k0", headers={"h": "x"})
            meta = await future
            assert isinstance(meta, RecordMetadata) and meta.partition == partition_for_key(b"k0", 3)
            assert (await producer.send_and_wait(topic_name, b"v1", partition=2)).partition == 2
            futures = await producer.send_batch(topic_name, [f"b{i}" for i in range(10)], keys=[f"k{i}" for i in range(10)])
            metas = [await f for f in futures]
            assert [m.partition for m in metas] == [partition_for_key(f"k{i}".encode(), 3) for i in range(10)]
            with pytest.raises(TypeError):
                await producer.send(topic_name, 42)
        async with aio.Admin(target) as admin:
            ends = await admin.list_offsets(topic_name)
        assert sum(ends.values()) == 12
        got = []
        async with aio.Consumer(target, topic_name, partitions="all", start=Start.EARLIEST) as consumer:
            async for record in consumer:
                got.append(record)
                if len(got) == 12:
                    break
            assert await consumer.poll(timeout=0.2) is None
        assert sorted(r.value for r in got) == sorted([b"v0", b"v1"] + [f"b{i}".encode() for i in range(10)])
        assert [r.headers for r in got if r.value == b"v0"] == [[("h", b"x")]]

    run(main)


def test_admin_passes_the_replication_factor(target, topic_name):
    async def main() -> None:
        async with aio.Admin(target) as admin:
            created = await admin.create_topic(topic_name, replication_factor=1)
            assert [(p.leader, p.replicas, p.isr) for p in created.partitions] == [(0, [0], [0])]
            with pytest.raises(InvalidArgumentError, match="replication_factor is 3"):
                await admin.create_topic(topic_name + "-rf3", replication_factor=3)

    run(main)


def test_group_members_rebalance_with_async_callbacks_and_commits(target, topic_name):
    group = topic_name + "-g"

    async def main() -> None:
        async with aio.Admin(target) as admin:
            await admin.create_topic(topic_name, partitions=2)
        async with aio.Producer(target) as producer:
            for p in (0, 1):
                for i in range(10):
                    await producer.send(topic_name, f"p{p}-{i}", partition=p)
        events: List[tuple] = []

        async def on_assign(consumer: Any, partitions: List[int]) -> None:
            await asyncio.sleep(0)
            events.append(("assign", partitions))

        def on_revoke(consumer: Any, partitions: List[int]) -> None:
            events.append(("revoke", partitions))

        a = aio.Consumer(target, topic_name, group=group, reset_to="earliest", on_assign=on_assign, on_revoke=on_revoke)
        async with a:
            while a.position(0) != 10 or a.position(1) != 10:
                await a.poll(timeout=0.1)
            assert events == [("assign", [0, 1])]
            assert await a.commit() == {0: 10, 1: 10}
            async with aio.Consumer(target, topic_name, group=group, auto_commit=False) as b:
                while len(events) < 3 or b.assignment is None or len(b.assignment.partitions) != 1:
                    await asyncio.gather(a.poll(timeout=0.05), b.poll(timeout=0.05))
                (moved,) = b.assignment.partitions
                assert events[1:] == [("revoke", [moved]), ("assign", [])]
                assert await a.commit() == {1 - moved: 10}  # the revoked partition is left out
            while len(events) < 4:
                await a.poll(timeout=0.1)
            assert events[3] == ("assign", [moved])
            assert a.position(moved) is None  # its old position was dropped
        assert events[4:] == [("revoke", [0, 1])]
        async with aio.Admin(target) as admin:
            committed = await admin.fetch_committed_offsets(group, topic_name)
        assert {p: c.offset for p, c in committed.items()} == {0: 10, 1: 10}

    run(main)


def test_a_consumer_that_cannot_reach_the_broker_raises_the_cause():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"
    errors: List[Exception] = []

    async def main() -> None:
        async with aio.Consumer(closed, "orders", group="g", connect_timeout=1, on_error=errors.append) as consumer:
            with pytest.raises(UnavailableError) as err:
                await consumer.poll(timeout=30)
        assert "Connection refused" in err.value.message
        assert errors and "Connection refused" in str(errors[0])

    run(main)


def test_cancelling_one_commit_leaves_the_others_sharing_its_call(target, topic_name):
    group = topic_name + "-g"

    async def main() -> None:
        async with aio.Admin(target) as admin:
            await admin.create_topic(topic_name, partitions=1)
        async with aio.Producer(target) as producer:
            for i in range(20):
                await producer.send(topic_name, f"v{i}", partition=0)
        async with aio.Consumer(target, topic_name, group=group, reset_to="earliest", auto_commit=False) as c:
            pending = []
            for _ in range(20):
                assert await c.poll(timeout=30) is not None
                pending.append(c.commit_async())
            pending[-1].cancel()  # one caller gives up waiting
            results = await asyncio.gather(*pending[:-1])
            assert results[-1] == {0: 20}
            assert await c.commit() == {0: 20}
        async with aio.Admin(target) as admin:
            committed = await admin.fetch_committed_offsets(group, topic_name)
        assert committed[0].offset == 20

    run(main)
