"""The producer's hand-written encoding parses back, with protobuf's own
parser, into the records and request it stands for (no broker)."""

from eventlog._stubs import pb
from eventlog._wire import encode_produce_request, encode_record


def test_records_and_requests_parse_back():
    records = [
        encode_record(b"", b"", None, 0),  # every field at its default
        encode_record(b"k" * 200, b"v" * 70_000, [("h", b"x"), ("h", b""), ("\u00e9", b"\x00\xff")], 1_700_000_000_000),
        encode_record(b"key", b"value", [], -1),  # negative int64: ten-byte varint
    ]
    request = pb.ProduceRequest.FromString(encode_produce_request("t\u00e9", 0, records, pb.ACKS_LEADER, 2**64 - 1))
    assert request.topic == "t\u00e9"
    assert request.HasField("partition") and request.partition == 0  # optional: presence kept
    assert request.acks == pb.ACKS_LEADER and request.request_id == 2**64 - 1
    first, second, third = request.records
    assert first == pb.Record()
    assert second.key == b"k" * 200 and second.value == b"v" * 70_000
    assert [(h.key, h.value) for h in second.headers] == [("h", b"x"), ("h", b""), ("\u00e9", b"\x00\xff")]
    assert second.timestamp_ms == 1_700_000_000_000
    assert (third.key, third.value, third.timestamp_ms) == (b"key", b"value", -1)


def test_a_request_without_partition_leaves_it_unset():
    request = pb.ProduceRequest.FromString(encode_produce_request("t", None, [encode_record(b"", b"v", None, 0)], 0, 0))
    assert not request.HasField("partition")
    assert request.acks == pb.ACKS_UNSPECIFIED and request.request_id == 0
    assert [r.value for r in request.records] == [b"v"]


def test_the_value_only_fast_path_encodes_as_the_general_one():
    from eventlog._wire import encode_record, encode_value_record

    for size in (0, 1, 125, 126, 127, 128, 300, 16383, 16384, 70000):
        value = bytes(range(256)) * (size // 256) + bytes(size % 256)
        assert encode_value_record(value) == encode_record(b"", value, None, 0), size
