"""Group-mode tests (marker `group_mode`) run only with EVENTLOG_GROUP_TESTS=1."""

import os

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "group_mode: needs consumer groups in Subscribe")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("EVENTLOG_GROUP_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="group mode not enabled (set EVENTLOG_GROUP_TESTS=1)")
    for item in items:
        if "group_mode" in item.keywords:
            item.add_marker(skip)
