"""Hand-written protobuf encoding of the producer's hot path: the records of
a ProduceRequest.

Building a pb.Record per record costs about three times as much as joining
its bytes here (docs/PERFORMANCE.md, "Python client"). The layouts below are
those of protos/eventlog/v1/eventlog.proto (field numbers and wire types are
fixed by the v1 contract); every other message still goes through the
generated classes. (The consumer keeps protobuf's C++ parser: a hand-written
decoder in Python measured slower than parsing plus reading the fields.)

    Record          key=1 bytes, value=2 bytes, headers=3 Header,
                    timestamp_ms=4 int64, topic=5 string, partition=6 int32,
                    offset=7 int64
    Header          key=1 string, value=2 bytes
    ProduceRequest  topic=1 string, partition=2 optional int32,
                    records=3 Record, acks=4 enum, request_id=5 uint64

Pure functions; thread-safe.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Tuple

__all__ = ["encode_record", "encode_value_record", "encode_produce_request"]

_U64 = 1 << 64
_VARINT1 = [bytes((i,)) for i in range(128)]


def _varint(n: int) -> bytes:
    """Unsigned varint; negative int32/int64 values as their 64-bit two's complement."""
    if 0 <= n < 128:
        return _VARINT1[n]
    if n < 0:
        n += _U64
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _length_delimited(tag: bytes, payload: bytes) -> bytes:
    n = len(payload)
    return tag + (_VARINT1[n] if n < 128 else _varint(n)) + payload


def encode_record(
    key: bytes, value: bytes, headers: Optional[Sequence[Tuple[str, bytes]]], timestamp_ms: int
) -> bytes:
    """One Record, framed as field 3 of a ProduceRequest (ready to join)."""
    body = b""
    if key:
        body = _length_delimited(b"\x0a", key)
    if value:
        body += _length_delimited(b"\x12", value)
    if headers:
        for k, v in headers:
            body += _length_delimited(
                b"\x1a", _length_delimited(b"\x0a", k.encode()) + (_length_delimited(b"\x12", v) if v else b"")
            )
    if timestamp_ms:
        body += b"\x20" + _varint(timestamp_ms)
    return _length_delimited(b"\x1a", body)


def encode_value_record(value: bytes) -> bytes:
    """encode_record(b"", value, None, 0): the common record, without a
    function call per field."""
    n = len(value)
    if n < 126:  # the record body (tag, length, value) stays below 128 bytes
        return b"\x1a" + _VARINT1[n + 2] + b"\x12" + _VARINT1[n] + value if n else b"\x1a\x00"
    head = _varint(n)
    return b"\x1a" + _varint(1 + len(head) + n) + b"\x12" + head + value


def encode_produce_request(
    topic: str, partition: Optional[int], records: Iterable[bytes], acks: int, request_id: int
) -> bytes:
    """A ProduceRequest from records made by encode_record()."""
    head = _length_delimited(b"\x0a", topic.encode())
    if partition is not None:
        head += b"\x10" + _varint(partition)
    tail = b""
    if acks:
        tail += b"\x20" + _varint(acks)
    if request_id:
        tail += b"\x28" + _varint(request_id)
    return head + b"".join(records) + tail
