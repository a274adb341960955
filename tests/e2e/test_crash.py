"""kill -9 of eventlogd while the CLI produces with acks=all: every acknowledged record must
be there after a restart, byte for byte, with contiguous offsets."""
import random
import subprocess
import threading
import time

from helpers import field_bytes, parse_acks, parse_json_lines, unique, wait_until

ROUNDS = 5
PARTITIONS = 2
MAX_LINES_PER_ROUND = 2_000_000  # never reached: the broker dies first
FEED_CHUNK = 64


def payload(rng, round_no, i):
    filler = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 !#%&()*+,-./:;<=>?@[]^_{}~")
                     for _ in range(rng.randrange(0, 300)))
    return f"r{round_no}-{i:08d}-{filler}"


def produce_until_killed(cli, broker, processes, topic, round_no, rng):
    """Feeds a CLI producer until `broker` is killed under it.

    Returns ([((partition, offset), value)] for the acknowledged records, every value sent)."""
    producer = processes.popen(cli.argv("produce", topic, "--acks", "all"),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    sent, ack_lines, stop = [], [], threading.Event()

    def feed():
        i = 0
        try:
            while not stop.is_set() and i < MAX_LINES_PER_ROUND:
                chunk = [payload(rng, round_no, i + k) for k in range(FEED_CHUNK)]
                i += FEED_CHUNK
                sent.extend(chunk)  # before writing: an ack can only follow the write
                producer.stdin.write(("\n".join(chunk) + "\n").encode())
                producer.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the producer exited

    def read_acks():
        for line in producer.stdout:
            ack_lines.append(line.decode())

    feeder = threading.Thread(target=feed, daemon=True)
    reader = threading.Thread(target=read_acks, daemon=True)
    feeder.start()
    reader.start()
    threshold = rng.randrange(500, 20000)
    assert wait_until(lambda: len(ack_lines) >= threshold or producer.poll() is not None, 60)
    assert producer.poll() is None, producer.stderr.read().decode()
    time.sleep(rng.random() / 20)  # vary the moment within the stream
    broker.kill()  # mid-stream: requests are in flight

    assert producer.wait(30) == 1  # the CLI reports the broken stream and exits
    stop.set()
    feeder.join(30)
    reader.join(30)
    stderr = producer.stderr.read().decode()
    assert "eventlog: produce:" in stderr, stderr
    acks = parse_acks("".join(ack_lines))
    assert len(acks) >= threshold
    # The CLI prints acks in send order, so the k-th ack belongs to the k-th line.
    return [(ack, sent[k]) for k, ack in enumerate(acks)], sent


def check_log(cli, topic, acked, all_sent):
    records = parse_json_lines(cli.run("consume", topic, "--format", "json").stdout)
    stored = {}
    for r in records:
        key = (r["partition"], r["offset"])
        assert key not in stored, f"offset {key} delivered twice"
        stored[key] = field_bytes(r, "value").decode()
    for p in range(PARTITIONS):
        offsets = sorted(o for (q, o) in stored if q == p)
        assert offsets == list(range(len(offsets))), f"partition {p} has gaps"
    lost = [(key, value) for key, value in acked if stored.get(key) != value]
    assert not lost, f"{len(lost)} acknowledged records lost or changed, e.g. {lost[:3]}"
    values = list(stored.values())
    assert len(set(values)) == len(values), "a record was stored twice"
    assert set(values) <= all_sent, "the log holds records nobody sent"


def test_acked_records_survive_kill9(make_broker, make_cli, processes):
    rng = random.Random(20240601)
    broker = make_broker()
    cli = make_cli(broker)
    topic = unique("crash")
    cli.run("topic", "create", topic, "--partitions", PARTITIONS)
    acked, all_sent = [], set()
    for round_no in range(ROUNDS):
        round_acked, sent = produce_until_killed(cli, broker, processes, topic, round_no, rng)
        acked.extend(round_acked)
        all_sent.update(sent)
        print(f"round {round_no}: {len(round_acked)} acknowledged of {len(sent)} fed")
        broker = make_broker(broker.data_dir)  # restart on the same data
        cli = make_cli(broker)
        # Unacknowledged records may or may not be there; acknowledged ones must be.
        check_log(cli, topic, acked, all_sent)
