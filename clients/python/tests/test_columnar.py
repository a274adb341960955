"""Columnar Subscribe batches (SubscribeRequest.columnar) from a real broker:
the same records as the row form and as produced, whatever their keys,
values and headers."""

import grpc

from eventlog import Consumer, Producer, Start
from eventlog._light import decode, records_of
from eventlog.v1 import eventlog_pb2 as pb

COUNT = 3000  # several batches of the broker's default size, and a batch spanning many records


def _expected(i):
    """Record i: keys None (stored as b"") and b"" alternate with real ones,
    every fifth value is empty, and some records after the first 1,000
    carry headers (so that batches with and without headers both come)."""
    key = None if i % 4 == 0 else b"" if i % 4 == 1 else f"k{i}".encode()
    value = b"" if i % 5 == 0 else bytes([i % 251]) * (i % 300 + 1)
    headers = [("h", str(i).encode()), ("h", b""), ("", b"x")][: i % 4] if i >= 1000 and i % 10 < 3 else []
    return key, value, headers


def _produce(target, topic):
    with Producer(target) as producer:
        for i in range(COUNT):
            key, value, headers = _expected(i)
            producer.send(topic, value, key=key, headers=headers or None, partition=0, timestamp_ms=1_000_000 + i)
        producer.flush()


def _subscribe(target, topic, columnar):
    """The raw responses of one Subscribe stream, until COUNT records came."""
    with grpc.insecure_channel(target) as channel:
        subscribe = channel.unary_stream(
            "/eventlog.v1.EventLog/Subscribe",
            request_serializer=pb.SubscribeRequest.SerializeToString,
            response_deserializer=decode,
        )
        request = pb.SubscribeRequest(
            topic=topic, start_from=pb.START_FROM_EARLIEST, columnar=columnar, max_batch_records=500
        )
        call = subscribe(request, timeout=60)
        responses, records = [], []
        for response in call:
            batch = records_of(topic, response)
            if batch:
                responses.append(response[0])
                records.extend(batch)
            if len(records) >= COUNT:
                call.cancel()
                break
        return responses, records


def test_columnar_batches_carry_the_same_records_as_rows(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    _produce(target, topic_name)
    column_batches, from_columns = _subscribe(target, topic_name, columnar=True)
    row_batches, from_rows = _subscribe(target, topic_name, columnar=False)
    # The broker sent each form as asked: otherwise this test would not check the decoder.
    assert column_batches and all(b.records.HasField("columns") and not b.records.records for b in column_batches)
    assert any(len(b.records.columns.offsets) >= 100 for b in column_batches)
    assert any(b.records.headerless for b in column_batches) and not all(b.records.headerless for b in column_batches)
    assert row_batches and all(not b.records.HasField("columns") for b in row_batches)
    assert from_columns == from_rows
    assert len(from_columns) == COUNT
    for i, record in enumerate(from_columns):
        key, value, headers = _expected(i)
        assert (record.topic, record.partition, record.offset) == (topic_name, 0, i)
        assert (record.key, record.value, record.headers, record.timestamp_ms) == (key or b"", value, headers, 1_000_000 + i)


def test_the_consumer_reads_columnar_batches(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    _produce(target, topic_name)
    with Consumer(target, topic_name, partitions=[0], start=Start.EARLIEST) as consumer:
        got = [consumer.poll(timeout=30) for _ in range(COUNT)]
    assert None not in got
    assert [(r.offset, r.key, r.value, r.headers, r.timestamp_ms) for r in got] == [
        (i, _expected(i)[0] or b"", _expected(i)[1], _expected(i)[2], 1_000_000 + i) for i in range(COUNT)
    ]
