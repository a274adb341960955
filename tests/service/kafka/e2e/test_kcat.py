"""kcat (librdkafka 2.0.2, Debian) against the real eventlogd: metadata,
produce with keys and headers (read back over gRPC), consume from the
beginning, an offset and the end, and a group consumer whose commits the
eventlog CLI shows."""
import json
import subprocess

from conftest import unique, wait_until

KCAT = "/usr/bin/kcat"


def kcat(broker, *args, input=None, timeout=60):
    proc = subprocess.run([KCAT, "-b", broker.kafka] + list(args), input=input,
                          capture_output=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout.decode()


def grpc_records(broker, topic):
    out = broker.cli("consume", topic, "--format", "json").stdout
    return [json.loads(line) for line in out.splitlines() if line]


def test_metadata_lists_the_broker_and_topics_made_over_grpc(broker):
    topic = unique("kcat-meta")
    broker.cli("topic", "create", topic, "--partitions", "3")
    meta = json.loads(kcat(broker, "-L", "-J", "-t", topic))
    assert meta["brokers"] == [{"id": 0, "name": broker.kafka}]
    [entry] = meta["topics"]
    assert entry["topic"] == topic
    assert [p["partition"] for p in entry["partitions"]] == [0, 1, 2]
    assert all(p["leader"] == 0 and p["isrs"] == [{"id": 0}] for p in entry["partitions"])
    # Topics are never created by a Metadata request.
    missing = json.loads(kcat(broker, "-L", "-J", "-t", unique("kcat-missing")))
    assert missing["topics"][0].get("error") == "Broker: Unknown topic or partition"


def test_produce_with_keys_and_headers_lands_where_grpc_routing_would(broker):
    topic = unique("kcat-produce")
    broker.cli("topic", "create", topic, "--partitions", "4")
    lines = "".join(f"user-{i}\tvalue {i}\n" for i in range(20))
    # murmur2: the partitioner of Kafka's Java client and of eventlog's keyed routing.
    kcat(broker, "-P", "-t", topic, "-K", "\t", "-H", "source=kcat", "-H", "trace=1",
         "-X", "partitioner=murmur2_random", input=lines.encode())
    produced = {r["key"]: r for r in grpc_records(broker, topic)}
    assert sorted(produced) == sorted(f"user-{i}" for i in range(20))
    for i in range(20):
        record = produced[f"user-{i}"]
        assert record["value"] == f"value {i}"
        assert record["headers"] == [{"key": "source", "value": "kcat"},
                                     {"key": "trace", "value": "1"}]
    # The same keys through gRPC go to the same partitions.
    grpc_topic = unique("grpc-keyed")
    broker.cli("topic", "create", grpc_topic, "--partitions", "4")
    broker.cli("produce", grpc_topic, "--keyed", input=lines)
    by_grpc = {r["key"]: r["partition"] for r in grpc_records(broker, grpc_topic)}
    assert by_grpc == {k: r["partition"] for k, r in produced.items()}


def test_consume_from_beginning_offset_and_end(broker):
    topic = unique("kcat-consume")
    broker.cli("topic", "create", topic)
    broker.cli("produce", topic, "--keyed", "--header", "h=v",
               input="".join(f"k{i}\tv{i}\n" for i in range(5)))
    fmt = "%k=%s %h @%o\\n"
    everything = kcat(broker, "-C", "-t", topic, "-o", "beginning", "-e", "-f", fmt)
    assert everything.splitlines() == [f"k{i}=v{i} h=v @{i}" for i in range(5)]
    assert kcat(broker, "-C", "-t", topic, "-o", "3", "-e", "-f", fmt).splitlines() == [
        "k3=v3 h=v @3", "k4=v4 h=v @4"]
    assert kcat(broker, "-C", "-t", topic, "-o", "-2", "-e", "-f", fmt).splitlines() == [
        "k3=v3 h=v @3", "k4=v4 h=v @4"]
    # From the end: only what is produced after the consumer started.
    consumer = subprocess.Popen([KCAT, "-b", broker.kafka, "-C", "-t", topic, "-o", "end",
                                 "-c", "1", "-f", fmt], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    try:
        # Produce until the consumer (which waits at the end) has seen one.
        def seen():
            broker.cli("produce", topic, "--keyed", input="late\tnew\n")
            try:
                return consumer.wait(timeout=1) == 0
            except subprocess.TimeoutExpired:
                return False
        wait_until(seen, timeout=30, interval=0, what="kcat -o end to see a new record")
        line = consumer.stdout.read().decode().strip()
        assert line.startswith("late=new  @") and int(line.split("@")[1]) >= 5, line
    finally:
        consumer.kill()


def test_group_consumer_commits_what_the_eventlog_cli_shows(broker):
    topic, group = unique("kcat-group"), unique("kcat-g")
    broker.cli("topic", "create", topic, "--partitions", "2")
    broker.cli("produce", topic, "--keyed", input="".join(f"k{i}\tv{i}\n" for i in range(10)))
    out = kcat(broker, "-G", group, topic, "-e", "-f", "%s\\n",
               "-X", "auto.offset.reset=earliest")
    assert sorted(out.splitlines()) == sorted(f"v{i}" for i in range(10))
    described = broker.cli("group", "describe", group).stdout
    hw = {int(p): int(o) for p, o in
          (line.split()[1:3] for line in described.splitlines() if line.startswith(topic))}
    offsets = broker.cli("offsets", "list", topic, "--at", "latest").stdout
    latest = {int(p): int(o) for p, o in (line.split() for line in offsets.splitlines())}
    assert hw == latest  # committed = high watermark for every partition
