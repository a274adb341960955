"""Producer against a real broker: round trip, routing, batching, flush/close."""

import threading

import grpc
import pytest
from broker import retry_unavailable

from eventlog import Acks, Consumer, NotFoundError, Producer, RecordFuture, Start, partition_for_key
from eventlog.v1 import eventlog_pb2 as pb
from eventlog.v1 import eventlog_pb2_grpc as pb_grpc


def read(target, topic, count, partitions="all"):
    """The first `count` records of `topic`, read from the earliest offset."""
    out = []
    with Consumer(target, topic, partitions=partitions, start=Start.EARLIEST) as consumer:
        while len(out) < count:
            record = consumer.poll(timeout=20)
            assert record is not None, f"only {len(out)} of {count} records arrived"
            out.append(record)
    return out


def test_round_trip_with_keys_and_headers(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=3)
    sent = [
        (b"k1", b"v1", [("h", b"1"), ("h", b"2")]),  # repeated header keys keep their order
        (b"k2", b"", [("empty-value", b"")]),
        (b"k1", "text value", {"trace": "abc"}),
        (None, b"no key", None),
    ]
    with Producer(target) as producer:
        futures = [producer.send(topic_name, v, key=k, headers=h, timestamp_ms=1234) for k, v, h in sent]
        metas = [f.result(timeout=30) for f in futures]

    records = {(r.partition, r.offset): r for r in read(target, topic_name, len(sent))}
    for (key, value, headers), meta in zip(sent, metas):
        r = records[(meta.partition, meta.offset)]
        assert r.topic == topic_name
        assert r.key == (key or b"")
        assert r.value == (value.encode() if isinstance(value, str) else value)
        want = list(headers.items()) if isinstance(headers, dict) else (headers or [])
        assert r.headers == [(k, v.encode() if isinstance(v, str) else v) for k, v in want]
        assert r.timestamp_ms == 1234
    # Same key, same partition, in order.
    assert metas[0].partition == metas[2].partition
    assert metas[2].offset > metas[0].offset


def test_keyed_routing_is_kafka_murmur2(admin, target, topic_name):
    partitions = 7
    admin.create_topic(topic_name, partitions=partitions)
    keys = [b"21", b"foobar", b"abc"] + [f"key-{i}".encode() for i in range(40)]
    expected = {k: partition_for_key(k, partitions) for k in keys}
    assert expected[b"21"] == (-973932308 & 0x7FFFFFFF) % partitions
    assert expected[b"foobar"] == (-790332482 & 0x7FFFFFFF) % partitions
    assert expected[b"abc"] == (479470107 & 0x7FFFFFFF) % partitions

    # The broker's own routing (no partition in the request) ...
    with grpc.insecure_channel(target) as channel:
        stub = pb_grpc.EventLogStub(channel)
        for key in keys:
            resp = stub.Produce(pb.ProduceRequest(topic=topic_name, records=[pb.Record(key=key, value=b"x")]))
            assert [a.partition for a in resp.appends] == [expected[key]], key
    # ... and the producer's agree with Kafka's partitioner.
    with Producer(target) as producer:
        futures = {k: producer.send(topic_name, b"y", key=k) for k in keys}
        assert {k: f.result().partition for k, f in futures.items()} == expected


