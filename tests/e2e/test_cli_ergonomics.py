"""The eventlog CLI's defaults and usage errors: topic create takes the
broker's default partition count and --if_not_exists, global flags go before
the command, --server must be HOST:PORT, --from offset:N past the end and an
unknown group are errors, the group reset default agrees with the libraries,
and every usage error names its flag."""
import subprocess

import pytest

from helpers import unique


def run(binary, *args):
    return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=60)


def test_topic_create_without_partitions_takes_the_brokers_default(make_broker, make_cli):
    cli = make_cli(make_broker(extra_args=["--default_partitions=3"]))
    topic = unique("t")
    assert cli.run("topic", "create", topic).stdout == f"created topic {topic} with 3 partitions\n"
    assert cli.run("topic", "list").stdout == f"{topic}\t3\n"


def test_topic_create_if_not_exists(cli):
    topic = unique("t")
    cli.run("topic", "create", topic, "--partitions", 2)
    again = cli.run("topic", "create", topic, "--partitions", 5, "--if_not_exists")
    assert again.stdout == f"topic {topic} exists with 2 partitions\n"
    plain = cli.run("topic", "create", topic, check=False)
    assert plain.returncode == 1 and "ALREADY_EXISTS" in plain.stderr


def test_global_flags_go_before_the_command(cli):
    topic = unique("t")
    cli.run("topic", "create", topic)
    for flags in (["--server", cli.broker.address], [f"--server={cli.broker.address}", "--timeout_ms", 5000]):
        result = run(cli.binary, *flags, "topic", "list")
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"{topic}\t1\n"
    bad = run(cli.binary, "--partitions", 3, "topic", "create", "x")
    assert bad.returncode == 2 and "--partitions is not a global flag" in bad.stderr


@pytest.mark.parametrize("server", ["localhost", "localhost:", ":7070", "localhost:http", "localhost:70000", "a:1,b"])
def test_server_must_be_host_port(cli_binary, server):
    result = run(cli_binary, "topic", "list", "--server", server)
    assert result.returncode == 2, result.stderr
    assert "--server" in result.stderr and "is not HOST:PORT" in result.stderr


def test_consume_from_an_offset_past_the_end_is_an_error(cli):
    topic = unique("t")
    cli.run("topic", "create", topic)
    cli.run("produce", topic, input="a\nb\n")
    assert cli.run("consume", topic, "--from", "offset:2").stdout == ""  # the end itself is fine
    result = cli.run("consume", topic, "--from", "offset:5", check=False)
    assert result.returncode == 1
    assert "OUT_OF_RANGE" in result.stderr and "[0, 2]" in result.stderr


def test_offsets_show_says_when_a_group_is_unknown_or_has_not_committed(cli):
    topic = unique("t")
    cli.run("topic", "create", topic)
    missing = cli.run("offsets", "show", unique("nobody"), topic, check=False)
    assert missing.returncode == 1
    assert "NOT_FOUND" in missing.stderr and "does not exist" in missing.stderr
    other = unique("t")
    cli.run("topic", "create", other)
    group = unique("g")
    cli.run("offsets", "commit", group, topic, 0, 0)
    quiet = cli.run("offsets", "show", group, other)
    assert quiet.stdout == ""
    assert f"group '{group}' has committed no offsets in topic '{other}'" in quiet.stderr


def test_a_new_group_starts_at_the_latest_offset_as_in_the_libraries(cli):
    topic = unique("t")
    cli.run("topic", "create", topic)
    cli.run("produce", topic, input="old\n")
    group = unique("g")
    assert cli.run("consume", topic, "--group", group).stdout == ""
    assert cli.run("consume", topic, "--group", unique("g"), "--reset", "earliest").stdout == "old\n"


@pytest.mark.parametrize(
    "args, flag",
    [
        (["consume", "t", "--from", "offset:x"], "--from"),
        (["consume", "t", "--partition", "-1"], "--partition"),
        (["consume", "t", "--reset", "middle"], "--reset"),
        (["topic", "create", "t", "--partitions", "-2"], "--partitions"),
        (["topic", "create", "t", "--partitions"], "--partitions"),
        (["offsets", "commit", "g", "t", "x", "1"], "PARTITION"),
        (["offsets", "commit", "g", "t", "0", "-1"], "OFFSET"),
        (["offsets", "commit", "g", "t"], "GROUP TOPIC PARTITION OFFSET"),
        (["produce", "t", "--acks", "some"], "--acks"),
    ],
)
def test_every_usage_error_names_its_flag(cli_binary, args, flag):
    result = run(cli_binary, *args, "--server", "127.0.0.1:1")
    assert result.returncode == 2, result.stderr
    assert flag in result.stderr.splitlines()[0], result.stderr
