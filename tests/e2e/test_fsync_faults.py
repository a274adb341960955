"""A failing and a slow disk under the real eventlogd: an LD_PRELOAD shim
($FSYNC_FAULT_SHIM, tests/e2e/fsync_fault_shim.cc) makes every fdatasync/fsync
of the process fail with EIO, or sleep, while a file exists.

A failed sync must fail the acknowledgements still pending, acknowledge nothing
after it, make the broker exit non-zero within a bounded time, and a restart on
a healthy disk must find every acknowledged record (fsyncgate: the broker never
trusts a later sync).
"""
import os
import subprocess
import threading
import time

import pytest

from helpers import acked_lines, field_bytes, parse_acks, parse_json_lines, unique

EXIT_STORAGE_FAILED = 3


def shim_env(**files):
    shim = os.environ.get("FSYNC_FAULT_SHIM")
    if not shim or not os.path.exists(shim):
        pytest.fail("$FSYNC_FAULT_SHIM must name the built shim library; run through ctest")
    env = {"LD_PRELOAD": shim}
    env.update({f"EVENTLOG_FSYNC_{name.upper()}_FILE": path for name, path in files.items()})
    return env


def stored(cli, topic, partitions):
    """{(partition, offset): value} of everything readable."""
    out = {}
    for p in range(partitions):
        records = parse_json_lines(
            cli.run("consume", topic, "--partition", p, "--from", "earliest", "--format", "json").stdout)
        for r in records:
            out[(p, r["offset"])] = field_bytes(r, "value").decode()
    return out


def test_failed_fsync_stops_the_broker_and_loses_nothing_acknowledged(
        workdir, make_broker, make_cli):
    fail_file = os.path.join(workdir, "fail-syncs")
    broker = make_broker(env=shim_env(fail=fail_file))
    cli = make_cli(broker)
    topic = unique("fsync")
    cli.run("topic", "create", topic, "--partitions", 3)

    acked = {}  # (partition, offset) -> value
    refusals = []
    lock = threading.Lock()
    stop = threading.Event()

    def produce(worker):
        for call in range(10_000):
            if stop.is_set():
                return
            batch = [f"w{worker}-c{call}-r{i}" for i in range(20)]
            result = cli.run("produce", topic, "--acks", "all", input="\n".join(batch) + "\n",
                             check=False, timeout=60)
            with lock:
                for partition, offset, value in acked_lines(batch, result.stdout, result.stderr):
                    assert (partition, offset) not in acked, "an offset was acknowledged twice"
                    acked[(partition, offset)] = value
                if result.returncode != 0:
                    refusals.append(result.stderr)
                    return

    workers = [threading.Thread(target=produce, args=(w,)) for w in range(3)]
    for w in workers:
        w.start()
    deadline = time.monotonic() + 60
    while len(acked) < 400 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(acked) >= 400, "producers made no progress"
    with open(fail_file, "w"):
        pass  # the disk starts failing every sync
    failed_at = time.monotonic()
    try:
        code = broker.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("eventlogd did not exit within 30 s of its first failed sync")
    exit_seconds = time.monotonic() - failed_at
    stop.set()
    for w in workers:
        w.join()
    assert code == EXIT_STORAGE_FAILED, f"exit status {code}"
    assert exit_seconds < 15, f"took {exit_seconds:.1f} s to exit"
    with open(os.path.join(workdir, "eventlogd.stderr"), errors="replace") as log:
        stderr = log.read()
    assert "FATAL" in stderr and "Input/output error" in stderr, stderr[-2000:]
    # Logged once, naming the file.
    fatal = [line for line in stderr.splitlines() if "storage: FATAL" in line]
    assert len(fatal) == 1, stderr[-2000:]
    assert "fdatasync of " in fatal[0] and ".log" in fatal[0], fatal[0]
    # Requests waiting for the failed sync were failed, not acknowledged.
    assert refusals, "no producer saw an error"
    assert any("storage failed" in r or "UNAVAILABLE" in r for r in refusals), refusals

    # A healthy disk: every acknowledged record is there, byte for byte.
    os.remove(fail_file)
    restarted = make_broker(data_dir=broker.data_dir)
    now = stored(make_cli(restarted), topic, 3)
    lost = [k for k, v in acked.items() if now.get(k) != v]
    assert not lost, f"{len(lost)} acknowledged records lost or changed, e.g. {lost[:3]}"
    assert restarted.terminate() == 0


def test_slow_fsync_delays_acknowledgements_and_deliveries_but_loses_nothing(
        workdir, make_broker, make_cli, processes):
    delay_file = os.path.join(workdir, "slow-syncs")
    with open(delay_file, "w") as f:
        f.write("40")
    broker = make_broker(env=shim_env(delay=delay_file))
    cli = make_cli(broker)
    topic = unique("slow")
    cli.run("topic", "create", topic)
    follower = processes.popen(cli.argv("consume", topic, "--from", "earliest", "--follow",
                                        "--format", "json"),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    values = [f"slow-{i}" for i in range(30)]
    started = time.monotonic()
    for i in range(0, len(values), 10):
        result = cli.run("produce", topic, "--acks", "all", input="\n".join(values[i:i + 10]) + "\n")
        assert len(parse_acks(result.stdout)) == 10
    assert time.monotonic() - started >= 3 * 0.040, "the acknowledgements did not wait for the syncs"
    received = []
    deadline = time.monotonic() + 60
    while len(received) < len(values) and time.monotonic() < deadline:
        line = follower.stdout.readline()
        if not line:
            break
        received.append(parse_json_lines(line)[0]["value"])
    assert received == values
    os.remove(delay_file)
    assert broker.terminate() == 0
