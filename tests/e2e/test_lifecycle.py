"""eventlogd process lifecycle seen from the CLI: SIGTERM, restart, persistence."""
import subprocess
import threading

from helpers import parse_acks, unique, wait_until


def test_sigterm_exits_zero_and_data_survives_restart(make_broker, make_cli):
    broker = make_broker()
    cli = make_cli(broker)
    topic = unique("persist")
    cli.run("topic", "create", topic, "--partitions", 2)
    lines = [f"record-{i}" for i in range(200)]
    acks = parse_acks(cli.run("produce", topic, input="\n".join(lines) + "\n").stdout)
    assert len(acks) == 200
    group = unique("g")
    cli.run("offsets", "commit", group, topic, 0, 7, "--metadata", "m")

    assert broker.terminate() == 0

    restarted = make_broker(broker.data_dir)
    cli = make_cli(restarted)
    assert f"{topic}\t2" in cli.run("topic", "list").stdout.splitlines()
    consumed = cli.run("consume", topic).stdout.splitlines()
    assert sorted(consumed) == sorted(lines)
    assert cli.run("offsets", "show", group, topic).stdout == "0 7 m\n"
    # Appends continue after the recovered offsets.
    more = parse_acks(cli.run("produce", topic, "--partition", 0, input="after\n").stdout)
    assert more == [(0, sum(1 for p, _ in acks if p == 0))]
    assert restarted.terminate() == 0


def test_sigterm_ends_open_subscriptions_with_unavailable(broker, cli, processes):
    topic = unique("t")
    cli.run("topic", "create", topic)
    cli.run("produce", topic, input="x\n")
    follower = processes.popen(cli.argv("consume", topic, "--follow"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    got = []
    threading.Thread(target=lambda: got.extend(follower.stdout), daemon=True).start()
    assert wait_until(lambda: got == ["x\n"])  # the subscription is live

    assert broker.terminate() == 0
    assert follower.wait(30) == 1
    assert "UNAVAILABLE" in follower.stderr.read()
