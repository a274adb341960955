"""A broker that cannot be reached is reported with its cause (connection
refused, unknown host, a port that never answers): logged, passed to
on_error, and raised after the documented timeout."""

from __future__ import annotations

import logging
import socket
from typing import Iterator, List

import pytest

from eventlog import Admin, Consumer, EventLogError, Producer, UnavailableError


@pytest.fixture
def closed_port() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"127.0.0.1:{port}"


@pytest.fixture
def silent_port() -> Iterator[str]:
    """Accepts TCP connections (the kernel does) and never says a word."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    yield f"127.0.0.1:{s.getsockname()[1]}"
    s.close()


UNKNOWN_HOST = "no-such-host.invalid:7070"


@pytest.mark.parametrize(
    "where, cause",
    [("closed", "Connection refused"), ("unknown", "DNS resolution failed"), ("silent", "did not answer")],
)
def test_a_group_consumer_raises_the_cause_after_connect_timeout(where, cause, closed_port, silent_port, caplog):
    target = {"closed": closed_port, "unknown": UNKNOWN_HOST, "silent": silent_port}[where]
    errors: List[EventLogError] = []
    caplog.set_level(logging.WARNING, logger="eventlog")
    with Consumer(target, "orders", group="billing", connect_timeout=1.5, on_error=errors.append) as consumer:
        with pytest.raises(UnavailableError) as err:
            consumer.poll(timeout=30)
    assert cause in err.value.message
    assert "within 1.5 s" in err.value.message
    if where != "silent":  # gRPC names the cause of a silent port only after its 5 s connect timeout
        assert errors and cause in errors[0].message
        assert any(cause in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("where, cause", [("closed", "Connection refused"), ("unknown", "DNS resolution failed")])
def test_a_producer_fails_with_the_cause(where, cause, closed_port):
    target = closed_port if where == "closed" else UNKNOWN_HOST
    errors: List[EventLogError] = []
    with Producer(target, connect_timeout=1, on_error=errors.append) as producer:
        with pytest.raises(UnavailableError) as err:
            producer.send("orders", b"v").result(timeout=30)
        with pytest.raises(UnavailableError):
            producer.send("orders", b"v", partition=0).result(timeout=30)
    assert cause in err.value.message
    assert errors and cause in errors[0].message


def test_an_admin_call_to_a_port_that_never_answers_fails_with_the_cause(silent_port):
    # gRPC's own connect timeout is 20 s; the clients set 5 s, so a call with
    # a 10 s deadline fails with UNAVAILABLE and the reason instead of a bare
    # DEADLINE_EXCEEDED.
    with Admin(silent_port, timeout=10) as admin:
        with pytest.raises(UnavailableError) as err:
            admin.list_topics()
    assert "SETTINGS" in err.value.message
