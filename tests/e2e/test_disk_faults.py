"""Disk faults under a real eventlogd: a full filesystem (a real tmpfs) refuses produce with
RESOURCE_EXHAUSTED, shows no partial record, and recovers once space is freed; an unreadable
block (a real btrfs whose data checksum no longer matches) is DATA_LOSS for its range only.

Mounting needs root (CI runs as root); scripts/install-deps.sh test installs btrfs-progs.
"""
import os
import shutil
import subprocess

import pytest

from helpers import acked_lines, field_bytes, parse_acks, parse_json_lines, unique

MiB = 1 << 20
LINE_BYTES = 1000
LINES_PER_CALL = 500  # ~24 MiB fit before the refusal: ~50 CLI calls, not ~120 (each a process)


def mount(source, target, *options):
    subprocess.run(["mount", *options, source, target], check=True, capture_output=True)


def unmount(target):
    subprocess.run(["umount", target], check=True, capture_output=True)


@pytest.fixture
def mount_point(workdir):
    """An empty directory that is unmounted (lazily, if busy) at teardown."""
    if os.geteuid() != 0:
        pytest.skip("mounting a filesystem needs root")
    path = os.path.join(workdir, "mnt")
    os.makedirs(path)
    yield path
    while subprocess.run(["mountpoint", "-q", path]).returncode == 0:
        subprocess.run(["umount", "-l", path], check=True)


def lines(start, count):
    return [f"rec-{i:06d}-".ljust(LINE_BYTES, chr(ord("a") + i % 26)) for i in range(start, start + count)]


def produce_until_refused(cli, topic, sent, max_calls=500):
    """Produces LINES_PER_CALL lines per CLI call until one call is refused.

    Returns (acked [(offset, value)], stderr of the refused call)."""
    acked = []
    for _ in range(max_calls):
        batch = lines(len(sent), LINES_PER_CALL)
        sent.extend(batch)
        result = cli.run("produce", topic, "--acks", "all", "--max_in_flight", 1,
                         input="\n".join(batch) + "\n", check=False)
        acked.extend((offset, line) for _, offset, line in acked_lines(batch, result.stdout,
                                                                        result.stderr))
        if result.returncode != 0:
            return acked, result.stderr
    pytest.fail(f"produce was never refused after {max_calls * LINES_PER_CALL} records")


def check_log(cli, topic, acked, sent):
    """Every acked record is stored byte for byte at its offset; offsets are contiguous from 0;
    nothing stored is a fragment or something never sent."""
    records = parse_json_lines(cli.run("consume", topic, "--format", "json").stdout)
    stored = {r["offset"]: field_bytes(r, "value").decode() for r in records}
    assert len(stored) == len(records), "an offset was delivered twice"
    assert sorted(stored) == list(range(len(stored))), "the log has gaps"
    lost = [(o, v[:20]) for o, v in acked if stored.get(o) != v]
    assert not lost, f"{len(lost)} acknowledged records lost or changed, e.g. {lost[:3]}"
    assert set(stored.values()) <= set(sent), "the log holds a record nobody sent (torn write?)"
    return len(stored)


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


@pytest.mark.parametrize("min_free_mib", [8, 0], ids=["guard", "enospc"])
def test_full_disk_refuses_produce_and_recovers(mount_point, make_broker, make_cli, min_free_mib):
    mount("tmpfs", mount_point, "-t", "tmpfs", "-o", "size=48m")
    filler = os.path.join(mount_point, "filler")
    with open(filler, "wb") as f:
        f.write(b"f" * (12 * MiB))
    data_dir = os.path.join(mount_point, "data")
    args = [f"--min_free_bytes={min_free_mib * MiB}"]
    broker = make_broker(data_dir, args)
    cli = make_cli(broker)
    topic = unique("full")
    cli.run("topic", "create", topic, "--partitions", 1)

    sent = []
    acked, stderr = produce_until_refused(cli, topic, sent)
    assert "RESOURCE_EXHAUSTED" in stderr, stderr
    if min_free_mib:
        assert "min_free_bytes" in stderr, stderr
        assert free_bytes(mount_point) >= (min_free_mib - 1) * MiB  # the headroom is kept
        # Commits keep working while produce is refused: that is what the headroom is for.
        cli.run("offsets", "commit", "g", topic, 0, len(acked))
    else:
        assert "No space left on device" in stderr, stderr
    assert len(acked) > 20 * LINES_PER_CALL
    check_log(cli, topic, acked, sent)

    # Space returns: produce resumes right after the stored records, commits work.
    os.remove(filler)
    more = lines(len(sent), LINES_PER_CALL)
    sent.extend(more)
    result = cli.run("produce", topic, "--acks", "all", input="\n".join(more) + "\n")
    acks = parse_acks(result.stdout)
    stored_before = check_log(cli, topic, acked, sent) - len(more)
    assert [o for _, o in acks] == list(range(stored_before, stored_before + len(more)))
    acked.extend((o, more[k]) for k, (_, o) in enumerate(acks))
    cli.run("offsets", "commit", "g", topic, 0, len(acked) - 1)

    assert broker.terminate() == 0
    broker = make_broker(data_dir, args)
    cli = make_cli(broker)
    check_log(cli, topic, acked, sent)
    shown = cli.run("offsets", "show", "g", topic).stdout
    assert str(len(acked) - 1) in shown, shown


