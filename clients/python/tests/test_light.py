"""The consumer's light decoding of SubscribeResponse (_light.py) gives the
same records and assignments as the generated classes."""

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
