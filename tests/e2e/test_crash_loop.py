"""Crash loop: several concurrent acks=all producers and offset commits while eventlogd is
killed with kill -9 at random moments, round after round. After every restart every
acknowledged record is at its acknowledged (partition, offset) byte for byte, every record a
subscriber was shown is still there with the same content ("seen implies durable"), offsets
are contiguous from 0, nothing is stored twice, every committed offset is intact, and the
broker is listening again well within a hang guard.

EVENTLOG_CRASH_ROUNDS sets the number of rounds (default 30, about 30-40 s on 2 cores); for
a longer manual run, e.g.:
  EVENTLOG_CRASH_ROUNDS=500 EVENTLOGD=... EVENTLOG_CLI=... \
    /usr/bin/python3 -m pytest -s tests/e2e/test_crash_loop.py
EVENTLOG_CRASH_SEED picks the random kill points (printed at the start) to replay a run.
"""
import os
import random
import subprocess
import threading
import time

from helpers import field_bytes, parse_json_lines, unique, wait_until
from test_crash import payload

ROUNDS = int(os.environ.get("EVENTLOG_CRASH_ROUNDS", "30"))
SEED = int(os.environ.get("EVENTLOG_CRASH_SEED", "20241125"))
PARTITIONS = 3
# One producer pinned to each partition plus one routed by the broker (records without
# key go round-robin per request), so partitions see interleaved writers.
PRODUCER_PARTITIONS = [0, 1, 2, None]
FEED_CHUNK = 32
RESTART_HANG_GUARD_S = 20  # not a performance bound: only catches a recovery that hangs


