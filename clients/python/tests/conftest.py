"""Fixtures: a real eventlogd per test session, unique topic names."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from broker import Broker, binary_from_env  # noqa: E402

_names = itertools.count()


@pytest.fixture(scope="session")
def eventlogd() -> str:
    try:
        return binary_from_env()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def broker(eventlogd, tmp_path_factory):
    """One broker shared by the tests that do not restart it."""
    b = Broker(eventlogd, tmp_path_factory.mktemp("shared") / "data")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def own_broker(eventlogd, tmp_path):
    """A broker for one test (for tests that stop or restart it)."""
    b = Broker(eventlogd, tmp_path / "data")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def target(broker) -> str:
    return broker.target


@pytest.fixture
def topic_name(request) -> str:
    base = "".join(c if c.isalnum() else "-" for c in request.node.name)[:60]
    return f"py-{base}-{next(_names)}"


@pytest.fixture
def admin(target):
    from eventlog import Admin

    with Admin(target) as a:
        yield a
