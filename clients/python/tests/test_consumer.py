"""Consumer against a real broker: start positions, live records, seek,
commits, reconnection and errors."""

import grpc
import pytest
from broker import retry_unavailable

from eventlog import (
    Admin,
    Consumer,
    NotFoundError,
    OutOfRangeError,
    Producer,
    Start,
)


def produce(target, topic, values, partition=0):
    with Producer(target) as producer:
        futures = [producer.send(topic, v, partition=partition, timestamp_ms=1000 + i) for i, v in enumerate(values)]
        return [f.result(timeout=30).offset for f in futures]


def take(consumer, count, timeout=30):
    """The next `count` records; fails instead of hanging if they do not come."""
    out = []
    while len(out) < count:
        record = consumer.poll(timeout=timeout)
        assert record is not None, f"got {len(out)} of {count} records"
        out.append(record)
    return out


def values(records):
    return [r.value for r in records]


def test_start_positions(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    produce(target, topic_name, [b"a", b"b", b"c", b"d"])
    with Consumer(target, topic_name, partitions=[0], start=Start.EARLIEST) as c:
        assert values(take(c, 4)) == [b"a", b"b", b"c", b"d"]
    with Consumer(target, topic_name, partitions=[0], start=Start.offset(2)) as c:
        assert [(r.offset, r.value) for r in take(c, 2)] == [(2, b"c"), (3, b"d")]
    with Consumer(target, topic_name, start=Start.timestamp(1001)) as c:
        assert values(take(c, 3)) == [b"b", b"c", b"d"]
    with Consumer(target, topic_name, start=Start.LATEST) as c:
        # The subscription starts at some point after the call; keep producing
        # until a record arrives: it must be a new one, never a..d.
        record = None
        for i in range(20):
            produce(target, topic_name, [f"e{i}".encode()])
            record = c.poll(timeout=1)
            if record is not None:
                break
        assert record is not None and record.offset >= 4 and record.value.startswith(b"e")
        assert c.position(0) == record.offset + 1


def test_iteration_is_a_generator(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    produce(target, topic_name, [b"a", b"b", b"c"])
    with Consumer(target, topic_name, start=Start.EARLIEST) as c:
        seen = []
        for record in c:
            seen.append(record.value)
            if len(seen) == 3:
                break
        assert seen == [b"a", b"b", b"c"]
        produce(target, topic_name, [b"d"])
        assert next(iter(c)).value == b"d"  # a new iterator resumes after the break


def test_poll_iteration_and_seek_share_one_position_across_batches(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    produce(target, topic_name, [f"{i}".encode() for i in range(20)])
    # Batches of 3 records, so that every step below crosses batch boundaries.
    with Consumer(target, topic_name, partitions=[0], start=Start.EARLIEST, max_batch_records=3) as c:
        it = iter(c)
        got = [next(it).value for _ in range(2)]  # inside the first batch
        got += values(take(c, 3))  # poll() goes on from there, into the middle of the second batch
        assert c.position(0) == 5
        got += [next(it).value for _ in range(5)]  # the suspended iteration resumes where poll() stopped
        assert got == [f"{i}".encode() for i in range(10)]
        assert c.position(0) == 10
        c.seek(0, 15)  # inside a batch: the iteration must leave it
        assert next(it).value == b"15"
        assert c.poll(timeout=30).value == b"16"
        c.seek(0, 1)
        assert c.position(0) == 1
        assert [next(it).value for _ in range(3)] == [b"1", b"2", b"3"]
        assert c.position(0) == 4


def test_live_records_arrive_on_every_partition(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=3)
    with Consumer(target, topic_name, start=Start.EARLIEST) as c:
        assert c.assignment.partitions == [0, 1, 2]
        assert c.assignment.generation == 0
        for p in range(3):
            produce(target, topic_name, [f"p{p}".encode()], partition=p)
        got = take(c, 3)
    assert sorted((r.partition, r.value) for r in got) == [(0, b"p0"), (1, b"p1"), (2, b"p2")]


def test_seek(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=2)
    produce(target, topic_name, [f"{i}".encode() for i in range(10)], partition=1)
    with Consumer(target, topic_name, partitions=[1], start=Start.EARLIEST) as c:
        assert values(take(c, 3)) == [b"0", b"1", b"2"]
        c.seek(1, 8)
        assert c.position(1) == 8
        assert values(take(c, 2)) == [b"8", b"9"]
        c.seek(1, 1)
        assert values(take(c, 2)) == [b"1", b"2"]
        with pytest.raises(ValueError):
            c.seek(0, 0)  # not a partition of this consumer


def test_commit_and_resume_from_committed(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=2)
    group = topic_name + "-g"
    produce(target, topic_name, [b"a0", b"a1", b"a2"], partition=0)
    produce(target, topic_name, [b"b0", b"b1"], partition=1)
    with Consumer(target, topic_name, group=group, partitions=[0, 1], start=Start.EARLIEST) as c:
        assert c.committed() == {}
        got = take(c, 5)
        done = {}
        for r in got:
            done[r.partition] = r.offset + 1
        assert c.commit() == done == {0: 3, 1: 2}
        assert c.committed() == {0: 3, 1: 2}
        c.commit({0: 1})
        assert c.committed([0]) == {0: 1}
    assert {p: o.offset for p, o in admin.fetch_committed_offsets(group, topic_name).items()} == {0: 1, 1: 2}

    produce(target, topic_name, [b"b2"], partition=1)
    with Consumer(target, topic_name, group=group, partitions="all", start=Start.COMMITTED) as c:
        got = sorted((r.partition, r.value) for r in take(c, 3))
    assert got == [(0, b"a1"), (0, b"a2"), (1, b"b2")]


def test_committed_falls_back_to_reset_to(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    produce(target, topic_name, [b"old"])
    group = topic_name + "-g"
    with Consumer(target, topic_name, group=group, partitions=[0], start=Start.COMMITTED, reset_to="earliest") as c:
        assert values(take(c, 1)) == [b"old"]
    with Consumer(target, topic_name, group=group, partitions=[0], start=Start.COMMITTED) as c:
        assert c.poll(timeout=0.3) is None  # reset_to latest: skips "old"


def test_auto_commit_on_close(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    produce(target, topic_name, [b"a", b"b", b"c"])
    group = topic_name + "-g"
    with Consumer(target, topic_name, group=group, partitions=[0], start=Start.EARLIEST, auto_commit=True) as c:
        take(c, 2)
    assert admin.fetch_committed_offsets(group, topic_name)[0].offset == 2


def test_commit_requires_a_group(admin, target, topic_name):
    admin.create_topic(topic_name)
    with Consumer(target, topic_name) as c:
        with pytest.raises(ValueError):
            c.commit()
    with pytest.raises(ValueError):
        Consumer(target, topic_name, auto_commit=True)


def test_unknown_topic_is_not_found(target, topic_name):
    with pytest.raises(NotFoundError) as err:
        Consumer(target, topic_name + "-missing")
    assert err.value.code == grpc.StatusCode.NOT_FOUND
    with Admin(target) as admin:
        admin.create_topic(topic_name, partitions=1)
    with Consumer(target, topic_name, partitions=[4]) as c:  # no such partition
        with pytest.raises(NotFoundError):
            c.poll(timeout=30)


def test_offset_out_of_range(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    produce(target, topic_name, [b"a"])
    with Consumer(target, topic_name, partitions=[0], start=Start.offset(50)) as c:
        with pytest.raises(OutOfRangeError) as err:
            c.poll(timeout=30)
    assert err.value.code == grpc.StatusCode.OUT_OF_RANGE


def test_deleted_topic_ends_iteration_with_not_found(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    produce(target, topic_name, [b"a"])
    with Consumer(target, topic_name, start=Start.EARLIEST) as c:
        assert values(take(c, 1)) == [b"a"]
        admin.delete_topic(topic_name)
        with pytest.raises(NotFoundError):
            take(c, 1)


def test_close_from_another_thread_ends_iteration(admin, target, topic_name):
    import threading

    admin.create_topic(topic_name)
    c = Consumer(target, topic_name)
    threading.Timer(0.2, c.close).start()
    assert list(c) == []


def test_reconnects_after_broker_restart(own_broker, topic_name):
    with Admin(own_broker.target) as admin:
        admin.create_topic(topic_name, partitions=2)
    produce(own_broker.target, topic_name, [b"a", b"b"], partition=0)
    with Consumer(own_broker.target, topic_name, start=Start.EARLIEST, reconnect_backoff=(0.05, 0.5)) as c:
        assert values(take(c, 2)) == [b"a", b"b"]
        own_broker.restart()
        retry_unavailable(lambda: produce(own_broker.target, topic_name, [b"c"], partition=0))
        produce(own_broker.target, topic_name, [b"x"], partition=1)
        got = sorted((r.partition, r.offset, r.value) for r in take(c, 2))
    # Resumed from the next offset of each partition: nothing lost or repeated.
    assert got == [(0, 2, b"c"), (1, 0, b"x")]
