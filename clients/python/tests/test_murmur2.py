"""Kafka murmur2 vectors (from Kafka's own partitioner tests)."""

import pytest

from eventlog import murmur2, partition_for_key


@pytest.mark.parametrize(
    "key,expected",
    [(b"21", -973932308), (b"foobar", -790332482), (b"abc", 479470107), (b"a-little-bit-long-string", -985981536)],
)
def test_matches_kafka(key, expected):
    assert murmur2(key) == expected


def test_partition_is_positive_hash_modulo():
    assert partition_for_key(b"21", 7) == (-973932308 & 0x7FFFFFFF) % 7
    assert partition_for_key(b"foobar", 5) == (-790332482 & 0x7FFFFFFF) % 5
    with pytest.raises(ValueError):
        partition_for_key(b"x", 0)
