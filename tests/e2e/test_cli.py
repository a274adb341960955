"""The eventlog CLI against a real eventlogd: topics, produce/consume, offsets, groups, health."""
import os
import signal
import socket
import subprocess
import threading

import pytest

from helpers import (field_bytes, parse_acks, parse_json_lines, partition_for_key, unique,
                     wait_until)


def consume_group(cli, *args):
    """`consume ... --group ...`, which must succeed."""
    result = cli.run("consume", *args, check=False)
    assert result.returncode == 0, result.stderr
    return result


def create_topic(cli, partitions=1, *flags):
    name = unique("t")
    cli.run("topic", "create", name, "--partitions", partitions, *flags)
    return name


# ---- health -------------------------------------------------------------------------------

def test_health_reports_serving(cli):
    result = cli.run("health")
    assert result.stdout.strip() == "SERVING"


def test_health_fails_when_no_server(cli_binary):
    with socket.socket() as s:  # a port that nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = subprocess.run([cli_binary, "health", f"--server=127.0.0.1:{port}",
                             "--timeout_ms=3000"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "UNAVAILABLE" in result.stderr


def test_server_list_skips_a_server_that_is_down(cli, cli_binary):
    with socket.socket() as s:  # a port that nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    servers = f"127.0.0.1:{port},{cli.broker.address}"
    for how in (["--server", servers], []):
        env = dict(os.environ, EVENTLOG_SERVER=servers)
        result = subprocess.run([cli_binary, "health", *how, "--timeout_ms=10000"],
                                capture_output=True, text=True, timeout=30, env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "SERVING"
    blank = subprocess.run([cli_binary, "health", "--server", " , "], capture_output=True,
                           text=True, timeout=30)
    assert blank.returncode == 2
    assert "no server" in blank.stderr


# ---- topics -------------------------------------------------------------------------------

def test_topic_create_list_describe_delete(cli):
    name = unique("topic")
    created = cli.run("topic", "create", name, "--partitions", 3, "--retention_ms", 3600000,
                      "--retention_bytes", 1048576, "--cleanup_policy", "compact",
                      "--segment_bytes", 1048576, "--max_message_bytes", 4096)
    assert name in created.stdout

    listed = cli.run("topic", "list").stdout.splitlines()
    assert f"{name}\t3" in listed

    described = cli.run("topic", "describe", name).stdout
    assert f"topic: {name}" in described
    assert "retention_ms: 3600000" in described
    assert "retention_bytes: 1048576" in described
    assert "cleanup_policy: compact" in described
    assert "segment_bytes: 1048576" in described
    assert "max_message_bytes: 4096" in described
    rows = [line.split() for line in described.splitlines() if line[:1].isdigit()]
    assert [r[0] for r in rows] == ["0", "1", "2"]
    assert all(r[1] == "0" and r[2] == "0" for r in rows)  # empty: log start 0, hwm 0

    again = cli.run("topic", "create", name, check=False)
    assert again.returncode == 1
    assert "ALREADY_EXISTS" in again.stderr

    cli.run("topic", "delete", name)
    assert f"{name}\t3" not in cli.run("topic", "list").stdout.splitlines()
    gone = cli.run("topic", "describe", name, check=False)
    assert gone.returncode == 1
    assert "NOT_FOUND" in gone.stderr
    assert cli.run("topic", "delete", name, check=False).returncode == 1


def test_topic_create_rejects_bad_name_and_config(cli):
    bad = cli.run("topic", "create", "no/slashes", check=False)
    assert bad.returncode == 1
    assert "INVALID_ARGUMENT" in bad.stderr
    negative = cli.run("topic", "create", unique("t"), "--segment_bytes", -5, check=False)
    assert negative.returncode == 1
    assert "INVALID_ARGUMENT" in negative.stderr


def test_describe_shows_offsets_after_produce(cli):
    topic = create_topic(cli, 2)
    cli.run("produce", topic, "--partition", 1, input="a\nb\nc\n")
    rows = {r[0]: r for r in (line.split() for line in
                              cli.run("topic", "describe", topic).stdout.splitlines())
            if r and r[0].isdigit()}
    assert rows["0"][1:3] == ["0", "0"]
    assert rows["1"][1:3] == ["0", "3"]
    assert int(rows["1"][3]) > 0  # size_bytes
    assert int(rows["1"][4]) >= 0  # log_end_offset (filled in by brokers that track it)


def test_topic_create_takes_the_timestamp_type_and_bounds(cli):
    name = unique("stamped")
    cli.run("topic", "create", name, "--timestamp_type", "log_append_time",
            "--message_timestamp_after_max_ms", 60000, "--message_timestamp_before_max_ms", -1)
    described = cli.run("topic", "describe", name).stdout
    assert "timestamp_type: " in described
    assert "message_timestamp_after_max_ms: " in described
    assert "LOG_END_OFFSET" in described


def test_topic_create_takes_the_replication_settings_and_describe_shows_the_replicas(cli):
    name = unique("replicated")
    cli.run("topic", "create", name, "--partitions", 2, "--replication_factor", 1,
            "--min_insync_replicas", 1)
    described = cli.run("topic", "describe", name).stdout
    assert "min_insync_replicas: 1" in described.splitlines()
    assert "unclean_leader_election_enable: false" in described.splitlines()
    header = next(line.split() for line in described.splitlines() if line.startswith("PARTITION"))
    # The new columns come after the ones scripts already read.
    assert header == ["PARTITION", "LOG_START_OFFSET", "HIGH_WATERMARK", "SIZE_BYTES",
                      "LOG_END_OFFSET", "LEADER", "LEADER_EPOCH", "REPLICAS", "ISR"]
    rows = [line.split() for line in described.splitlines() if line[:1].isdigit()]
    # One broker (--broker_id 0) leads every partition and holds its only copy.
    assert [r[5:] for r in rows] == [["0", "0", "0", "0"], ["0", "0", "0", "0"]]

    too_many = cli.run("topic", "create", unique("t"), "--replication_factor", 3, check=False)
    assert too_many.returncode == 1
    assert "INVALID_ARGUMENT" in too_many.stderr
    assert "replication_factor is 3" in too_many.stderr and "single broker" in too_many.stderr
    isr = cli.run("topic", "create", unique("t"), "--min_insync_replicas", 2, check=False)
    assert isr.returncode == 1
    assert "min_insync_replicas is 2" in isr.stderr
    negative = cli.run("topic", "create", unique("t"), "--replication_factor", -1, check=False)
    assert negative.returncode == 2  # a usage error, caught before any call


# ---- usage --------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["topic", "create", "--help"], ["topic", "list", "--help"], ["topic", "describe", "--help"],
    ["topic", "delete", "--help"], ["produce", "--help"], ["consume", "--help"],
    ["offsets", "list", "--help"], ["offsets", "commit", "--help"], ["offsets", "show", "--help"],
    ["group", "list", "--help"], ["group", "describe", "--help"], ["health", "--help"],
    ["--help"]])
