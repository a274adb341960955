"""Fixtures: a real eventlogd per test session, unique topic names.

Group-mode tests (marker `group_mode`) run only with EVENTLOG_GROUP_TESTS=1,
until the broker implements consumer groups in Subscribe.
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from broker import Broker, binary_from_env  # noqa: E402

_names = itertools.count()


def pytest_configure(config):
    config.addinivalue_line("markers", "group_mode: needs consumer groups in Subscribe")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("EVENTLOG_GROUP_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="group mode not enabled (set EVENTLOG_GROUP_TESTS=1)")
    for item in items:
        if "group_mode" in item.keywords:
            item.add_marker(skip)


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