BTRFS_ARGS = ["--min_free_bytes=0"]  # the small filesystem is below the default floor


def btrfs_log(workdir, mount_point, make_broker, make_cli, count):
    """A 128 MiB btrfs image, loop-mounted, holding one partition of `count` records produced in
    batches of 20 (~20 KB: a batch is the unit a checksum covers, so it is the smallest range a
    damaged block can take down). The broker is stopped and the image unmounted on return.

    Returns (image, data_dir, topic, sent)."""
    if shutil.which("mkfs.btrfs") is None:
        pytest.fail("mkfs.btrfs missing: scripts/install-deps.sh test installs btrfs-progs")
    image = os.path.join(workdir, "btrfs.img")
    with open(image, "wb") as f:
        f.truncate(128 * MiB)
    subprocess.run(["mkfs.btrfs", "-q", image], check=True, capture_output=True)
    mount(image, mount_point, "-o", "loop")
    data_dir = os.path.join(mount_point, "data")
    broker = make_broker(data_dir, BTRFS_ARGS)
    cli = make_cli(broker)
    topic = unique("eio")
    cli.run("topic", "create", topic, "--partitions", 1)
    sent = lines(0, count)
    cli.run("produce", topic, "--acks", "all", "--batch_records", 20,
            input="\n".join(sent) + "\n")
    assert broker.terminate() == 0
    unmount(mount_point)
    return image, data_dir, topic, sent


def damage_record(image, seq):
    """Flips one byte of record `seq`'s value on the device, under btrfs's data checksum."""
    marker = f"rec-{seq:06d}-".encode()
    with open(image, "r+b") as f:
        raw = f.read()
        at = raw.find(marker)
        assert at > 0 and raw.find(marker, at + 1) < 0, "record not found exactly once"
        f.seek(at + 100)
        f.write(b"!")


def test_unreadable_block_is_data_loss_for_its_range_only(workdir, mount_point, make_broker,
                                                          make_cli):
    image, data_dir, topic, sent = btrfs_log(workdir, mount_point, make_broker, make_cli, 3000)
    damage_record(image, 1500)
    mount(image, mount_point, "-o", "loop")
    broker = make_broker(data_dir, BTRFS_ARGS)
    cli = make_cli(broker)

    def consume(start, count):
        result = cli.run("consume", topic, "--from", f"offset:{start}", "--max", count,
                         "--format", "json", check=False)
        return result, parse_json_lines(result.stdout) if result.returncode == 0 else []

    # Before the damaged block: intact.
    result, records = consume(0, 1400)
    assert result.returncode == 0, result.stderr
    assert [field_bytes(r, "value").decode() for r in records] == sent[:1400]
    # The damaged record: DATA_LOSS, not a crash, not wrong bytes.
    result, _ = consume(1500, 1)
    assert result.returncode == 1
    assert "DATA_LOSS" in result.stderr, result.stderr
    # Well after it (past the next index entry): intact again.
    result, records = consume(1600, 1400)
    assert result.returncode == 0, result.stderr
    assert [field_bytes(r, "value").decode() for r in records] == sent[1600:]
    assert broker.running()


def test_unreadable_tail_is_not_cut_away_at_startup(workdir, mount_point, make_broker, make_cli):
    """Recovery scans the newest batches; a read error there is not a torn write to truncate:
    eventlogd refuses to start and leaves the file as it was (the error may be transient)."""
    image, data_dir, _, sent = btrfs_log(workdir, mount_point, make_broker, make_cli, 3000)
    damage_record(image, len(sent) - 1)
    mount(image, mount_point, "-o", "loop")
    segments = [os.path.join(d, f) for d, _, files in os.walk(data_dir) for f in files
                if f.endswith(".log") and "topics" in d]
    assert len(segments) == 1, segments
    size = os.path.getsize(segments[0])
    result = subprocess.run([os.environ["EVENTLOGD"], "--listen=127.0.0.1:0",
                             f"--data_dir={data_dir}", *BTRFS_ARGS],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0, result.stdout
    assert "I/O error" in result.stderr, result.stderr
    assert os.path.getsize(segments[0]) == size