def test_batches_keep_order_and_offsets_are_consecutive(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    with Producer(target, batch_records=7, linger=0.05, max_in_flight=3) as producer:
        futures = [producer.send(topic_name, f"{i}") for i in range(100)]
        producer.flush()
        assert all(f.done() for f in futures)
        assert [f.result().offset for f in futures] == list(range(100))
    assert [r.value for r in read(target, topic_name, 100)] == [f"{i}".encode() for i in range(100)]


def test_batch_bytes_limit_and_large_records(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    big = b"x" * 50_000
    with Producer(target, batch_bytes=120_000, linger=1.0) as producer:
        futures = [producer.send(topic_name, big) for _ in range(10)]
        producer.flush(timeout=60)
        assert [f.result().offset for f in futures] == list(range(10))


def test_keyless_records_spread_over_partitions(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=3)
    with Producer(target, batch_records=5) as producer:
        futures = [producer.send(topic_name, b"x") for _ in range(30)]
        partitions = {f.result().partition for f in futures}
    assert partitions == {0, 1, 2}


def test_explicit_partition_and_acks_leader(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=4)
    with Producer(target, acks=Acks.LEADER) as producer:
        metas = [producer.send(topic_name, b"x", key=b"any", partition=2).result() for _ in range(3)]
    assert [(m.partition, m.offset) for m in metas] == [(2, 0), (2, 1), (2, 2)]
    with Producer(target, acks="all") as producer:
        assert producer.send(topic_name, b"x", partition=2).result().offset == 3


def test_record_futures_behave_like_futures(admin, target, topic_name):
    admin.create_topic(topic_name)
    called = []
    done = threading.Event()
    with Producer(target, linger=10.0) as producer:
        futures = [producer.send(topic_name, f"{i}") for i in range(3)]
        assert not futures[0].done() and futures[0].running() and not futures[0].cancel()
        futures[2].add_done_callback(lambda f: (called.append(f.result().offset), done.set()))
        producer.flush()
        assert [f.result(timeout=0).offset for f in futures] == [0, 1, 2]
        assert all(f.done() and f.exception() is None and not f.cancelled() for f in futures)
        assert done.wait(30) and called == [2]
        late = []
        futures[0].add_done_callback(lambda f: late.append(f))  # already done: called at once
        assert late == [futures[0]]
        failed = producer.send(topic_name + "-missing", b"x")
        assert isinstance(failed.exception(timeout=30), NotFoundError)


def test_unknown_topic_and_partition_fail_the_future(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=2)
    with Producer(target) as producer:
        missing = producer.send(topic_name + "-missing", b"x")
        with pytest.raises(NotFoundError) as err:
            missing.result(timeout=30)
        assert err.value.code == grpc.StatusCode.NOT_FOUND
        bad_partition = producer.send(topic_name, b"x", partition=5)
        with pytest.raises(NotFoundError):
            bad_partition.result(timeout=30)
        # The stream survives a failed request.
        assert producer.send(topic_name, b"ok", partition=1).result(timeout=30).offset == 0


def test_close_sends_pending_records_and_refuses_new_ones(admin, target, topic_name):
    admin.create_topic(topic_name)
    producer = Producer(target, linger=10.0)  # nothing leaves before close
    futures = [producer.send(topic_name, f"{i}") for i in range(5)]
    assert all(isinstance(f, RecordFuture) for f in futures)
    producer.close()
    assert [f.result(timeout=0) for f in futures][-1].offset == 4
    with pytest.raises(RuntimeError):
        producer.send(topic_name, b"late")
    producer.close()  # idempotent


def test_records_fail_when_the_broker_goes_away(admin, own_broker, topic_name):
    from eventlog import Admin, EventLogError

    with Admin(own_broker.target) as own_admin:
        own_admin.create_topic(topic_name)
    producer = Producer(own_broker.target, connect_timeout=0.5)
    try:
        assert producer.send(topic_name, b"before").result(timeout=30).offset == 0
        own_broker.stop()
        with pytest.raises(EventLogError) as err:
            producer.send(topic_name, b"during").result(timeout=30)
        assert err.value.code == grpc.StatusCode.UNAVAILABLE
        own_broker.start(port=own_broker.port)
        # The next batch opens a new stream once the channel has reconnected.
        meta = retry_unavailable(lambda: producer.send(topic_name, b"after").result(timeout=30))
        assert meta.offset == 1
    finally:
        producer.close()


def test_sends_wait_for_a_broker_that_is_starting(own_broker, topic_name):
    from eventlog import Admin

    with Admin(own_broker.target) as admin:
        admin.create_topic(topic_name, partitions=2)
    own_broker.stop()
    # No stream yet, broker down: the sends wait for it instead of failing.
    with Producer(own_broker.target, connect_timeout=60, timeout=60) as producer:
        explicit = producer.send(topic_name, b"explicit", partition=1)
        import threading

        keyed_box = []
        sender = threading.Thread(target=lambda: keyed_box.append(producer.send(topic_name, b"keyed", key=b"k")))
        sender.start()  # blocks in the partition-count lookup until the broker is back
        own_broker.start(port=own_broker.port)
        sender.join(60)
        keyed = keyed_box[0].result(timeout=60)
        assert keyed.partition == partition_for_key(b"k", 2)
        assert explicit.result(timeout=60).partition == 1


@pytest.mark.parametrize("value", [42, 4.2, ["a"], {"a": 1}, object()])
def test_values_and_keys_of_other_types_are_a_type_error(admin, target, topic_name, value):
    # bytes(42) would store 42 zero bytes: refuse instead.
    admin.create_topic(topic_name)
    with Producer(target) as producer:
        with pytest.raises(TypeError, match="bytes, str or None"):
            producer.send(topic_name, value)
        with pytest.raises(TypeError, match="key must be bytes, str or None"):
            producer.send(topic_name, b"v", key=value)
        with pytest.raises(TypeError, match="header value"):
            producer.send(topic_name, b"v", headers={"h": value})
        with pytest.raises(TypeError):
            producer.send_batch(topic_name, [b"ok", value])
        assert producer.send(topic_name, bytearray(b"ba")).result(timeout=30).offset == 0
    assert [r.value for r in read(target, topic_name, 1)] == [b"ba"]


def test_serializers_turn_objects_into_bytes(admin, target, topic_name):
    import json

    admin.create_topic(topic_name, partitions=2)
    with Producer(
        target, value_serializer=lambda v: json.dumps(v).encode(), key_serializer=lambda k: str(k)
    ) as producer:
        meta = producer.send(topic_name, {"n": 1}, key=7).result(timeout=30)
    assert meta.partition == partition_for_key(b"7", 2)
    (record,) = read(target, topic_name, 1)
    assert (record.key, record.value) == (b"7", b'{"n": 1}')


def test_send_batch_keeps_order_and_routes_by_key(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=3)
    with Producer(target) as producer:
        futures = producer.send_batch(topic_name, [f"v{i}" for i in range(20)], keys=[f"k{i % 4}" for i in range(20)])
        metas = [f.result(timeout=30) for f in futures]
        with pytest.raises(ValueError):
            producer.send_batch(topic_name, [b"a", b"b"], keys=[b"k"])
        keyless = [f.result(timeout=30) for f in producer.send_batch(topic_name, [b"x", b"y"], partition=1)]
    assert [m.partition for m in metas] == [partition_for_key(f"k{i % 4}".encode(), 3) for i in range(20)]
    for p in range(3):
        offsets = [m.offset for m in metas if m.partition == p]
        assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
    assert [m.partition for m in keyless] == [1, 1] and keyless[1].offset == keyless[0].offset + 1


def test_a_producer_left_open_at_exit_sends_its_records_and_warns(admin, target, topic_name, tmp_path):
    import subprocess
    import sys

    admin.create_topic(topic_name)
    script = tmp_path / "left_open.py"
    script.write_text(
        "import sys\n"
        "from eventlog import Producer\n"
        "producer = Producer(sys.argv[1], linger=30)  # nothing would be sent before exit\n"
        "for i in range(100):\n"
        "    producer.send(sys.argv[2], f'r{i}')\n"
    )
    result = subprocess.run(
        [sys.executable, str(script), target, topic_name], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "still open at exit" in result.stderr
    assert [r.value for r in read(target, topic_name, 100)] == [f"r{i}".encode() for i in range(100)]
