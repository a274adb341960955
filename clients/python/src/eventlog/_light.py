"""Fast decoding of SubscribeResponse messages: the consumer's hot path.

The consumer asks for columnar batches (SubscribeRequest.columnar): a
batch's offsets, timestamps, keys and values arrive as parallel repeated
fields (RecordBatch.columns), so that its Records are built by map() and
zip() over protobuf's containers, at C speed, without a Python statement
per record (parsing a batch and building its Records took ~1.1 us a record
from rows, ~0.6 us from columns; docs/PERFORMANCE.md). Headers, rare, are
the one part built by a Python loop, and only for batches that have some.

Batches in rows (RecordBatch.records) are still read: older servers, and
batches relayed from another broker, send them whatever the request says.
Reading `headers` from a generated Record costs more than everything else
about the record together (protobuf builds a container object on every
access, even when the list is empty). So responses are parsed with "light"
message types built here at import time from a descriptor (nothing
generated is committed): the same field numbers as eventlog.v1's, except
that a Record's headers (field 3) are one optional bytes field, whose
presence (a proto2 HasField) says whether the record has any headers at all.
Only a batch that has some is parsed again with the full types for them,
and a batch the server marks `headerless` skips even that presence check
(a proto2 HasField per record costs about as much as parsing the record).
A record's topic (field 5) is read as bytes, unchecked: the consumer knows
its topic, and UTF-8 checking every record's copy cost a third of parsing.
The assignment (field 2 of SubscribeResponse) is kept as bytes and parsed
with pb.Assignment when present.

    eventlog.v1 SubscribeResponse  records=1 RecordBatch, assignment=2 Assignment
                RecordBatch        partition=1, records=2 Record, high_watermark=3,
                                   headerless=4, columns=5 RecordColumns
                Record             key=1, value=2, headers=3, timestamp_ms=4,
                                   topic=5, partition=6, offset=7
                RecordColumns      offsets=1, timestamps_ms=2, keys=3, values=4,
                                   header_counts=5, headers=6 Header
                Header             key=1, value=2

Pure functions and immutable types; thread-safe.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any, Iterable, List, Optional, Tuple

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from ._stubs import pb
from .model import Record

__all__ = ["LightResponse", "decode", "records_of", "assignment_of"]


def _build() -> Any:
    F = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(name="eventlog_light.proto", package="eventlog.light", syntax="proto2")

    def message(name: str, fields: List[Tuple[str, int, int, bool, str]]) -> None:
        m = file.message_type.add(name=name)
        for field_name, number, kind, repeated, type_name in fields:
            f = m.field.add(name=field_name, number=number, type=kind)
            f.label = F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL
            if type_name:
                f.type_name = type_name

    message(
        "Record",
        [
            ("key", 1, F.TYPE_BYTES, False, ""),
            ("value", 2, F.TYPE_BYTES, False, ""),
            ("header", 3, F.TYPE_BYTES, False, ""),  # the last header's bytes; present iff any
            ("timestamp_ms", 4, F.TYPE_INT64, False, ""),
            ("topic", 5, F.TYPE_BYTES, False, ""),  # never read: records_of is given the topic
            ("partition", 6, F.TYPE_INT32, False, ""),
            ("offset", 7, F.TYPE_INT64, False, ""),
        ],
    )
    message("Header", [("key", 1, F.TYPE_STRING, False, ""), ("value", 2, F.TYPE_BYTES, False, "")])
    message(
        "RecordColumns",
        [  # repeated scalars: a parser reads them packed or not
            ("offsets", 1, F.TYPE_INT64, True, ""),
            ("timestamps_ms", 2, F.TYPE_INT64, True, ""),
            ("keys", 3, F.TYPE_BYTES, True, ""),
            ("values", 4, F.TYPE_BYTES, True, ""),
            ("header_counts", 5, F.TYPE_UINT32, True, ""),
            ("headers", 6, F.TYPE_MESSAGE, True, ".eventlog.light.Header"),
        ],
    )
    message(
        "RecordBatch",
        [
            ("partition", 1, F.TYPE_INT32, False, ""),
            ("records", 2, F.TYPE_MESSAGE, True, ".eventlog.light.Record"),
            ("high_watermark", 3, F.TYPE_INT64, False, ""),
            ("headerless", 4, F.TYPE_BOOL, False, ""),
            ("columns", 5, F.TYPE_MESSAGE, False, ".eventlog.light.RecordColumns"),
        ],
    )
    message(
        "SubscribeResponse",
        [
            ("records", 1, F.TYPE_MESSAGE, False, ".eventlog.light.RecordBatch"),
            ("assignment", 2, F.TYPE_BYTES, False, ""),
        ],
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName("eventlog.light.SubscribeResponse"))


LightResponse = _build()


def decode(data: bytes) -> Tuple[Any, bytes]:
    """The gRPC response deserializer: (light message, the raw bytes).
    Raises ValueError for columns of unequal lengths (gRPC then fails the
    call), so that zip() in records_of can never drop or shift a record."""
    light = LightResponse.FromString(data)
    if light.HasField("records") and light.records.HasField("columns"):
        c = light.records.columns
        n = len(c.offsets)
        if not (len(c.timestamps_ms) == len(c.keys) == len(c.values) == n) or (
            len(c.header_counts) not in (0, n) or sum(c.header_counts) != len(c.headers)
        ):
            raise ValueError("malformed RecordColumns: columns of unequal lengths")
    return light, data


def records_of(topic: str, message: Tuple[Any, bytes]) -> Optional[List[Record]]:
    """The records of a decoded response (None for an assignment)."""
    light, raw = message
    if not light.HasField("records"):
        return None
    batch = light.records
    partition = batch.partition
    new = tuple.__new__
    if batch.HasField("columns"):
        c = batch.columns
        n = len(c.offsets)
        headers: Iterable[List[Tuple[str, bytes]]]
        if c.header_counts:
            headers = _split_headers(c.header_counts, c.headers)
        else:
            headers = map(list, repeat((), n))  # a list of its own per record, as in rows
        offsets: Iterable[int] = c.offsets
        if n and c.offsets[n - 1] - c.offsets[0] == n - 1:  # offsets increase: no gap (compaction)
            offsets = range(c.offsets[0], c.offsets[0] + n)  # cheaper to step than protobuf's container
        columns = zip(repeat(topic, n), repeat(partition, n), offsets, c.keys, c.values, headers, c.timestamps_ms)
        # tuple.__new__(Record, row) for each row, with no Python frame per
        # record (Record._make is a Python function).
        return list(map(new, repeat(Record, n), columns))  # type: ignore[arg-type]
    if batch.headerless:
        return [new(Record, (topic, partition, r.offset, r.key, r.value, [], r.timestamp_ms)) for r in batch.records]
    headed: List[int] = []
    records = [
        new(
            Record,
            (
                topic,
                partition,
                r.offset,
                r.key,
                r.value,
                (headed.append(i) or []) if r.HasField("header") else [],  # type: ignore[func-returns-value]
                r.timestamp_ms,
            ),
        )
        for i, r in enumerate(batch.records)
    ]
    if headed:
        full = pb.SubscribeResponse.FromString(raw).records.records
        for i in headed:
            records[i].headers.extend((h.key, h.value) for h in full[i].headers)
    return records


def _split_headers(counts: Iterable[int], headers: Iterable[Any]) -> List[List[Tuple[str, bytes]]]:
    """Each record's headers, from the flattened column and the counts."""
    pairs = [(h.key, h.value) for h in headers]
    out: List[List[Tuple[str, bytes]]] = []
    at = 0
    for count in counts:
        out.append(pairs[at : at + count])
        at += count
    return out


def assignment_of(message: Tuple[Any, bytes]) -> Optional["pb.Assignment"]:
    light, _ = message
    if not light.HasField("assignment"):
        return None
    assignment: pb.Assignment = pb.Assignment.FromString(light.assignment)
    return assignment