def test_help_exits_zero(cli_binary, args):
    result = subprocess.run([cli_binary] + args, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "usage: eventlog" in result.stdout


@pytest.mark.parametrize("args", [
    [], ["nonsense"], ["topic"], ["topic", "create"], ["topic", "create", "x", "--bogus=1"],
    ["topic", "create", "x", "--partitions=many"], ["consume", "t", "--from", "yesterday"],
    ["consume", "t", "--format", "xml"], ["produce", "t", "--acks", "some"],
    ["offsets", "commit", "g", "t", "0"], ["consume", "t", "--from", "committed"],
    ["topic", "create", "x", "--timestamp_type", "wallclock"]])
def test_usage_errors_exit_two(cli_binary, args):
    result = subprocess.run([cli_binary] + args, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, (args, result.stdout, result.stderr)
    assert result.stderr


# ---- produce / consume ----------------------------------------------------------------------

def test_produce_then_consume_text(cli):
    topic = create_topic(cli)
    lines = ["first", "", "second with spaces", "unicode: héllo ✓", "last"]
    produced = cli.run("produce", topic, input="\n".join(lines) + "\n")
    assert parse_acks(produced.stdout) == [(0, i) for i in range(len(lines))]

    consumed = cli.run("consume", topic)
    assert consumed.stdout.split("\n")[:-1] == lines

    assert cli.run("consume", topic, "--max", 2).stdout == "first\n\n"
    assert cli.run("consume", topic, "--from", "offset:3").stdout == "unicode: héllo ✓\nlast\n"
    assert cli.run("consume", topic, "--from", "latest").stdout == ""
    assert cli.run("consume", topic, "--partition", 0, "--from", "earliest").stdout.count("\n") == 5


def test_produce_without_trailing_newline_and_acks_leader(cli):
    topic = create_topic(cli)
    produced = cli.run("produce", topic, "--acks", "leader", input="a\nb")
    assert parse_acks(produced.stdout) == [(0, 0), (0, 1)]
    assert cli.run("consume", topic).stdout == "a\nb\n"


def test_keyed_records_route_by_murmur2_and_round_trip_as_json(cli):
    topic = create_topic(cli, 3)
    keys = [f"user-{i}" for i in range(30)]
    text = "".join(f"{k}\tvalue of {k}\n" for k in keys)
    acks = parse_acks(cli.run("produce", topic, "--keyed", "--header", "source=e2e",
                              "--header", "dup=1", "--header", "dup=2", input=text).stdout)
    assert len(acks) == len(keys)
    for key, (partition, _) in zip(keys, acks):
        assert partition == partition_for_key(key.encode(), 3), key

    records = parse_json_lines(cli.run("consume", topic, "--format", "json").stdout)
    assert len(records) == len(keys)
    by_key = {r["key"]: r for r in records}
    for key, (partition, offset) in zip(keys, acks):
        r = by_key[key]
        assert r["topic"] == topic
        assert (r["partition"], r["offset"]) == (partition, offset)
        assert r["value"] == f"value of {key}"
        assert r["timestamp_ms"] > 0
        assert r["headers"] == [{"key": "source", "value": "e2e"}, {"key": "dup", "value": "1"},
                                {"key": "dup", "value": "2"}]
    # Within a partition, records keep their send order with consecutive offsets.
    for p in range(3):
        offsets = [o for (q, o) in acks if q == p]
        assert offsets == list(range(len(offsets)))

    text_keys = cli.run("consume", topic, "--partition", acks[0][0], "--print_keys").stdout
    assert f"{keys[0]}\tvalue of {keys[0]}\n" in text_keys


def test_binary_values_are_base64_in_json(cli):
    topic = create_topic(cli)
    payload = b"k\xff|v\xfe\x00\x01"
    cli.run("produce", topic, "--key_separator", "|", input=payload + b"\n")
    (record,) = parse_json_lines(cli.run("consume", topic, "--format", "json").stdout)
    assert record["key_encoding"] == "base64"
    assert field_bytes(record, "key") == b"k\xff"
    assert field_bytes(record, "value") == b"v\xfe\x00\x01"
    raw = cli.run("consume", topic).stdout_bytes
    assert raw == b"v\xfe\x00\x01\n"


def test_explicit_partition_and_bad_partition(cli):
    topic = create_topic(cli, 2)
    acks = parse_acks(cli.run("produce", topic, "--partition", 1, input="x\ny\n").stdout)
    assert acks == [(1, 0), (1, 1)]
    assert cli.run("consume", topic, "--partition", 1).stdout == "x\ny\n"
    assert cli.run("consume", topic, "--partition", 0).stdout == ""
    bad = cli.run("produce", topic, "--partition", 7, input="z\n", check=False)
    assert bad.returncode == 1


def test_unknown_topic_is_not_found_everywhere(cli):
    missing = unique("missing")
    for args, stdin in [(["produce", missing], "x\n"), (["consume", missing], ""),
                        (["topic", "describe", missing], ""), (["topic", "delete", missing], ""),
                        (["offsets", "list", missing], "")]:
        result = cli.run(*args, input=stdin, check=False)
        assert result.returncode == 1, args
        assert "NOT_FOUND" in result.stderr, (args, result.stderr)


def test_record_larger_than_max_message_bytes_is_refused(cli):
    topic = create_topic(cli, 1, "--max_message_bytes", 1024)
    result = cli.run("produce", topic, input="x" * 5000 + "\n", check=False)
    assert result.returncode == 1
    assert "RESOURCE_EXHAUSTED" in result.stderr
    assert cli.run("consume", topic).stdout == ""  # nothing stored


def test_produce_names_the_failed_input_line_and_prints_every_ack(cli):
    # Line 2 is over the default --max_message_bytes (1 MiB). Input after the
    # first failure is not read, but the lines already sent (here all of
    # them, read before the refusal came back) finish and their acks print.
    topic = create_topic(cli, 3)
    after = [f"after{i}" for i in range(1, 6)]
    records = "a1\n" + "x" * 1100000 + "\n" + "".join(f"{v}\n" for v in after)
    result = cli.run("produce", topic, "--partition", 2, input=records, check=False)
    assert result.returncode == 1, result.stderr
    acks = parse_acks(result.stdout)
    assert acks == [(2, i) for i in range(len(acks))] and acks, result.stdout
    assert "eventlog: produce: line 2: RESOURCE_EXHAUSTED:" in result.stderr, result.stderr
    assert "line 1:" not in result.stderr and "line 3" not in result.stderr, result.stderr
    sent = len(acks) + 1  # every line sent is acked or named on stderr
    assert f"1 of {sent} records sent failed" in result.stderr, result.stderr
    # Exactly the acknowledged lines are stored, in order.
    stored = cli.run("consume", topic, "--partition", 2).stdout
    assert stored.split("\n")[:-1] == ["a1", *after][: len(acks)]


def test_produce_stops_reading_at_the_first_failure(cli, processes):
    # stdin stays open: produce must not wait for more input once a record
    # failed. One record per request: a refused request fails all its records.
    topic = create_topic(cli, 1, "--max_message_bytes", 1024)
    producer = processes.popen(cli.argv("produce", topic, "--batch_records", 1), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    producer.stdin.write("ok\n" + "x" * 5000 + "\n")
    producer.stdin.flush()
    assert producer.wait(30) == 1
    stderr = producer.stderr.read()
    assert "line 2: RESOURCE_EXHAUSTED" in stderr and "no line after line 2 was sent" in stderr, stderr
    assert parse_acks(producer.stdout.read()) == [(0, 0)]
    producer.stdin.close()


def test_consume_follow_sees_new_records_and_stops_on_sigint(cli, processes):
    topic = create_topic(cli)
    follower = processes.popen(cli.argv("consume", topic, "--follow"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    got = []
    threading.Thread(target=lambda: got.extend(follower.stdout), daemon=True).start()
    cli.run("produce", topic, input="one\ntwo\n")
    wait_until(lambda: len(got) >= 2 or follower.poll() is not None)
    assert got == ["one\n", "two\n"]
    follower.send_signal(signal.SIGINT)
    assert follower.wait(30) == 0


# ---- offsets and groups ---------------------------------------------------------------------

def test_offsets_list_commit_show(cli):
    topic = create_topic(cli, 2)
    cli.run("produce", topic, "--partition", 0, input="a\nb\nc\nd\ne\n")
    assert cli.run("offsets", "list", topic, "--at", "earliest").stdout == "0 0\n1 0\n"
    assert cli.run("offsets", "list", topic).stdout == "0 5\n1 0\n"
    assert cli.run("offsets", "list", topic, "--at", "timestamp:0").stdout == "0 0\n1 0\n"
    far_future = 4102444800000  # 2100-01-01
    assert cli.run("offsets", "list", topic, "--at", f"timestamp:{far_future}").stdout == "0 5\n1 0\n"

    group = unique("g")
    cli.run("offsets", "commit", group, topic, 0, 3, "--metadata", "checkpoint-7")
    assert cli.run("offsets", "show", group, topic).stdout == "0 3 checkpoint-7\n"
    assert group in cli.run("group", "list").stdout.splitlines()
    described = cli.run("group", "describe", group).stdout
    assert f"group: {group}" in described
    lag_rows = [line.split() for line in described.splitlines() if line.startswith(topic)]
    assert [topic, "0", "3", "5", "2"] in lag_rows


def test_commit_to_unknown_topic_fails(cli):
    result = cli.run("offsets", "commit", unique("g"), unique("nope"), 0, 1, check=False)
    assert result.returncode == 1
    assert "NOT_FOUND" in result.stderr


def test_group_consume_resumes_from_commit(cli):
    topic = create_topic(cli, 2)
    cli.run("produce", topic, "--partition", 0, input="a\nb\n")
    cli.run("produce", topic, "--partition", 1, input="c\n")
    group = unique("g")
    first = consume_group(cli, topic, "--group", group, "--reset", "earliest")
    assert sorted(first.stdout.splitlines()) == ["a", "b", "c"]
    assert cli.run("offsets", "show", group, topic).stdout == "0 2\n1 1\n"

    cli.run("produce", topic, "--partition", 1, input="d\n")
    second = consume_group(cli, topic, "--group", group)
    assert second.stdout == "d\n"
    assert cli.run("offsets", "show", group, topic).stdout == "0 2\n1 2\n"


def test_group_consume_with_max_commits_only_what_was_printed(cli):
    topic = create_topic(cli)
    cli.run("produce", topic, input="a\nb\nc\n")
    group = unique("g")
    assert consume_group(cli, topic, "--group", group, "--reset", "earliest", "--max", 1).stdout == "a\n"
    assert cli.run("offsets", "show", group, topic).stdout == "0 1\n"
    assert consume_group(cli, topic, "--group", group).stdout == "b\nc\n"


def test_json_escapes_quotes_backslashes_and_controls(cli):
    topic = create_topic(cli)
    value = 'he said "hi" \\ back\tslash \x01\x1f \x7f ünï ✓ 😀'
    cli.run("produce", topic, input=value + "\n")
    (record,) = parse_json_lines(cli.run("consume", topic, "--format", "json").stdout)
    assert record["value"] == value
    assert "value_encoding" not in record
    assert record["key"] == ""
    assert record["headers"] == []
