"""Small helpers shared by the end-to-end tests."""
import json
import os
import re
import time


def unique(prefix):
    """A topic or group name no other test uses."""
    return f"{prefix}-{os.getpid()}-{time.monotonic_ns()}"


def murmur2(data: bytes) -> int:
    """Kafka's Utils.murmur2, written independently of the C++ client's copy."""
    m, r = 0x5BD1E995, 24
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = data[length - length % 4:]
    if len(tail) == 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if len(tail) >= 1:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def partition_for_key(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def parse_acks(stdout):
    """'partition offset' lines -> [(partition, offset)]."""
    return [tuple(int(x) for x in line.split()) for line in stdout.splitlines() if line.strip()]


# `eventlog produce` names the input lines it could not write on stderr
# ("produce: line 7: ..." or "produce: lines 7-9: ...") and acknowledges
# the others on stdout, in input order.
_FAILED_LINES = re.compile(r"produce: lines? (\d+)(?:-(\d+))?: ")


def acked_lines(batch, stdout, stderr):
    """[(partition, offset, line)] of an `eventlog produce` run fed `batch`: each ack on
    stdout belongs to the next input line not named as failed on stderr
    (records after a failed one may still be written and acknowledged)."""
    failed = set()
    for match in _FAILED_LINES.finditer(stderr):
        first = int(match.group(1))
        failed.update(range(first, int(match.group(2) or first) + 1))
    written = [line for number, line in enumerate(batch, 1) if number not in failed]
    acks = parse_acks(stdout)
    assert len(acks) <= len(written), (acks, failed)
    return [(partition, offset, written[k]) for k, (partition, offset) in enumerate(acks)]


def parse_json_lines(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def field_bytes(obj, name):
    """A key/value field of a JSON record as bytes (undoing base64 when flagged)."""
    import base64
    if obj.get(f"{name}_encoding") == "base64":
        return base64.b64decode(obj[name])
    return obj[name].encode()


def wait_until(predicate, timeout=30.0, interval=0.05):
    """Polls `predicate` until true or `timeout` s passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)
