"""The consumer's light decoding of SubscribeResponse (_light.py) gives the
same records and assignments as the generated classes."""

import pytest

from eventlog._light import assignment_of, decode, records_of
from eventlog.model import records_from_pb
from eventlog.v1 import eventlog_pb2 as pb


def test_records_with_and_without_headers_match_the_generated_classes():
    records = [
        pb.Record(key=b"k", value=b"v", offset=7, timestamp_ms=1),
        pb.Record(value=b"", offset=8, headers=[pb.Header(key="a", value=b"1"), pb.Header(key="a", value=b"2")]),
        pb.Record(offset=9, headers=[pb.Header(key="x", value=b"y"), pb.Header()]),  # an empty last header counts
        pb.Record(offset=10, timestamp_ms=-5, headers=[pb.Header()]),
        pb.Record(offset=2**40, value=b"\x00" * 300),
    ]
    batch = pb.RecordBatch(partition=3, records=records, high_watermark=99)
    data = pb.SubscribeResponse(records=batch).SerializeToString()
    assert records_of("t", decode(data)) == records_from_pb("t", batch)
    assert assignment_of(decode(data)) is None


def test_assignments_and_empty_batches():
    a = pb.Assignment(member_id="m-1", generation=4, partitions=[0, 2])
    message = decode(pb.SubscribeResponse(assignment=a).SerializeToString())
    assert records_of("t", message) is None
    assert assignment_of(message) == a
    empty = decode(pb.SubscribeResponse(records=pb.RecordBatch(partition=1)).SerializeToString())
    assert records_of("t", empty) == []


def test_a_batch_marked_headerless_decodes_the_same_without_looking_for_headers():
    records = [pb.Record(key=b"k", value=b"v", offset=7, timestamp_ms=1, topic="t", partition=3), pb.Record(offset=8)]
    batch = pb.RecordBatch(partition=3, records=records, high_watermark=9, headerless=True)
    decoded = records_of("t", decode(pb.SubscribeResponse(records=batch).SerializeToString()))
    assert decoded == records_from_pb("t", batch)
    assert all(r.headers == [] for r in decoded)
    # The hint is trusted: headers of a batch wrongly marked headerless are not looked for.
    records[1].headers.add(key="h", value=b"x")
    lied = pb.RecordBatch(partition=3, records=records, headerless=True)
    assert records_of("t", decode(pb.SubscribeResponse(records=lied).SerializeToString()))[1].headers == []
    honest = pb.RecordBatch(partition=3, records=records)
    assert records_of("t", decode(pb.SubscribeResponse(records=honest).SerializeToString()))[1].headers == [("h", b"x")]


def _columns_of(batch):
    """The row batch `batch` as the server sends it to a columnar request."""
    columns = pb.RecordColumns(
        offsets=[r.offset for r in batch.records],
        timestamps_ms=[r.timestamp_ms for r in batch.records],
        keys=[r.key for r in batch.records],
        values=[r.value for r in batch.records],
    )
    if any(r.headers for r in batch.records):
        columns.header_counts.extend(len(r.headers) for r in batch.records)
        for r in batch.records:
            columns.headers.extend(r.headers)
    headerless = not columns.header_counts
    return pb.RecordBatch(partition=batch.partition, high_watermark=batch.high_watermark, headerless=headerless, columns=columns)


def test_columns_decode_to_the_same_records_as_rows():
    records = [
        pb.Record(key=b"k", value=b"v", offset=7, timestamp_ms=1),
        pb.Record(value=b"", offset=8, headers=[pb.Header(key="a", value=b"1"), pb.Header(key="a", value=b"2")]),
        pb.Record(offset=9),  # no key, no value, no headers between two records with some
        pb.Record(offset=11, timestamp_ms=-5, headers=[pb.Header()]),  # a gap, as compaction leaves
        pb.Record(key=b"\x00", offset=2**40, value=b"\x00" * 300, headers=[pb.Header(key="x", value=b"y")]),
        pb.Record(offset=2**40 + 1, key=b"last"),
    ]
    batch = pb.RecordBatch(partition=3, records=records, high_watermark=99)
    columnar = _columns_of(batch)
    assert list(columnar.columns.header_counts) == [0, 2, 0, 1, 1, 0]
    decoded = records_of("t", decode(pb.SubscribeResponse(records=columnar).SerializeToString()))
    assert decoded == records_from_pb("t", batch)
    assert [r.headers for r in decoded] == [[], [("a", b"1"), ("a", b"2")], [], [("", b"")], [("x", b"y")], []]
    # Every record has a headers list of its own, as rows give.
    assert len({id(r.headers) for r in decoded}) == len(decoded)


def test_a_long_headerless_batch_in_columns():
    records = [pb.Record(key=str(i).encode() if i % 3 else b"", value=bytes([i % 256]) * (i % 7), offset=100 + i, timestamp_ms=5000 + i) for i in range(5000)]
    batch = pb.RecordBatch(partition=1, records=records, high_watermark=5100)
    columnar = _columns_of(batch)
    assert columnar.headerless and not columnar.columns.header_counts
    decoded = records_of("orders", decode(pb.SubscribeResponse(records=columnar).SerializeToString()))
    assert decoded == records_from_pb("orders", batch)
    assert [r.offset for r in decoded] == list(range(100, 5100))
    assert all(type(r.key) is bytes and type(r.value) is bytes and type(r.offset) is int for r in decoded)
    assert len({id(r.headers) for r in decoded}) == len(decoded)
    empty = pb.RecordBatch(partition=1, headerless=True, columns=pb.RecordColumns())
    assert records_of("orders", decode(pb.SubscribeResponse(records=empty).SerializeToString())) == []


def test_columns_of_unequal_lengths_are_refused():
    bad = [
        pb.RecordColumns(offsets=[1, 2], timestamps_ms=[0, 0], keys=[b"", b""], values=[b""]),
        pb.RecordColumns(offsets=[1], timestamps_ms=[0, 0], keys=[b""], values=[b""]),
        pb.RecordColumns(offsets=[1], timestamps_ms=[0], keys=[b""], values=[b""], header_counts=[2], headers=[pb.Header()]),
        pb.RecordColumns(offsets=[1, 2], timestamps_ms=[0, 0], keys=[b"", b""], values=[b"", b""], header_counts=[1]),
    ]
    for columns in bad:
        data = pb.SubscribeResponse(records=pb.RecordBatch(columns=columns)).SerializeToString()
        with pytest.raises(ValueError):
            decode(data)
