"""Runs the README's quick-start examples against a fresh broker each."""

import subprocess
import sys
from pathlib import Path

from eventlog import Admin

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name, target):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), target], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_quickstart(own_broker):
    out = run_example("quickstart.py", own_broker.target).splitlines()
    assert sum(line.startswith("produced to partition") for line in out) == 4
    consumed = sorted(line for line in out if line.startswith("consumed"))
    assert consumed == [
        "consumed customer-0: order #0 {'source': b'quickstart'}",
        "consumed customer-0: order #2 {'source': b'quickstart'}",
        "consumed customer-1: order #1 {'source': b'quickstart'}",
        "consumed customer-1: order #3 {'source': b'quickstart'}",
    ]
    with Admin(own_broker.target) as admin:
        committed = admin.fetch_committed_offsets("billing", "orders")
        high = admin.list_offsets("orders", "latest")
    # Everything consumed was committed: committed == high watermark where records went.
    assert {p: c.offset for p, c in committed.items()} == {p: h for p, h in high.items() if h > 0}
    assert out[-1].startswith("committed {")
    run_example("quickstart.py", own_broker.target)  # runs again: the topic exists


def test_quickstart_group(own_broker):
    for run in range(2):  # a second run finds the topic and resumes where the group committed
        out = run_example("quickstart_group.py", own_broker.target).splitlines()
        assert out[0] == "assigned [0, 1]"
        assert len([line for line in out if line.startswith("partition ")]) == 4
        assert out[-2].startswith("assignment Assignment(")
        assert out[-1] == "revoked [0, 1]"  # close() revokes everything
        with Admin(own_broker.target) as admin:
            lags = admin.describe_group("billing").lags
        assert sum(l.lag for l in lags) == 0