class Producer:
    """One `eventlog produce --acks all` process fed unique values and read live."""

    def __init__(self, cli, processes, topic, partition, tag, rng):
        argv = ["produce", topic, "--acks", "all"]
        if partition is not None:
            argv += ["--partition", partition]
        self.proc = processes.popen(cli.argv(*argv), stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.sent, self.ack_lines, self.stop = [], [], threading.Event()
        self.threads = [threading.Thread(target=f, args=a, daemon=True)
                        for f, a in ((self._feed, (tag, random.Random(rng.random()))),
                                     (self._read, ()))]
        for t in self.threads:
            t.start()

    def _feed(self, tag, rng):
        i = 0
        try:
            while not self.stop.is_set():
                # Short values (40-71 bytes) keep each round's whole-log check quick.
                chunk = [f"{tag}-{payload(rng, 0, i + k)[:40 + k]}" for k in range(FEED_CHUNK)]
                i += FEED_CHUNK
                self.sent.extend(chunk)  # before writing: an ack can only follow the write
                self.proc.stdin.write(("\n".join(chunk) + "\n").encode())
                self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the producer exited

    def _read(self):
        for line in self.proc.stdout:
            self.ack_lines.append(line.decode())

    def finish(self):
        """After the kill: waits for the CLI to give up; returns [((p, o), value)] acked."""
        code = self.proc.wait(30)
        self.stop.set()
        for t in self.threads:
            t.join(30)
        stderr = self.proc.stderr.read().decode()
        assert code != 0, f"producer exited {code} with the broker dead: {stderr}"
        # Only whole lines count: the CLI prints acks in send order, one per line.
        acks = [tuple(int(x) for x in line.split()) for line in self.ack_lines
                if line.endswith("\n")]
        assert len(acks) <= len(self.sent)
        return [(ack, self.sent[k]) for k, ack in enumerate(acks)]


class Follower:
    """An `eventlog consume --follow` subscriber recording every (partition, offset) it is shown."""

    def __init__(self, cli, processes, topic):
        self.proc = processes.popen(
            cli.argv("consume", topic, "--from", "earliest", "--follow", "--format", "json"),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.seen = {}
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            if not line.endswith(b"\n"):
                break
            r = parse_json_lines(line.decode())[0]
            key = (r["partition"], r["offset"])
            value = field_bytes(r, "value").decode()
            assert self.seen.setdefault(key, value) == value, f"offset {key} showed two contents"

    def finish(self):
        self.proc.wait(30)
        self.thread.join(30)
        return self.seen


def check_log(cli, topic, acked, all_sent, seen):
    """Whole-log check; returns the high watermark of each partition."""
    records = parse_json_lines(cli.run("consume", topic, "--format", "json").stdout)
    stored = {}
    for r in records:
        key = (r["partition"], r["offset"])
        assert key not in stored, f"offset {key} delivered twice"
        stored[key] = field_bytes(r, "value").decode()
    ends = []
    for p in range(PARTITIONS):
        offsets = sorted(o for (q, o) in stored if q == p)
        assert offsets == list(range(len(offsets))), f"partition {p} is not contiguous from 0"
        ends.append(len(offsets))
    lost = [(key, value) for key, value in acked.items() if stored.get(key) != value]
    assert not lost, f"{len(lost)} acknowledged records lost or changed, e.g. {lost[:3]}"
    unseen = [(key, value) for key, value in seen.items() if stored.get(key) != value]
    assert not unseen, f"{len(unseen)} records a reader saw are gone or changed, e.g. {unseen[:3]}"
    values = list(stored.values())
    assert len(set(values)) == len(values), "a record was stored twice"
    assert set(values) <= all_sent, "the log holds records nobody sent"
    return ends


def parse_committed(stdout):
    """'partition offset [metadata]' lines -> {partition: (offset, metadata)}."""
    out = {}
    for line in stdout.splitlines():
        parts = line.split(" ", 2)
        out[int(parts[0])] = (int(parts[1]), parts[2] if len(parts) > 2 else "")
    return out


def commit_round(cli, topic, group, expected, ends, round_no, rng):
    """Commits a new offset for every partition; a confirmed commit must survive the crash."""
    for p in range(PARTITIONS):
        offset, meta = rng.randrange(0, ends[p] + 1), f"round-{round_no}"
        cli.run("offsets", "commit", group, topic, p, offset, "--metadata", meta)
        expected[p] = (offset, meta)


def test_crash_loop_keeps_acked_records_and_commits(make_broker, make_cli, processes):
    rng = random.Random(SEED)
    print(f"crash loop: {ROUNDS} rounds, EVENTLOG_CRASH_SEED={SEED}")
    started = time.monotonic()
    broker = make_broker()
    cli = make_cli(broker)
    topic, group, old_group = unique("crashloop"), unique("loopgroup"), unique("oldgroup")
    cli.run("topic", "create", topic, "--partitions", PARTITIONS)
    # A commit that is never touched again must survive every later crash too.
    cli.run("offsets", "commit", old_group, topic, 1, 0, "--metadata", "first")
    committed = {old_group: {1: (0, "first")}, group: {}}
    acked, all_sent, seen, restart_s = {}, set(), {}, []
    ends = [0] * PARTITIONS

    for round_no in range(ROUNDS):
        commit_first = rng.random() < 0.5  # else the commits race the producers
        if commit_first:
            commit_round(cli, topic, group, committed[group], ends, round_no, rng)
        follower = Follower(cli, processes, topic)
        producers = [Producer(cli, processes, topic, p, f"w{w}r{round_no}", rng)
                     for w, p in enumerate(PRODUCER_PARTITIONS)]
        if not commit_first:
            commit_round(cli, topic, group, committed[group], ends, round_no, rng)
        # Sometimes soon after the producers start, sometimes deep in the stream.
        threshold = rng.choice([0, rng.randrange(1, 200), rng.randrange(200, 3000)])

        def alive():
            return all(w.proc.poll() is None for w in producers)

        def killable():
            return sum(len(w.ack_lines) for w in producers) >= threshold or not alive()

        assert wait_until(killable, 60)
        assert alive(), "a producer exited while the broker was up"
        time.sleep(rng.random() / 20)  # vary the moment within the stream
        broker.kill()

        round_acked = [a for w in producers for a in w.finish()]
        for key, value in round_acked:
            assert key not in acked, f"offset {key} acknowledged twice"
            acked[key] = value
        for w in producers:
            all_sent.update(w.sent)
        for key, value in follower.finish().items():
            assert seen.setdefault(key, value) == value, f"offset {key} showed two contents"

        t0 = time.monotonic()
        broker = make_broker(broker.data_dir)  # restart on the same data
        restart_s.append(time.monotonic() - t0)
        assert restart_s[-1] < RESTART_HANG_GUARD_S, f"restart took {restart_s[-1]:.1f} s"
        cli = make_cli(broker)
        ends = check_log(cli, topic, acked, all_sent, seen)
        for g, expected in committed.items():
            assert parse_committed(cli.run("offsets", "show", g, topic).stdout) == expected, g
        print(f"round {round_no}: {len(round_acked)} acked, {len(seen)} seen, log {sum(ends)} records, "
              f"restart {restart_s[-1] * 1000:.0f} ms")

    restart_s.sort()
    data_bytes = sum(os.path.getsize(os.path.join(d, f))
                     for d, _, files in os.walk(broker.data_dir) for f in files)
    print(f"crash loop: {ROUNDS} rounds, {len(acked)} acked records ({data_bytes >> 20} MiB "
          f"data dir) in "
          f"{time.monotonic() - started:.1f} s; restart median "
          f"{restart_s[len(restart_s) // 2] * 1000:.0f} ms, max {restart_s[-1] * 1000:.0f} ms")
